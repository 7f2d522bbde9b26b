"""Arrays decoded from the segments of one index folder, kept across refreshes.

A Whoosh segment never changes once written (deletions are masked separately), so its
decoded postings and field lengths outlive the refresh after a small commit: only the new
segment is decoded, not the whole index again.

The caches belong to one SearchIndex and are keyed by (index folder, generation, segment).
A segment id alone is not enough: Whoosh draws it from Python's global ``random``, so with
``random`` reseeded (Hypothesis does it for every example) two indexes in one process get
the same ids, and a shared cache served one index's postings to the other.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np

Arrays = tuple[np.ndarray, ...]
# Postings: 12M entries, ~100 MB per index; the common words of queries stay decoded.
POSTINGS_BUDGET = 12_000_000
# A postings list shorter than this is decoded on every use: at 20,000 articles 553,000 of the
# 573,000 scored terms (mostly word pairs) have fewer than 64 documents. Kept, each cost more
# in its key, tuples and array headers (~500 bytes) than in its entries, and the rare words
# and pairs of related-article queries filled the workers' memory (495 MB private after a
# load run, and growing). The 19,000 longer lists, all of them decoded, take about 60 MB.
POSTINGS_KEPT_FROM = 64
# What an entry costs beside its arrays, in array elements: its key, tuples and headers.
ENTRY_COST = 64
# Field lengths: three scored fields of 1M documents.
LENGTHS_BUDGET = 3_000_000
# Terms by initial letter, the candidates of spelling corrections: about 40 MB of strings.
VOCABULARY_BUDGET = 500_000


class SegmentCache:
    """A least-recently-used map from keys to arrays, bounded by total array elements."""

    def __init__(self, budget: int, kept_from: int = 0) -> None:
        self._budget = budget
        self._kept_from = kept_from  # shorter values are computed on every use, not kept
        self._size = 0
        self._entries: OrderedDict[tuple, Arrays] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], Arrays]) -> Arrays:
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                return cached
        # Computed outside the lock: decoding a long postings list must not stall other
        # queries; two threads may decode the same key once each, which is harmless.
        value = compute()
        if len(value[0]) < self._kept_from:
            return value
        with self._lock:
            if key not in self._entries:
                self._entries[key] = value
                self._size += _cost(value)
            while self._size > self._budget and len(self._entries) > 1:
                _key, dropped = self._entries.popitem(last=False)
                self._size -= _cost(dropped)
        return value

    def retain(self, keep: Callable[[tuple], bool]) -> None:
        """Drop every entry whose key ``keep`` rejects."""
        with self._lock:
            for key in [key for key in self._entries if not keep(key)]:
                self._size -= _cost(self._entries.pop(key))

    def __len__(self) -> int:
        return len(self._entries)


def _cost(value: Arrays) -> int:
    return len(value[0]) + ENTRY_COST


class IndexCaches:
    """The segment caches of one index folder, each with its own memory budget."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.postings = SegmentCache(POSTINGS_BUDGET, kept_from=POSTINGS_KEPT_FROM)
        self.lengths = SegmentCache(LENGTHS_BUDGET)
        self.vocabulary = SegmentCache(VOCABULARY_BUDGET)

    def scope(self, generation: str) -> tuple[Hashable, ...]:
        """The key prefix of one generation of this folder."""
        return (str(self.path), generation)

    def keep_only(self, generation: str) -> None:
        """Forget the segments of generations no longer served (a rebuild was swapped in)."""
        prefix = self.scope(generation)
        for cache in (self.postings, self.lengths, self.vocabulary):
            cache.retain(lambda key: key[: len(prefix)] == prefix)
