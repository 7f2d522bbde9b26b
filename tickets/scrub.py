"""Removing personal data from a ticket's text before it becomes a knowledge-base article.

Pure: `scrub(text, known, language)` takes the text and what the ticket knows about the
people in it (`Known`: the requester's and the organisation's names, their e-mail
addresses, phones, equipment serials) and returns the text with each personal datum replaced
by a readable placeholder in the article's language (`[e-mail]`, `[телефон]`, ...).

What it removes, in this order (each pass sees the placeholders of the passes before it):
1. secrets in URLs: the values of query and fragment parameters named like a secret (token,
   key, sig, auth, code, password, session, ...), user:password@ and long random-looking path
   segments; the host and the rest of the path stay, so the article still says where to go;
2. e-mail addresses, and the ticket's known addresses;
3. serial numbers where marked ("S/N: X", "SN X", "Serial number X", "серийный номер X",
   "зав. № X"), and the known serials of the organisation's equipment anywhere;
4. IPv4 and IPv6 addresses (a port or a prefix length after them stays);
5. phone numbers in Russian and international formats, with an extension (ext., доб.),
   and the ticket's known phones however they are written;
6. the requester's and the organisation's names: the whole name first, then each of its
   words, whole words only, case-insensitive, a Russian word with its case endings
   (Иванов, Иванова, Иванову, Ивановым; Сергей, Сергея, Сергеем).

What it leaves alone, by design: dates (27.11.2026, 2026-11-27), times, version numbers
(3.2.1, 10.0.19045), model codes (LP-2040), prices, percentages, ticket numbers, error codes
(0x80070005, E-202), ports. The rules below are written so that a number is a phone only in
a phone's shape (a leading + or 8, an area code in brackets, or the grouping 123-45-67), and
an IPv4 address after "version"/"версия" is taken for a version. The `phonenumbers` library
was considered; a few shapes cover the formats the desk meets without a new dependency.

Nothing here is perfect: an editor reviews the draft before anyone else reads it (the draft
starts internal); the scrubber makes sure the obvious data never reaches that draft.
"""

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

PLACEHOLDERS = {
    "ru": {
        "email": "[e-mail]",
        "phone": "[телефон]",
        "name": "[имя]",
        "organisation": "[организация]",
        "ip": "[IP]",
        "serial": "[серийный номер]",
        "token": "[token]",
    },
    "en": {
        "email": "[e-mail]",
        "phone": "[phone]",
        "name": "[name]",
        "organisation": "[organisation]",
        "ip": "[IP]",
        "serial": "[serial]",
        "token": "[token]",
    },
}


@dataclass(frozen=True)
class Known:
    """What the ticket itself knows about the people in it (empty strings are ignored)."""

    names: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    serials: tuple[str, ...] = ()


def scrub(text: str, known: Known = Known(), language: str = "ru") -> str:
    """`text` without the personal data described in the module's docstring."""
    marks = PLACEHOLDERS.get(language, PLACEHOLDERS["en"])
    text = _URL.sub(lambda m: _scrub_url(m, marks["token"]), text)
    text = _known(text, known.emails, marks["email"])
    text = _EMAIL.sub(marks["email"], text)
    text = _known(text, known.serials, marks["serial"])
    text = _SERIAL.sub(lambda m: m.group("marker") + marks["serial"], text)
    text = _IPV6.sub(lambda m: _ipv6(m, marks["ip"]), text)
    text = _IPV4.sub(lambda m: _ipv4(m, marks["ip"]), text)
    text = _known_phones(text, known.phones, marks["phone"])
    text = _PHONE.sub(lambda m: _phone(m, marks["phone"]), text)
    text = _names(text, known.organisations, marks["organisation"], _ORGANISATION_WORDS)
    return _names(text, known.names, marks["name"], frozenset())


# --- URLs -----------------------------------------------------------------------------------

# Up to whitespace or a character that cannot end a URL in running text.
_URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»"
# Parameter names that carry a secret: exact names, or names containing these words.
_SECRET_PARAMS = re.compile(
    r"^(?:.*(?:token|secret|passw|signature|session|apikey|api_key|auth|otp|jwt).*"
    r"|key|sig|code|pass|pwd|sid|hash|nonce)$",
    re.IGNORECASE,
)
# A path segment made by a machine, not a person: a run of 16 or more letters mixed with
# digits (hex, base64), or a UUID; "report-2026-11-27" or "guide-v2" are a person's.
_RANDOM_SEGMENT = re.compile(
    r"^[\w\-=~%]*(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{16,}[\w\-=~%]*$"
    r"|^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def _scrub_url(match: re.Match, mark: str) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING and not _balanced(url):
        url, tail = url[:-1], url[-1] + tail
    scheme, _, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        authority = mark + "@" + authority.rpartition("@")[2]
    path, hash_, fragment = path.partition("#")
    path, question, query = path.partition("?")
    segments = [mark if _RANDOM_SEGMENT.match(s) else s for s in path.split("/")]
    url = f"{scheme}://{authority}{slash}{'/'.join(segments)}"
    url += question + _params(query, mark) + hash_ + _params(fragment, mark)
    return url + tail


def _balanced(url: str) -> bool:
    """A closing bracket that belongs to the URL (a wiki link's "(...)") stays in it."""
    return url[-1] == ")" and url.count("(") >= url.count(")")


def _params(query: str, mark: str) -> str:
    if "=" not in query:
        return query
    parts = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        secret = eq and value and _SECRET_PARAMS.match(name)
        parts.append(f"{name}={mark}" if secret else part)
    return "&".join(parts)


# --- E-mail ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")


def _known(text: str, values: Iterable[str], mark: str) -> str:
    """Every known value as a whole token, case-insensitive, longest first."""
    for value in sorted({v.strip() for v in values if v and len(v.strip()) >= 3}, key=len)[::-1]:
        pattern = re.compile(rf"(?<![\w@.]){re.escape(value)}(?![\w@]|[.\-/]\w)", re.IGNORECASE)
        text = pattern.sub(mark, text)
    return text


# --- Serial numbers -------------------------------------------------------------------------

_SERIAL = re.compile(
    r"(?P<marker>(?<!\w)(?:s/n|sn|serial\s+(?:number|no\.?|#)|serial(?=\s*:)|"
    r"серийный\s+(?:номер|№)|сер\.\s*№|зав(?:одской|\.)?\s*(?:номер|№))"
    r"\s*[:#№-]?\s*)"
    r"(?P<value>(?=[A-Za-zА-Яа-я0-9/-]*\d)[A-Za-zА-Яа-я0-9][A-Za-zА-Яа-я0-9/-]{3,}(?<![/-]))",
    re.IGNORECASE,
)


# --- IP addresses ---------------------------------------------------------------------------

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.\d)")
# A dotted number right after these words is a version, not an address.
_VERSION_WORDS = re.compile(
    r"(?:version|ver\.?|v\.?|build|release|firmware|версия|версии|версию|вер\.|сборка|сборки"
    r"|прошивка|прошивки|прошивку)\s*$",
    re.IGNORECASE,
)
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:.])")


def _ipv4(match: re.Match, mark: str) -> str:
    before = match.string[max(0, match.start() - 20) : match.start()]
    return match.group(0) if _VERSION_WORDS.search(before) else mark


def _ipv6(match: re.Match, mark: str) -> str:
    candidate = match.group(0)
    # "a::b" in code is no address; a real one has a few hex digits ("::1" aside).
    if sum(c.isalnum() for c in candidate) < 4 and candidate != "::1":
        return candidate
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return candidate
    return mark


# --- Phones ---------------------------------------------------------------------------------

_S = r"[ \t\u00a0-]?"  # one separator between groups of digits
_EXTENSION = r"(?:\s*,?\s*(?:ext\.?|extension|x|доб\.?|добавочный)\s*\d{1,6})?"
_PHONE = re.compile(
    r"(?<![\w+./\-#№])(?<!\d[ \t])(?:"
    # Russian: +7 / 7 / 8, area code (in brackets or not), 3-2-2.
    rf"(?P<ru>\+?[78]{_S}\(?\d{{3,4}}\)?{_S}\d{{2,3}}{_S}\d{{2}}{_S}\d{{2}})"
    # International: + country code, then groups (trimmed to at most 15 digits below).
    rf"|(?P<intl>\+\d{{1,3}}(?:{_S}\(?\d{{1,5}}\)?){{1,6}})"
    # An area code in brackets: (415) 555-2671, (495) 123-45-67.
    rf"|(?P<area>\(\d{{3,5}}\){_S}\d{{2,4}}{_S}\d{{2,4}}(?:{_S}\d{{2}})?)"
    # Without a prefix: 495 123-45-67, 415-555-2671, 123-45-67.
    r"|(?P<local>\d{3}[ -]\d{3}[ -]\d{2}[ -]\d{2}|\d{3}-\d{3}-\d{4}|\d{3}-\d{2}-\d{2})"
    rf"){_EXTENSION}(?![\w]|[.,/-]\d)"
)


def _phone(match: re.Match, mark: str) -> str:
    number = match.group(0)
    extension = _EXTENSION_AT_END.search(number)
    base = number[: extension.start()] if extension and extension.group(0) else number
    digits = sum(c.isdigit() for c in base)
    group = match.lastgroup or "ru"
    if group != "intl":
        return mark if digits in _DIGITS[group] else number
    # Cut trailing groups beyond what a phone can have (E.164: 15 digits; +7 and +1: 11).
    limit = 11 if base[1] in "17" else 15
    kept = base
    while sum(c.isdigit() for c in kept) > limit and _LAST_GROUP.search(kept):
        kept = _LAST_GROUP.sub("", kept)
    # A lone digit after a space is a count ("2 times"), never the end of a phone.
    kept = re.sub(r" \d$", "", kept)
    if not 8 <= sum(c.isdigit() for c in kept) <= limit:
        return number
    return mark if kept == base else mark + number[len(kept) :]


_LAST_GROUP = re.compile(r"[ \t\u00a0-]\d+$")
_EXTENSION_AT_END = re.compile(rf"{_EXTENSION}$")
# How many digits each shape has: +7/8 and ten; an area code and a number; a local number.
_DIGITS = {"ru": {11}, "area": {10, 11, 12}, "local": {7, 10}}


def _known_phones(text: str, phones: Iterable[str], mark: str) -> str:
    """A known phone however it is written: its last ten digits, any separators between."""
    for phone in phones:
        digits = re.sub(r"\D", "", phone or "")
        if len(digits) < 7:
            continue
        core = digits[-10:]
        between = r"[\s().\-]{0,3}"
        pattern = rf"(?<!\d)(?:\+?\d{{1,3}}{between})?" + between.join(core) + r"(?!\d)"
        text = re.sub(pattern, mark, text)
    return text


# --- Names ----------------------------------------------------------------------------------

# Words of an organisation's name that say what kind of firm it is, not which one.
_ORGANISATION_WORDS = frozenset(
    """ооо зао оао пао ао ип нко фгуп гуп муп тоо чп llc ltd inc corp co gmbh ag sa plc
    company corporation group holding systems system service services solutions technologies
    technology bank plant center centre the and of компания группа холдинг системы система
    сервис сервиса групп технологии банк завод центр бюро фирма торговый дом""".split()
)
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
# Russian case endings (nouns, adjectives, surnames), longest first so they win.
_ENDINGS = sorted(
    """а я у ю ы и е о й ой ей ою ею ом ем ым им ых их ого его ому ему ыми ими ая яя ую юю
    ий ый ое ее ов ев""".split(),
    key=len,
    reverse=True,
)
_STRIP = ("ий", "ый", "ой", "ая", "яя", "а", "я", "й", "ь", "о", "е", "ы", "и")


def _names(text: str, names: Iterable[str], mark: str, generic: frozenset[str]) -> str:
    names = [n.strip() for n in names if n and n.strip()]
    for name in sorted(set(names), key=len, reverse=True):
        words = _WORD.findall(name)
        if len(words) > 1:
            text = _phrase(name).sub(mark, text)
    words = {w for n in names for w in _WORD.findall(n)}
    for word in sorted(words, key=len, reverse=True):
        if len(word) < 3 or word.lower() in generic:
            continue
        text = re.sub(rf"(?<![\w\[]){_word_pattern(word)}(?![\w\]])", mark, text, flags=_FLAGS)
    return re.sub(rf"{re.escape(mark)}(?:\s+{re.escape(mark)})+", mark, text)


_WORD = re.compile(r"[^\W\d_][\w-]*", re.UNICODE)
_FLAGS = re.IGNORECASE | re.UNICODE


def _phrase(name: str) -> re.Pattern:
    """The whole name as written, quotes and spaces loosened ("ООО «Ромашка»", "ООО Ромашка")."""
    words = _WORD.findall(name)
    gap = r"[\s\"'«»“”„.,]*"
    pattern = gap.join(_word_pattern(w) for w in words)
    return re.compile(rf"(?<![\w\[])[\"'«“„]?{pattern}[\"'»”]?(?![\w\]])", _FLAGS)


def _word_pattern(word: str) -> str:
    """A word of a name; a Russian one with its case endings (ё written е or ё)."""
    if not _CYRILLIC.search(word) or len(word) < 4:
        return _yo(re.escape(word))
    lower = word.lower()
    stem = word
    for ending in _STRIP:
        if lower.endswith(ending) and len(word) - len(ending) >= 3:
            stem = word[: -len(ending)]
            break
    endings = "|".join(_ENDINGS)
    return rf"{_yo(re.escape(stem))}(?:{endings})?"


def _yo(pattern: str) -> str:
    return re.sub("[ёеЁЕ]", "[ёеЁЕ]", pattern)
