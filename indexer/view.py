"""A shared, read-only view of one index state: a Whoosh searcher plus arrays built for it.

Opening a searcher costs ~90 ms at 20k documents, so one view serves every query until the
index changes. Its caches (which documents are live, each document's field lengths and facet
values, who may see what) are valid only for its document numbers.
"""

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from whoosh.searching import Searcher

from indexer import schema
from indexer.postings import (
    alive_mask,
    field_lengths,
    keyword_codes,
    term_arrays,
    value_codes,
    vocabulary,
)
from indexer.segment_cache import IndexCaches
from indexer.whoosh_internals import open_stored_fields

FACET_FIELDS = {
    "product": schema.PRODUCTS,
    "category": schema.CATEGORY,
    "language": schema.LANGUAGE,
}
SCORED_FIELDS = (
    schema.TITLE,
    schema.BODY,
    schema.TAGS,
    schema.TITLE_WORDS,
    schema.CODES,
    schema.PAIRS,
)
# Viewers come in few group combinations; filters per view are few and small (N bits).
_MAX_FILTERS = 256


@dataclass(frozen=True)
class Population:
    """The documents one viewer may see, and the BM25 statistics taken over them alone.

    Statistics over every document would leak: a public article's score for a word would
    change as internal articles containing it are added, so a visitor could count them.
    """

    mask: np.ndarray  # live documents the viewer may see
    count: int
    average_lengths: dict[str, float]  # per scored field, over the visible documents


class IndexView:
    """One open searcher, shared by all threads and closed when the last user lets go."""

    def __init__(self, searcher: Searcher, generation: str, caches: IndexCaches) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.generation = generation
        self._caches = caches
        self._scope = caches.scope(generation)
        self.size = self.reader.doc_count_all()
        self._lock = threading.Lock()
        self._users = 0
        self._retired = False
        self._filters: dict[tuple, np.ndarray] = {}
        self._populations: dict[frozenset[str] | None, Population] = {}

    # -- lifetime ------------------------------------------------------------------------

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

    def warm(self) -> None:
        """Build the per-view arrays now, off the request path."""
        _ = self.alive, self.lengths, self.facets, self.translations, self.ids
        open_stored_fields(self.reader)

    # -- per-document arrays ---------------------------------------------------------------

    @cached_property
    def alive(self) -> np.ndarray:
        """Live article documents: neither deleted nor the meta document."""
        alive = alive_mask(self.reader)
        meta, _weights = self.postings(schema.KIND, schema.META)
        alive[meta] = False
        return alive

    @cached_property
    def lengths(self) -> dict[str, np.ndarray]:
        """Per scored field, each document's length."""
        return {
            field: field_lengths(self.reader, field, self._caches.lengths, self._scope)
            for field in SCORED_FIELDS
        }

    @cached_property
    def facets(self) -> dict[str, tuple[list[str], np.ndarray]]:
        return {
            name: keyword_codes(self.reader, field, self.postings)
            for name, field in FACET_FIELDS.items()
        }

    @cached_property
    def translations(self) -> np.ndarray:
        """Per document, the number of its translation group; -1 for an article without one."""
        return value_codes(self.reader, schema.TRANSLATION)

    @cached_property
    def ids(self):
        """Each document's import id by number, read from its column (None: no column)."""
        return self.reader.column_reader(schema.ID) if self.reader.has_column(schema.ID) else None

    def language_of(self, docnum: int) -> str:
        values, codes = self.facets["language"]
        code = codes[docnum, 0]
        return values[code] if code >= 0 else ""

    # -- caches ------------------------------------------------------------------------------

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers and frequencies of a term (decoded once per segment)."""
        return term_arrays(self.reader, field, term, self._caches.postings, self._scope)

    def terms_starting(self, field: str, initial: str) -> list[np.ndarray]:
        """Per segment, the terms of ``field`` that begin with ``initial`` (read once)."""
        return vocabulary(self.reader, field, initial, self._caches.vocabulary, self._scope)

    def containing(self, field: str, terms: list[str]) -> np.ndarray:
        """Mask of the documents containing any of ``terms`` in ``field``."""
        mask = np.zeros(self.size, dtype=bool)
        for term in terms:
            mask[self.postings(field, term)[0]] = True
        return mask

    def population(self, groups: frozenset[str] | None) -> Population:
        """What a viewer with ``groups`` may see (None: everything live), with its statistics.

        Computed once per group combination per view, never per query.
        """
        key = None if groups is None else frozenset(groups)
        cached = self._populations.get(key)
        if cached is not None:
            return cached
        mask = self.alive.copy()
        if key is not None:
            mask &= self.containing(schema.GROUPS, sorted(key))
        averages = {field: _average(lengths[mask]) for field, lengths in self.lengths.items()}
        population = Population(mask, int(np.count_nonzero(mask)), averages)
        if len(self._populations) >= _MAX_FILTERS:
            self._populations.clear()
        self._populations[key] = population
        return population

    def allowed(
        self, groups: frozenset[str] | None, restrictions: tuple[tuple[str, str], ...] = ()
    ) -> np.ndarray:
        """Mask of the live documents a viewer may see under the given field filters.

        Computed from postings once per combination per view, never per query.
        """
        key = (None if groups is None else frozenset(groups), restrictions)
        cached = self._filters.get(key)
        if cached is not None:
            return cached
        mask = self.population(groups).mask.copy()
        for field, value in restrictions:
            mask &= self.containing(field, [value])
        if len(self._filters) >= _MAX_FILTERS:
            self._filters.clear()
        self._filters[key] = mask
        return mask

    def count_facets(self, docnums: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """Facet counts over the given (already visible) documents, most frequent first."""
        result = {}
        for name, (values, codes) in self.facets.items():
            if not values:
                result[name] = []
                continue
            picked = codes[docnums].ravel()
            counts = np.bincount(picked[picked >= 0], minlength=len(values))
            pairs = [(values[i], int(c)) for i in np.flatnonzero(counts) for c in (counts[i],)]
            result[name] = sorted(pairs, key=lambda item: (-item[1], item[0]))
        return result


def _average(lengths: np.ndarray) -> float:
    # 1.0 where nothing has the field, so BM25's length ratio stays defined.
    return float(lengths.mean()) if len(lengths) and lengths.any() else 1.0
