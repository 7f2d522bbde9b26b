"""A raw message as the desk needs it: who sent it, about what, in reply to what, its text
and files, and whether a machine sent it. Pure: bytes in, a `Mail` out.

The standard library's parser does the MIME work under the compat32 policy, which never
raises when a header is read; headers are then decoded here one by one, so one broken header
(bad encoded words, raw 8-bit bytes, an unknown charset) spoils only itself.
"""

import email
import hashlib
import re
from dataclasses import dataclass
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses

from tickets.intake.decoding import clean, decode_text, html_to_text, latest_reply, one_line

MAX_SUBJECT = 300
MAX_NAME = 200
MAX_ID = 250
MAX_DEPTH = 40
_ID = re.compile(r"<([^<>\s]+)>")
_ADDRESS_PART = r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"']+"
_ADDRESS = re.compile(f"^{_ADDRESS_PART}$")
_FOLD = re.compile(r"\r?\n[ \t]+")
# Header fields that a transfer adds or changes: the same message delivered twice (once
# piped by the mail server, once fetched over IMAP) differs only in these.
_TRACE = frozenset(
    b"received return-path delivered-to x-original-to envelope-to status x-status x-uid "
    b"x-keywords content-length lines x-imapbase x-mozilla-status x-mozilla-status2".split()
)
_AUTO_PRECEDENCE = frozenset({"bulk", "junk", "auto_reply", "auto-reply"})
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    message_id: str | None
    subject: str
    sender_email: str
    sender_name: str
    # Every Message-ID this one answers, nearest first (In-Reply-To, then References).
    replies_to: tuple[str, ...]
    # The whole text: plain parts, and HTML parts turned into text.
    text: str
    # A reply's new text, without the quoted history (the whole text when none is found).
    new_text: str
    attachments: tuple[Attachment, ...] = ()
    # Why a machine sent it ("auto-submitted: auto-replied", "delivery report", ...) or None.
    automatic: str | None = None


class Unreadable(Exception):
    """Not an e-mail message at all: no header could be read."""


def unreadable_reason(mail: Mail) -> str | None:
    """Why the desk cannot take `mail` from a person, or None when it can.

    A message from a machine is recorded whatever it lacks. Any other message needs a sender
    address: without one there is nobody to open the ticket for or to answer, so it waits in
    the quarantine for an administrator rather than becoming a ticket of nobody's.
    """
    if mail.automatic is None and not mail.sender_email:
        return "no sender address (From, Sender or Reply-To)"
    return None


def fingerprint(raw: bytes) -> str:
    """SHA-256 of the message less its transfer trace, so every delivery of it is one key."""
    head, separator, body = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    kept, skipping = [], False
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() in _TRACE
        if not skipping:
            kept.append(line)
    return hashlib.sha256(b"\n".join(kept) + separator + body).hexdigest()


def parse(raw: bytes) -> Mail:
    """The message in `raw`; Unreadable when it is no message at all."""
    message = email.message_from_bytes(raw, policy=compat32)
    if not message.keys():
        raise Unreadable("no header could be read")
    headers = _Headers(message)
    sender_name, sender_email = _sender(headers)
    found = _Found()
    found.collect(message, 0)
    text = clean("\n\n".join(t for t in found.texts if t.strip()))
    return Mail(
        message_id=_first_id(headers.raw("message-id")),
        subject=one_line(headers.text("subject"), MAX_SUBJECT),
        sender_email=sender_email,
        sender_name=sender_name,
        replies_to=tuple(
            dict.fromkeys(
                _ids(headers.raw("in-reply-to")) + list(reversed(_ids(headers.raw("references"))))
            )
        ),
        text=text,
        new_text=latest_reply(text),
        attachments=tuple(found.attachments),
        automatic=_automatic(message, headers, sender_email),
    )


class _Headers:
    """Header values by name, raw (8-bit bytes kept) or decoded to text."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, str] = {}
        for name, value in message.raw_items():
            self._values.setdefault(name.strip().lower(), value if isinstance(value, str) else "")

    def raw(self, name: str) -> str:
        return _FOLD.sub(" ", self._values.get(name, ""))

    def text(self, name: str) -> str:
        return decode_header_value(self.raw(name))


def decode_header_value(value: str) -> str:
    """A header's text: encoded words decoded, raw 8-bit bytes read by their likely charset."""
    if any("\udc80" <= c <= "\udcff" for c in value) or "\x1b" in value:
        value = decode_text(value.encode("ascii", "surrogateescape"), None)
    try:
        chunks = decode_header(value)
    except Exception:  # noqa: BLE001 -- a broken encoded word leaves the header as written
        return value
    out = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            out.append(chunk)
        elif charset is None:
            out.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            out.append(decode_text(chunk, charset))
    return "".join(out)


def _sender(headers: _Headers) -> tuple[str, str]:
    for name in ("from", "sender", "reply-to"):
        for display, address in getaddresses([headers.text(name)]):
            address = address.strip().lower()
            if _usable(address):
                return one_line(display, MAX_NAME), address
        # Written without the brackets ("Name name@host") or several bare addresses.
        for address in re.findall(_ADDRESS_PART, headers.text(name)):
            if _usable(address.lower()):
                return "", address.lower()
    return "", ""


def _usable(address: str) -> bool:
    return len(address) <= 254 and bool(_ADDRESS.match(address)) and address.isprintable()


def _ids(value: str) -> list[str]:
    return [_short_id(found) for found in _ID.findall(value)]


def _first_id(value: str) -> str | None:
    ids = _ids(value)
    if ids:
        return ids[0]
    value = value.strip()
    return _short_id(value) if value and " " not in value and value.isprintable() else None


def _short_id(message_id: str) -> str:
    # A longer id, or one with bytes that are no text, is kept as its hash: cutting or
    # mending it could make two messages one.
    if len(message_id) <= MAX_ID and message_id.isascii() and message_id.isprintable():
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()


def _automatic(message: Message, headers: _Headers, sender: str) -> str | None:
    auto_submitted = headers.raw("auto-submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted: {auto_submitted[:40]}"
    for name in ("x-autoreply", "x-autorespond", "x-autogenerated", "x-autoresponder"):
        if headers.raw(name).strip():
            return name
    precedence = headers.raw("precedence").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        return f"precedence: {precedence}"
    if message.get_content_type() == "multipart/report":
        return f"report: {message.get_param('report-type') or 'unknown'}"[:60]
    if sender.split("@")[0] in _DAEMONS or headers.text("from").lower().startswith(_DAEMONS):
        return "delivery report"
    if headers.raw("return-path").strip() == "<>":
        return "null return path"
    return None


class _Found:
    """What a walk over the MIME tree finds: texts in reading order, and files."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.attachments: list[Attachment] = []

    def collect(self, part: Message, depth: int) -> None:
        content_type = part.get_content_type()
        if depth > MAX_DEPTH:
            self._file(part, content_type)
        elif content_type.startswith("multipart/") and isinstance(part.get_payload(), list):
            if content_type == "multipart/alternative":
                self._alternative(part.get_payload(), depth + 1)
            else:
                for child in part.get_payload():
                    self.collect(child, depth + 1)
        elif content_type in ("text/plain", "text/html") and not _is_file(part):
            payload = _payload(part)
            text = decode_text(payload, part.get_content_charset())
            self.texts.append(html_to_text(text) if content_type == "text/html" else text)
        else:
            self._file(part, content_type)

    def _alternative(self, children: list, depth: int) -> None:
        # Plain text first, then HTML; a blank plain part (mailers send them) does not count.
        chosen = None
        for child in sorted(children, key=_preference):
            found = _Found()
            found.collect(child, depth)
            chosen = chosen or found
            if any(text.strip() for text in found.texts):
                chosen = found
                break
        if chosen is not None:
            self.texts += chosen.texts
            self.attachments += chosen.attachments

    def _file(self, part: Message, content_type: str) -> None:
        if content_type.startswith("message/") or part.is_multipart():
            inner = part.get_payload()
            content = _as_bytes(inner[0] if isinstance(inner, list) and inner else part)
            default = "message.eml"
        else:
            content, default = _payload(part), "attachment"
        name = one_line(decode_header_value(_filename(part)), 255) or default
        self.attachments.append(Attachment(name, content_type, content))


def _preference(part: Message) -> int:
    wanted = ("text/plain", "text/html")
    content_type = part.get_content_type()
    return wanted.index(content_type) if content_type in wanted else len(wanted)


def _is_file(part: Message) -> bool:
    disposition = str(part.get("content-disposition", "")).split(";")[0].strip().lower()
    return disposition == "attachment" or bool(_filename(part))


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:  # noqa: BLE001 -- a broken parameter only costs the name
        return ""


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 -- broken transfer encoding: keep what is there
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("ascii", "surrogateescape") if isinstance(raw, str) else b""


def _as_bytes(part: Message) -> bytes:
    try:
        return part.as_bytes(policy=compat32)
    except Exception:  # noqa: BLE001 -- an unserialisable part is still kept as its text
        return str(part.get_payload()).encode("utf-8", "surrogateescape")
