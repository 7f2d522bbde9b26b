"""The index on disk: the single write path, rebuild aside then swap, and the shared searcher.

Every write is one Whoosh commit that also updates a reserved meta document holding the
outbox position, so documents and position survive or vanish together on a kill -9.
"""

import fcntl
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path

from whoosh import index as whoosh_index

from indexer import generations, schema
from indexer.analysis import PART_BREAK, warm
from indexer.documents import Document
from indexer.segment_cache import IndexCaches
from indexer.view import IndexView
from indexer.whoosh_internals import codec

# From this many documents a rebuild uses two worker processes.
PARALLEL_FROM = 2_000
# Outbox events passed over without a document before the position is written anyway: the
# events a restart reads again (cheaply) and what another process's position may lag by.
UNWRITTEN_EVENTS = 1_000
# One lock per index folder in this process, whatever the number of SearchIndex objects.
_PROCESS_LOCKS: dict[Path, threading.Lock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def to_fields(doc: Document) -> dict[str, object]:
    """The Whoosh field values of a document (a missing category is not indexed as "")."""
    fields = {
        schema.ID: doc.id,
        schema.KIND: schema.ARTICLE,
        schema.TITLE: doc.title,
        schema.BODY: doc.body,
        schema.TAGS: " ".join(doc.tags),
        schema.TITLE_WORDS: doc.title,
        schema.CODES: f"{doc.title}\n{doc.body}\n{' '.join(doc.products)}",
        schema.PAIRS: f"{doc.title}{PART_BREAK}{doc.body}",
        schema.LANGUAGE: doc.language,
        schema.PRODUCTS: ",".join(doc.products),
        schema.GROUPS: ",".join(doc.groups),
        schema.UPDATED_AT: doc.updated_at.isoformat() if doc.updated_at else None,
        schema.BODY_TEXT: doc.body,
    }
    if doc.category:
        fields[schema.CATEGORY] = doc.category
    if doc.translation:
        fields[schema.TRANSLATION] = doc.translation
    return fields


def _meta_fields(position: int) -> dict[str, object]:
    return {schema.ID: schema.META_ID, schema.KIND: schema.META, schema.POSITION: position}


class SearchIndex:
    """An index folder: one writer at a time, one shared searcher, swapped on change."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        with _PROCESS_LOCKS_GUARD:
            self._write_lock = _PROCESS_LOCKS.setdefault(self.path.resolve(), threading.Lock())
        self._view_lock = threading.Lock()
        # One refresh at a time: the feed thread and a rebuild may both ask for one.
        self._refresh_lock = threading.Lock()
        self._view: IndexView | None = None
        # Grows with every searcher swapped in: results computed before a swap are stale.
        self.version = 0
        self._caches = IndexCaches(self.path.resolve())
        self._position_cache: tuple[tuple[str | None, int], tuple[int, bool]] | None = None
        self._written = 0  # the position last written to the index (see `apply`)
        warm()
        with self._writing():
            if self._current_name() is None:
                name = generations.next_name(self.path)
                generations.create(self.path / name)
                generations.point_to(self.path, name)
        self.refresh()

    def _current_name(self) -> str | None:
        return generations.current_name(self.path)

    def _open_current(self) -> whoosh_index.Index:
        return generations.open_current(self.path)

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the process-wide and the cross-process write locks."""
        with self._write_lock, open(self.path / "write.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- writing -----------------------------------------------------------------------

    @property
    def position(self) -> int:
        """The last outbox position applied (0 for a new index).

        Cached per on-disk state, because reading it means opening a searcher (~90 ms at
        20k documents); a commit or swap by another process changes the key.
        """
        return self._state()[0]

    @property
    def is_new(self) -> bool:
        """True until the index is first written or rebuilt, even at outbox position 0 (a
        database filled in bulk has documents but no outbox events); and True again for an
        index written with another schema than this release's, so it is rebuilt."""
        return not self._state()[1] or self.outdated

    @property
    def outdated(self) -> bool:
        """True when the index was written with another schema than this release's: it must
        be rebuilt (even empty) before anything is written to it."""
        return self._open_current().schema != schema.build_schema()

    def _state(self) -> tuple[int, bool]:
        ix = self._open_current()
        key = (self._current_name(), ix.latest_generation())
        cached = self._position_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        with ix.searcher() as searcher:
            stored = searcher.document(**{schema.ID: schema.META_ID})
        state = (int(stored[schema.POSITION]) if stored else 0, stored is not None)
        self._position_cache = (key, state)
        self._written = state[0]
        return state

    def apply(
        self,
        upserts: Iterable[Document] = (),
        deletes: Iterable[str] = (),
        position: int | None = None,
    ) -> None:
        """One commit: upsert and delete documents and record the outbox position with them.

        An id upserted twice keeps its last version; an id both upserted and deleted is
        deleted (withdrawing must never leave an article visible). Always writes to the
        generation being served, so after another process swapped in a rebuild the next apply
        lands there (and the position read back is the rebuild's).

        Events that hold nothing for this index (the desk's, for the articles) only move the
        position in memory: a commit makes every worker swap in a new searcher, which empties
        the results and pages they keep. The position is written with the next commit, or
        once `UNWRITTEN_EVENTS` have passed; a restart before that reads them again.
        """
        removed = set(deletes)
        latest = {doc.id: doc for doc in upserts if doc.id not in removed}
        if not latest and not removed and position is not None:
            written = self._state()[1]
            if written and position - self._written < UNWRITTEN_EVENTS:
                self._position_cache = (self._position_cache[0], (position, True))
                return
        with self._writing():
            writer = self._open_current().writer(codec=codec())
            try:
                for doc in latest.values():
                    writer.update_document(**to_fields(doc))
                for doc_id in removed:
                    writer.delete_by_term(schema.ID, doc_id)
                if position is not None:
                    writer.update_document(**_meta_fields(position))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            if position is not None:
                ix = self._open_current()
                self._position_cache = (
                    (self._current_name(), ix.latest_generation()),
                    (position, True),
                )
                self._written = position

    def rebuild(
        self,
        docs: Iterable[Document],
        *,
        position: int,
        total: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Build a new generation aside with both cores, then swap it in atomically.

        Both cores: Whoosh's multiprocess writer, each worker writing its own segment
        (measured 650 documents/s against 350 in one process, 10k articles).

        The old generation keeps serving until the swap; a crash before it leaves only an
        unreferenced folder, removed by the next rebuild. ``total`` is only a hint for callers'
        progress bars; ``progress`` gets the count of documents consumed so far.
        """
        with self._writing():
            # Created under the lock so no concurrent rebuild takes the same name.
            name = generations.next_name(self.path)
            folder = self.path / name
            ix = generations.create(folder)
        pending = iter(docs)
        head = list(islice(pending, PARALLEL_FROM))
        if len(head) < PARALLEL_FROM:
            # Two worker processes cost more than they save on a small knowledge base.
            writer = ix.writer(limitmb=128, codec=codec())
        else:
            writer = ix.writer(
                procs=2, multisegment=True, limitmb=128, batchsize=256, codec=codec()
            )
        try:
            count = 0
            for doc in chain(head, pending):
                writer.add_document(**to_fields(doc))
                count += 1
                if progress is not None and count % 500 == 0:
                    progress(count)
            writer.add_document(**_meta_fields(position))
        except BaseException:
            writer.cancel()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        writer.commit()
        if progress is not None:
            progress(count)
        with self._writing():
            generations.point_to(self.path, name)
            generations.remove_all_but(self.path, name)
        self.refresh()

    # -- reading -----------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reopen the shared searcher if the index changed; True if it did.

        Opens a fresh searcher rather than Whoosh's refresh(), which closes resources that
        queries still running on the old searcher may be using.
        """
        with self._refresh_lock:
            current = self._view
            name = self._current_name()
            if current is not None and current.generation == name:
                try:
                    if current.searcher.up_to_date():
                        return False
                except FileNotFoundError:
                    pass
            view = self._open_view()
            with self._view_lock:
                old, self._view = self._view, view
                self.version += 1
            if old is not None:
                old.retire()
                if old.generation != view.generation:
                    self._caches.keep_only(view.generation)
            return True

    def _open_view(self) -> IndexView:
        # A swap by another process may delete the generation just read; read again.
        for _attempt in range(5):
            name = self._current_name()
            try:
                ix = whoosh_index.open_dir(self.path / name)
                view = IndexView(ix.searcher(), name, self._caches)
                view.warm()
                return view
            except (FileNotFoundError, whoosh_index.EmptyIndexError):
                continue
        raise RuntimeError(f"cannot open the index at {self.path}")

    @contextmanager
    def view(self) -> Iterator[IndexView]:
        """The shared view, held open for the duration of one query."""
        while True:
            with self._view_lock:
                view = self._view
            if view is None:
                raise RuntimeError("the index is closed")
            if view.acquire():
                break
        try:
            yield view
        finally:
            view.release()

    def doc_ids(self) -> set[str]:
        """Every indexed article id on disk now (not as of the last refresh)."""
        with self._open_current().reader() as reader:
            ids = set()
            for term in reader.lexicon(schema.ID):
                text = term.decode("utf-8")
                if text != schema.META_ID and reader.postings(schema.ID, text).is_active():
                    ids.add(text)
            return ids

    def close(self) -> None:
        with self._view_lock:
            old, self._view = self._view, None
        if old is not None:
            old.retire()
