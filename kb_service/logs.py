"""Logs an operator can search: one JSON object a line, each with the request it belongs to,
and nothing personal in them.

- Every request gets an id (the caller's `X-Request-ID` when it is a plain token, otherwise a
  new one), returned in the response's `X-Request-ID` and put on every line logged while the
  request runs.
- The access line names the route template ("/tickets/{number}"), never the path or the
  query string asked for: those carry search words, ticket links' tokens and e-mail
  addresses. Uvicorn's own access log is therefore off.
- As a last safety net every line is passed through `redact`, which masks e-mail addresses,
  phone numbers and bearer tokens that a message or a traceback might still hold.
"""

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str | None] = ContextVar("spravka_request_id", default=None)

REQUEST_ID_HEADER = "x-request-id"
_CALLER_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_SECRETS = (
    (re.compile(r"(?i)\bbearer\s+\S+"), "Bearer [token]"),
    (re.compile(r"\bspr_[A-Za-z0-9_-]{10,}"), "[token]"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[e-mail]"),
    # International numbers start with "+"; Russian ones also with 8 and ten digits after it.
    # Dates, versions and ticket numbers have neither shape.
    (re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,}\d(?!\w)"), "[phone]"),
    (
        re.compile(r"(?<![\w.-])8[\s(-]*\d{3}[\s)-]*\d{3}[\s-]?\d{2}[\s-]?\d{2}(?![\w.-])"),
        "[phone]",
    ),
)
# Attributes every LogRecord has; anything else was passed as `extra=` and is logged too.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "color_message",  # Uvicorn's copy of the message with terminal colours
}


def redact(text: str) -> str:
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


def caller_request_id(header: str | None) -> str | None:
    """The caller's id when it is a harmless token (it is echoed and logged), else None."""
    return header if header and _CALLER_ID.fullmatch(header) else None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        if (current := request_id.get()) is not None:
            line["request_id"] = current
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, int | float | bool) else redact(str(value))
        if record.exc_info:
            line["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = redact(super().format(record))
        current = request_id.get()
        return f"{text} [request {current}]" if current else text


def configure(log_format: str, level: int = logging.INFO) -> None:
    """Send every logger of the process through one handler on standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "gunicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # Its lines hold the paths and query strings asked for: ours (`spravka.access`) replace it.
    logging.getLogger("uvicorn.access").disabled = True
