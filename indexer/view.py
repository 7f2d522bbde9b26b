"""A shared, read-only view of one index state: a Whoosh searcher plus caches built for it.

Opening a searcher costs ~90 ms at 20k documents, so one view serves every query until the
index changes; the caches (who may see what, each document's facet values) are computed once
per view and are only valid for its document numbers.
"""

import threading
from collections import Counter
from collections.abc import Iterable

from whoosh.searching import Searcher

from indexer import schema

FACET_FIELDS = {
    "product": schema.PRODUCTS,
    "category": schema.CATEGORY,
    "language": schema.LANGUAGE,
}
# Distinct viewer/filter combinations kept per view; viewers come in few group combinations.
_MAX_FILTERS = 256


class IndexView:
    """One open searcher, shared by all threads and closed when the last user lets go."""

    def __init__(self, searcher: Searcher, generation: str) -> None:
        self.searcher = searcher
        self.generation = generation
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False
        self._filters: dict[tuple, set[int] | None] = {}
        self._facets: dict[str, list[tuple[str, ...]]] | None = None

    def acquire(self) -> bool:
        """Take a use of this view; False when it has already been closed."""
        with self._lock:
            if self._retired and self._users == 0:
                return False
            self._users += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
        if close:
            self.searcher.close()

    def retire(self) -> None:
        """Close once the queries still running on it finish (a newer view replaced it)."""
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self.searcher.close()

    def _postings(self, field: str, value: str) -> set[int]:
        reader = self.searcher.reader()
        if (field, value) not in reader:
            return set()
        return set(reader.postings(field, value).all_ids())

    def allowed(
        self, groups: frozenset[str] | None, restrictions: tuple[tuple[str, str], ...] = ()
    ) -> set[int] | None:
        """Document numbers a viewer may see under the given field filters; None means all.

        Computed from postings once per combination: Whoosh would otherwise rebuild the
        filter set on every query. A plain set because Whoosh's filter takes no frozenset;
        callers must not modify it.
        """
        key = (groups, restrictions)
        cached = self._filters.get(key, False)
        if cached is not False:
            return cached
        docs: set[int] | None = None
        if groups is not None:
            docs = set()
            for group in groups:
                docs |= self._postings(schema.GROUPS, group)
        for field, value in restrictions:
            matching = self._postings(field, value)
            docs = matching if docs is None else docs & matching
        result = docs
        if len(self._filters) >= _MAX_FILTERS:
            self._filters.clear()
        self._filters[key] = result
        return result

    def facet_values(self) -> dict[str, list[tuple[str, ...]]]:
        """Per facet, each document number's values: counting then costs one list lookup."""
        if self._facets is None:
            reader = self.searcher.reader()
            size = reader.doc_count_all()
            facets: dict[str, list[tuple[str, ...]]] = {}
            for name, field in FACET_FIELDS.items():
                values: list[tuple[str, ...]] = [()] * size
                for value in reader.lexicon(field) if field in reader.schema else ():
                    text = value.decode("utf-8")
                    for docnum in reader.postings(field, text).all_ids():
                        values[docnum] = (*values[docnum], text)
                facets[name] = values
            self._facets = facets
        return self._facets

    def count_facets(self, docnums: Iterable[int]) -> dict[str, list[tuple[str, int]]]:
        """Facet counts over the given (already visible) documents, most frequent first."""
        result = {}
        for name, values in self.facet_values().items():
            counts: Counter[str] = Counter()
            for docnum in docnums:
                counts.update(values[docnum])
            result[name] = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return result
