"""Activity written off the request path: search events, clicks, article views and token use.

Requests only queue these in memory; a thread of each process writes the queue in batches,
about once a second and at shutdown, each batch in its own short transaction. Readers so
never wait on (nor fail for) a writer such as an import, and SQLite's single write lock is
taken once a second instead of once per request. A crash loses at most the last second.
"""

import logging
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kb_service.accounts.models import ApiToken
from kb_service.articles.models import Article
from kb_service.db import session_scope
from kb_service.feedback.models import ArticleDailyViews, ArticleView
from kb_service.search.models import SearchEvent

log = logging.getLogger(__name__)
# Ids of search events are made here, not by the database, so a search can name its event
# (the `?s=` of result links, the API's `search_id`) before the event is written. 53 bits
# stay exact in JavaScript numbers; a rare repeat loses one event (insert-or-ignore).
SEARCH_ID_BITS = 53
# About 1 s of a busy node is a few hundred items; far more means the database is down, and
# counters must not eat the memory: the surplus is dropped and logged.
MAX_PENDING = 100_000
# Rows per INSERT statement: a search event binds 9 values, under SQLite's limit of 32,766.
ROWS_PER_STATEMENT = 500


# The largest search id a request may name (the API's click route, the portal's `?s=`).
MAX_SEARCH_ID = 2**SEARCH_ID_BITS


def new_search_id() -> int:
    return secrets.randbelow(2**SEARCH_ID_BITS - 1) + 1


@dataclass
class Batch:
    """What is waiting to be written, in the order it must be written."""

    searches: dict[int, dict] = field(default_factory=dict)
    clicks: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)
    tokens: dict[int, datetime] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.searches) + len(self.clicks) + len(self.views) + len(self.tokens)


class ActivityLog:
    """The per-process queue of activity and the thread that writes it."""

    def __init__(self, sessions: sessionmaker[Session], interval: float = 1.0) -> None:
        self.sessions = sessions
        self.interval = interval
        self.dropped = 0
        self._pending = Batch()
        self._writing = Batch()  # taken from the queue, not yet committed
        self._lock = threading.Lock()  # guards the two batches
        self._flushing = threading.Lock()  # one batch write at a time
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def search(self, **event) -> int:
        """Queue a search event; its id, usable at once."""
        event_id = new_search_id()
        with self._lock:
            if self._room():
                self._pending.searches[event_id] = {**event, "id": event_id}
        return event_id

    def search_owner(self, event_id: int) -> tuple[int | None, str | None] | None:
        """(user id, visit id) of a search not yet written, or None."""
        with self._lock:
            event = self._pending.searches.get(event_id) or self._writing.searches.get(event_id)
        return (event["user_id"], event["visit_id"]) if event else None

    def click(self, event_id: int, article_id: str, at: datetime) -> None:
        with self._lock:
            if self._room():
                self._pending.clicks.append({"event_id": event_id, "article": article_id, "at": at})

    def view(self, **view) -> None:
        with self._lock:
            if self._room():
                self._pending.views.append(view)

    def token_used(self, token_id: int, at: datetime) -> None:
        with self._lock:
            self._pending.tokens[token_id] = at

    def _room(self) -> bool:
        if len(self._pending) < MAX_PENDING:
            return True
        self.dropped += 1
        if self.dropped % 1000 == 1:
            log.warning("activity queue full: %d items dropped", self.dropped)
        return False

    def flush(self) -> None:
        """Write everything queued so far in one short transaction."""
        with self._flushing:
            with self._lock:
                self._writing, self._pending = self._pending, Batch()
            if len(self._writing):
                self._write_or_requeue()
            with self._lock:
                self._writing = Batch()

    def _write_or_requeue(self) -> None:
        try:
            with session_scope(self.sessions) as session:
                write(session, self._writing)
        except OperationalError:
            # Locked or unreachable: try again with the next batch (the queue stays bounded).
            log.warning("activity not written yet; retrying", exc_info=True)
            with self._lock:
                self._pending = merge(self._writing, self._pending)
        except Exception:
            log.exception("activity batch of %d items lost", len(self._writing))

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="spravka-activity-writer", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after a last flush."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.flush()


def merge(first: Batch, then: Batch) -> Batch:
    return Batch(
        searches={**first.searches, **then.searches},
        clicks=first.clicks + then.clicks,
        views=first.views + then.views,
        tokens={**first.tokens, **then.tokens},
    )


def write(session: Session, batch: Batch) -> None:
    """Searches before their clicks; views with their daily counts; token use.

    The read comes first and the rows go in a few multi-row statements: SQLite's write lock
    is held from the first write to the commit, and a statement per row let go of the GIL at
    each row and waited for it again behind the request threads (a batch of 1,800 searches
    held the lock for up to 4 s at 128 connections, and ticket filing timed out behind it).
    """
    existing = _existing_articles(session, batch)
    clicks = [c for c in batch.clicks if c["article"] in existing]
    views = [v for v in batch.views if v["article_id"] in existing]
    if batch.searches:
        insert = _dialect_insert(session, SearchEvent.__table__).on_conflict_do_nothing()
        _execute_in_chunks(session, insert, list(batch.searches.values()))
    if clicks:
        table = SearchEvent.__table__
        session.execute(
            update(table)
            .where(table.c.id == bindparam("event_id"))
            .values(clicked_article_id=bindparam("article"), clicked_at=bindparam("at")),
            clicks,
        )
    if views:
        _execute_in_chunks(session, ArticleView.__table__.insert(), views)
        _add_daily_views(session, daily_counts(views))
    if batch.tokens:
        table = ApiToken.__table__
        session.execute(
            update(table).where(table.c.id == bindparam("token_id")),
            [{"token_id": k, "last_used_at": at} for k, at in batch.tokens.items()],
        )


def _execute_in_chunks(session: Session, insert, rows: list[dict]) -> None:
    """``insert`` of ``rows`` as multi-row statements of at most `ROWS_PER_STATEMENT` rows."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        session.execute(insert.values(rows[start : start + ROWS_PER_STATEMENT]))


def daily_counts(views: list[dict]) -> Counter[tuple[str, date]]:
    """Views per article and UTC day."""
    return Counter((v["article_id"], v["created_at"].date()) for v in views)


def _existing_articles(session: Session, batch: Batch) -> set[str]:
    # An article deleted since it was viewed must not fail the whole batch on its foreign key.
    ids = {c["article"] for c in batch.clicks} | {v["article_id"] for v in batch.views}
    if not ids:
        return set()
    return set(session.scalars(select(Article.id).where(Article.id.in_(ids))))


def _dialect_insert(session: Session, table: Table):
    name = session.get_bind().dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


def _add_daily_views(session: Session, counts: Counter[tuple[str, date]]) -> None:
    table = ArticleDailyViews.__table__
    insert = _dialect_insert(session, table)
    upsert = insert.on_conflict_do_update(
        index_elements=["article_id", "day"], set_={"views": table.c.views + insert.excluded.views}
    )
    # Sorted, so two nodes adding to the same rows lock them in the same order (no deadlock).
    rows = [{"article_id": a, "day": d, "views": n} for (a, d), n in sorted(counts.items())]
    _execute_in_chunks(session, upsert, rows)
