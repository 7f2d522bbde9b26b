"""Feeding the search index from the outbox, and rebuilding it from the database.

The index remembers the outbox position it has applied, committed together with the
documents, so a crash at any moment only makes the feed apply some events again.
"""

import logging
import threading
from collections.abc import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from indexer.documents import Document
from indexer.index import SearchIndex
from kb_service import outbox
from kb_service.articles.models import Article
from kb_service.articles.rendering import html_to_text
from kb_service.articles.service import TOPIC
from kb_service.catalogue.service import ancestor_map
from kb_service.db import session_scope

log = logging.getLogger(__name__)

LOAD = (
    selectinload(Article.products),
    selectinload(Article.groups),
    selectinload(Article.tags),
    selectinload(Article.category),
)


def to_document(article: Article, chains: dict[int, list[str]]) -> Document:
    products = dict.fromkeys(code for p in article.products for code in chains.get(p.id, [p.code]))
    return Document(
        id=article.id,
        title=article.title,
        body=html_to_text(article.body_html),
        language=article.language,
        groups=tuple(article.group_names),
        products=tuple(products),
        category=article.category.slug if article.category else None,
        tags=tuple(sorted(t.name for t in article.tags)),
        updated_at=article.updated_at,
        translation=article.translation_key,
    )


def feed_once(index: SearchIndex, session: Session, batch: int = 500) -> int:
    """Apply the next batch of outbox events to the index; the number of events applied."""
    events = outbox.read_after(session, index.position, limit=batch)
    if not events:
        return 0
    keys = {e.key for e in events if e.topic == TOPIC}
    articles = session.scalars(select(Article).where(Article.id.in_(keys)).options(*LOAD)).all()
    chains = ancestor_map(session) if articles else {}
    # Only published articles live in the index; anything else is withdrawn from it.
    upserts = [to_document(a, chains) for a in articles if a.status == "published"]
    deletes = keys - {d.id for d in upserts}
    index.apply(upserts, deletes, position=events[-1].id)
    return len(events)


def rebuild(
    index: SearchIndex,
    sessions: sessionmaker[Session],
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the whole index aside from the database and swap it in; the documents written."""
    with session_scope(sessions) as session:
        position = outbox.last_position(session)
        published = select(Article).where(Article.status == "published")
        total = session.scalar(select(func.count()).select_from(published.subquery())) or 0
        if on_total:
            on_total(total)
        chains = ancestor_map(session)
        index.rebuild(
            _documents(session, published, chains),
            position=position,
            total=total,
            progress=progress,
        )
    return total


def _documents(session: Session, query, chains) -> Iterator[Document]:
    last = ""
    while True:
        page = session.scalars(
            query.where(Article.id > last).order_by(Article.id).options(*LOAD).limit(500)
        ).all()
        if not page:
            return
        for article in page:
            yield to_document(article, chains)
        last = page[-1].id
        session.expunge_all()


class IndexFeed:
    """A background thread: applies outbox events (when `writes`) and, when `reads`, swaps in
    a new searcher once the index generation changed."""

    def __init__(
        self,
        index: SearchIndex,
        sessions: sessionmaker[Session],
        interval: float,
        writes: bool,
        reads: bool = True,
        feed: Callable[[SearchIndex, Session], int] = feed_once,
        name: str = "spravka-index-feed",
    ) -> None:
        """`feed` applies the next batch of events to `index` (the articles' by default)."""
        self.index = index
        self.feed = feed
        self.name = name
        self.sessions = sessions
        self.interval = interval
        self.writes = writes
        self.reads = reads
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def drain(self) -> int:
        """Apply every pending event now; the number applied."""
        applied = 0
        while True:
            with session_scope(self.sessions) as session:
                count = self.feed(self.index, session)
            if not count:
                break
            applied += count
        return applied

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.drain() if self.writes else 0
                # Also when nothing was applied: another process may have written or swapped
                # in a rebuild. Cheap when nothing changed: a read of CURRENT and a listdir.
                if self.reads:
                    self.index.refresh()
            except Exception:
                log.exception("index feed failed; retrying")
                busy = 0
            if not busy:
                self._stop.wait(self.interval)
