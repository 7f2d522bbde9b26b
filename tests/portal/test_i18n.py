"""The translation catalogues and the rule that every UI string goes through them."""

import re
import string
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb_service.accounts.reset import LinkState
from kb_service.articles.models import REVIEW_DECISIONS, STATUSES
from kb_service.audit import service as audit
from kb_service.catalogue.equipment import WARRANTY_STATES
from kb_service.webhooks.events import EVENTS as WEBHOOK_EVENTS
from kb_service.webhooks.models import STATUSES as WEBHOOK_STATUSES
from portal.i18n import LANGUAGES, Translator, catalogue, negotiate
from portal.report_csv import PARTS
from portal.views.editor import review as editor_review
from tickets import clocks, linking, queues, workflow
from tickets.measuring import PERIODS, SCOPES
from tickets.models import CHANNELS, PRIORITIES
from tickets.notifications.recipients import CLIENT_EVENTS, STAFF_EVENTS
from tickets.period_report import DESK_LINES, KNOWLEDGE_LINES

TEMPLATES = Path(__file__).parents[2] / "portal" / "templates"
KEY_RE = re.compile(r"""_(?:\.plural)?\(\s*["']([^"']+)["']""")
# The console's words for the desk's own values (tickets.queues, clocks, workflow, models).
CONSOLE = {
    "view": queues.VIEWS,
    "sort": queues.SORTS,
    "priority": PRIORITIES,
    "channel": CHANNELS,
    "clock": clocks.STATES,
    "clock_name": ("response", "resolution"),
    "action": (*workflow.MOVES, "create", *linking.HISTORY_ACTIONS),
    "field": ("status", "priority", "assignee_id", "group_id", "category_id", "product_id",
              "organisation_id", "escalation", "solution_sent", "equipment_id"),
    "warranty": WARRANTY_STATES,
    "problem": ("invalid", "conflict", "stale"),
    # The reports' measures (name and how it is computed), periods, scopes and CSV parts.
    "reports.m": KNOWLEDGE_LINES + DESK_LINES,
    "reports.h": KNOWLEDGE_LINES + DESK_LINES,
    "reports.period": PERIODS,
    "reports.scope": SCOPES,
    "reports.part": PARTS,
}  # fmt: skip
# The editors' workspace's words for the articles' own values (kb_service.articles).
EDITOR = {
    "action": editor_review.ACTIONS,
    "decision": REVIEW_DECISIONS,
    "kind": ("vote", "flag"),
    "problem": ("invalid", "stale"),
    "read_in": LANGUAGES,
    "status": STATUSES,
    "tool": ("bold", "italic", "heading", "list", "numbered", "link", "code", "quote", "image"),
}
# Keys built in templates from a prefix and a value: every expansion must exist.
ERROR_KINDS = ("csrf", "400", "403", "404", "405", "409", "413", "422", "429", "500")
SYNONYM_ERRORS = ("too_few", "too_many", "too_long", "invalid")
DYNAMIC = {
    "error.": [f"error.{k}.{part}" for k in ERROR_KINDS for part in ("title", "text")],
    "language.switch_to.": [f"language.switch_to.{code}" for code in LANGUAGES],
    "language.name.": [f"language.name.{code}" for code in LANGUAGES],
    "status.": [f"status.{s}" for s in ("new", "open", "waiting", "resolved", "closed")],
    "notify.event.": [f"notify.event.{e}" for e in CLIENT_EVENTS + STAFF_EVENTS],
    "webhooks.event.": [f"webhooks.event.{e}" for e in WEBHOOK_EVENTS],
    "webhooks.status.": [f"webhooks.status.{s}" for s in WEBHOOK_STATUSES],
    **{f"{prefix}.": [f"{prefix}.{v}" for v in values] for prefix, values in CONSOLE.items()},
    **{f"editor.{prefix}.": [f"editor.{prefix}.{v}" for v in values]
       for prefix, values in EDITOR.items()},
    "audit.action.": [f"audit.action.{a}" for a in audit.ACTIONS],
    "audit.label.": [f"audit.label.{label}" for label in audit.LABELS],
    "search.also_in.": [f"search.also_in.{code}" for code in LANGUAGES],
    "forgiving.synonyms_error.": [f"forgiving.synonyms_error.{code}" for code in SYNONYM_ERRORS],
    "reset.link.": [f"reset.link.{state}" for state in LinkState if state != LinkState.VALID],
}  # fmt: skip
TEXT_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "label", "value"}


def _fields(pattern: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(pattern) if name}


def test_both_languages_have_the_same_keys_and_placeholders():
    ru, en = catalogue("ru"), catalogue("en")
    assert ru.keys() == en.keys()
    for key in ru:
        if isinstance(ru[key], dict):
            assert isinstance(en[key], dict) and "other" in ru[key] and "other" in en[key], key
            assert {"one", "few", "many"} <= ru[key].keys(), key
            assert all(_fields(v) == _fields(en[key]["other"]) for v in ru[key].values()), key
        else:
            assert _fields(ru[key]) == _fields(en[key]), key


def test_every_key_used_in_templates_exists():
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used.update(KEY_RE.findall(path.read_text(encoding="utf-8")))
    expanded = {k for k in used if not k.endswith(".")}
    for prefix in (k for k in used if k.endswith(".")):
        expanded.update(DYNAMIC[prefix])
    assert expanded - catalogue("en").keys() == set()


class _TextFinder(HTMLParser):
    """Collects text and text attributes that are not produced by a template expression."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            # A form control's value is data sent to the server, not text for a person.
            is_data = name == "value" and tag in {"input", "button", "option"}
            if name in TEXT_ATTRIBUTES and value and _literal_words(value) and not is_data:
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data):
        if _literal_words(data):
            self.found.append(data.strip())


def _literal_words(text: str) -> bool:
    stripped = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.DOTALL)
    return bool(re.search(r"[^\W\d_]{2,}", stripped))


@pytest.mark.parametrize("path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_have_no_hard_coded_text(path):
    source = path.read_text(encoding="utf-8")
    # Jinja blocks may hold literal keys and code, which is not text for a person.
    source = re.sub(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", " ", source, flags=re.DOTALL)
    finder = _TextFinder()
    finder.feed(source)
    assert finder.found == []


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ru"),
        ("", "ru"),
        ("en-US,en;q=0.9", "en"),
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
        ("de-DE,de;q=0.9,en;q=0.5,ru;q=0.4", "en"),
        ("fr, ru;q=0.1", "ru"),
        ("en;q=0, ru;q=0.2", "ru"),
        ("garbage;;q=x", "ru"),
    ],
)
def test_language_follows_accept_language(header, expected):
    assert negotiate(header) == expected


@pytest.mark.parametrize(
    ("count", "text"),
    [(1, "1 статья"), (3, "3 статьи"), (5, "5 статей"), (21, "21 статья"), (12, "12 статей")],
)
def test_russian_plurals(count, text):
    assert Translator("ru").plural("product.articles", count) == text


def test_dates_follow_the_language():
    from datetime import UTC, datetime

    moment = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)
    assert Translator("ru").date(moment).replace("\u202f", " ") == "5 марта 2025 г."
    assert Translator("en").date(moment) == "March 5, 2025"
