"""The synonym dictionary: groups of equivalent search terms that editors maintain, plus every
catalogue product's name and code (so "LaserPrint 2040" finds articles about LP-2040).

Applied at query time. Every worker process keeps the dictionary in memory and re-reads a
small stamp of the tables (counts, newest change) at most every CHECK_SECONDS, so a change made
in one worker reaches the others within seconds, without a reindex.
"""

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from indexer.synonyms import Synonyms
from kb_service.access import CURATOR_ROLES, Viewer
from kb_service.catalogue.models import Product
from kb_service.db import session_scope
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.search.models import SearchSynonym

CHECK_SECONDS = 3.0
MAX_TERMS = 20
MAX_TERM_CHARS = 100
EDITORS = CURATOR_ROLES - {"manager"}


def _require_editor(viewer: Viewer) -> None:
    if not viewer.has_any(EDITORS):
        raise Forbidden("only editors and administrators maintain the synonyms")


def parse_terms(text: str) -> list[str]:
    """Terms from a form or an API value: one a line or separated by commas, de-duplicated."""
    terms = [" ".join(t.split()) for line in text.splitlines() for t in line.split(",")]
    unique = list(dict.fromkeys(t for t in terms if t))
    # Each refusal names its rule in ``errors`` ("code" and values), so a face can say it in
    # the reader's language; the message is the English one (the API's problem detail).
    if len(unique) < 2:
        raise Invalid(
            "give at least two equivalent terms, one a line or separated by commas",
            errors=[{"code": "too_few"}],
        )
    if len(unique) > MAX_TERMS:
        raise Invalid(
            f"give at most {MAX_TERMS} terms in one group",
            errors=[{"code": "too_many", "limit": MAX_TERMS}],
        )
    long = [t for t in unique if len(t) > MAX_TERM_CHARS]
    if long:
        raise Invalid(
            f"a term may have at most {MAX_TERM_CHARS} characters: {long[0][:40]}…",
            errors=[{"code": "too_long", "limit": MAX_TERM_CHARS, "term": f"{long[0][:40]}…"}],
        )
    return unique


def list_synonyms(session: Session, viewer: Viewer) -> list[SearchSynonym]:
    _require_editor(viewer)
    return list(session.scalars(select(SearchSynonym).order_by(SearchSynonym.id)))


def get_synonym(session: Session, viewer: Viewer, synonym_id: int) -> SearchSynonym:
    _require_editor(viewer)
    row = session.get(SearchSynonym, synonym_id)
    if row is None:
        raise NotFound(f"no synonym group {synonym_id}")
    return row


def add_synonym(session: Session, viewer: Viewer, text: str) -> SearchSynonym:
    _require_editor(viewer)
    row = SearchSynonym(terms="\n".join(parse_terms(text)))
    session.add(row)
    session.flush()
    return row


def update_synonym(session: Session, viewer: Viewer, synonym_id: int, text: str) -> SearchSynonym:
    row = get_synonym(session, viewer, synonym_id)
    row.terms = "\n".join(parse_terms(text))
    session.flush()
    return row


def delete_synonym(session: Session, viewer: Viewer, synonym_id: int) -> None:
    session.delete(get_synonym(session, viewer, synonym_id))
    session.flush()


def _stamp(session: Session) -> tuple:
    synonyms = session.execute(
        select(func.count(), func.max(SearchSynonym.id), func.max(SearchSynonym.updated_at))
    ).one()
    products = session.execute(
        select(func.count(), func.max(Product.id), func.max(Product.updated_at))
    ).one()
    return (*synonyms, *products)


def _groups(session: Session) -> list[list[str]]:
    groups = [row.splitlines() for row in session.scalars(select(SearchSynonym.terms))]
    for name, code in session.execute(select(Product.name, Product.code)):
        if name and code and name.strip().lower() != code.strip().lower():
            groups.append([name, code])
    return groups


class SynonymSource:
    """The current dictionary for this process, reloaded when the tables' stamp changes."""

    def __init__(self, sessions: sessionmaker[Session], check_seconds: float = CHECK_SECONDS):
        self._sessions = sessions
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._stamp: tuple | None = None
        self._current = Synonyms([], version=0)

    @property
    def known_version(self) -> int:
        """The version of the dictionary as last loaded, without asking the database."""
        return self._current.version

    def due(self) -> bool:
        """Whether `current` would look at the database again."""
        return time.monotonic() - self._checked >= self._check_seconds

    def current(self) -> Synonyms:
        """The dictionary; its ``version`` grows with every reload."""
        now = time.monotonic()
        if now - self._checked < self._check_seconds:
            return self._current
        with self._lock:
            if now - self._checked < self._check_seconds:
                return self._current
            with session_scope(self._sessions) as session:
                stamp = _stamp(session)
                if stamp != self._stamp:
                    version = self._current.version + 1
                    self._current = Synonyms.of(_groups(session), version=version)
                    self._stamp = stamp
            self._checked = time.monotonic()
            return self._current
