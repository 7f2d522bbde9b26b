"""The interface languages: catalogues, choosing the viewer's language, plurals and dates.

Catalogues are JSON files in `portal/locale/` (one per language, the same keys in each, checked
by a test). A value is a `str.format` pattern, or for counted phrases a mapping of CLDR plural
categories ("one", "few", "many", "other") to patterns.
"""

import json
import re
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_datetime, format_time

LANGUAGES = ("ru", "en")
DEFAULT = "ru"
LOCALE_DIR = Path(__file__).parent / "locale"


# A name given in both languages at once, "Устранение неполадок / Troubleshooting": the
# demo's categories, and what an importer of a bilingual catalogue tends to write, since an
# article category has one name. The part in the viewer's language is shown.
_BILINGUAL_SEPARATOR = " / "
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


@cache
def catalogue(language: str) -> dict[str, str | dict[str, str]]:
    return json.loads((LOCALE_DIR / f"{language}.json").read_text(encoding="utf-8"))


def negotiate(accept_language: str | None) -> str:
    """The supported language the browser prefers most (Accept-Language), else the default."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.strip().lower().split("-")[0]
        if language in LANGUAGES and quality > 0:
            choices.append((-quality, position, language))
    return min(choices)[2] if choices else DEFAULT


def name_in(name: str, language: str) -> str:
    """The part of a "Русское / English" name (either order) for `language`; any other name
    as it is."""
    parts = [part.strip() for part in name.split(_BILINGUAL_SEPARATOR)]
    if len(parts) != 2:
        return name
    russian = [part for part in parts if _CYRILLIC.search(part)]
    english = [part for part in parts if _LATIN.search(part) and not _CYRILLIC.search(part)]
    if len(russian) != 1 or len(english) != 1:
        return name
    return russian[0] if language == "ru" else english[0]


class Translator:
    """`_("key", name=value)` in templates; `_.plural("key", n)` for counted phrases."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else DEFAULT
        self.messages = catalogue(self.language)
        self.locale = Locale.parse(self.language)

    def __call__(self, key: str, **params) -> str:
        message = self.messages.get(key)
        if not isinstance(message, str):
            raise KeyError(f"no message {key!r} in the {self.language} catalogue")
        return message.format(**params) if params else message

    def plural(self, key: str, count: int, **params) -> str:
        forms = self.messages.get(key)
        if not isinstance(forms, dict):
            raise KeyError(f"no plural message {key!r} in the {self.language} catalogue")
        form = forms.get(self.locale.plural_form(abs(count))) or forms["other"]
        return form.format(count=count, **params)

    def has(self, key: str) -> bool:
        return key in self.messages

    # Above `date` and `datetime`: those methods hide the types in the class body.
    def time(self, value: datetime | None) -> str:
        """The wall-clock time of an aware datetime, in its own zone ("14:30", "2:30 PM")."""
        return format_time(value, "short", tzinfo=value.tzinfo, locale=self.locale) if value else ""

    def day(self, value: date | None) -> str:
        """A day with its weekday ("понедельник, 1 марта", "Monday, March 1")."""
        return format_date(value, "EEEE, d MMMM", locale=self.locale) if value else ""

    def date(self, value: datetime | None) -> str:
        return format_date(value, "long", locale=self.locale) if value else ""

    def datetime(self, value: datetime | None) -> str:
        return format_datetime(value, "medium", locale=self.locale) if value else ""
