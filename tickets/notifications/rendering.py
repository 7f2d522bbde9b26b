"""Notification texts: one Jinja2 text template per kind and language, subject and body.

Plain text, so no autoescaping: nothing here is ever shown as HTML (the console escapes it).
Each template extends `<lang>/_mail.txt` and fills the blocks `subject` and `body`.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


@dataclass(frozen=True)
class Text:
    subject: str
    body: str


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,  # noqa: S701 - plain-text mail, never rendered as HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def language(locale: str | None) -> str:
    """The supported language of a stored locale ("en-GB" -> "en"), else the default."""
    short = (locale or "").lower().split("-")[0].split("_")[0]
    return short if short in LANGUAGES else DEFAULT_LANGUAGE


def render(kind: str, locale: str, context: dict) -> Text:
    """The subject (one line) and body of `kind` in the language of `locale`."""
    lang = language(locale)
    template = environment().get_template(f"{lang}/{kind}.txt")
    values = context | {"when": lambda moment: _when(moment, lang)}
    subject = "".join(template.blocks["subject"](template.new_context(values)))
    body = template.render(values)
    return Text(" ".join(subject.split()), body.strip() + "\n")


def _when(moment: datetime | str | None, lang: str) -> str:
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    utc = moment.astimezone(UTC)
    return format_datetime(utc, "d MMMM y, HH:mm 'UTC'", tzinfo=UTC, locale=lang)
