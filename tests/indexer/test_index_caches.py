"""Decoded postings and lengths belong to one index: nothing leaks between two of them."""

import random
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import whoosh.codec.base
from indexer_builders import make_doc

from indexer.documents import Document
from indexer.index import SearchIndex
from indexer.search import search
from indexer.segment_cache import ENTRY_COST, SegmentCache


@contextmanager
def _same_segment_names():
    """Whoosh's segment names, made to repeat across indexes (as they did with the global
    random reseeded), so the caches must tell indexes apart by more than the segment."""
    original = whoosh.codec.base.random_name
    whoosh.codec.base.random_name = lambda size=28: "s" * size
    try:
        yield
    finally:
        whoosh.codec.base.random_name = original


def _index_with(path: Path, *docs: Document) -> SearchIndex:
    index = SearchIndex(path)
    with _same_segment_names():
        index.apply(docs, position=1)
    index.refresh()
    return index


def _ids(index: SearchIndex, query: str) -> set[str]:
    return {hit.id for hit in search(index, query, groups=None).hits}


def test_index_with_colliding_segment_names_does_not_return_the_other_index_hits(
    tmp_path: Path,
) -> None:
    first = _index_with(tmp_path / "a", make_doc("a1", "Настройка принтера", "Принтер в сети."))
    second = _index_with(tmp_path / "b", make_doc("b1", "Сканер", "Сканер подключают по USB."))
    try:
        assert _ids(first, "принтер") == {"a1"}
        assert _ids(second, "принтер") == set()
        assert _ids(second, "сканер") == {"b1"}
    finally:
        first.close()
        second.close()


def test_larger_index_with_colliding_segment_names_opens_and_searches(tmp_path: Path) -> None:
    first = _index_with(tmp_path / "a", make_doc("a1", "Настройка принтера", "Принтер в сети."))
    try:
        assert _ids(first, "принтер") == {"a1"}
        second = _index_with(
            tmp_path / "b",
            make_doc("b1", "Принтер не печатает", "Проверьте кабель принтера."),
            make_doc("b2", "Сканер", "Сканер подключают к принтеру."),
        )
        try:
            assert _ids(second, "принтер") == {"b1", "b2"}
        finally:
            second.close()
    finally:
        first.close()


def test_reseeding_random_between_commits_does_not_break_the_index(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    try:
        for number in range(3):
            random.seed(0)  # as Hypothesis does before every example
            index.apply([make_doc(f"d{number}", "Принтер", f"Принтер номер {number}.")])
        index.refresh()
        assert _ids(index, "принтер") == {"d0", "d1", "d2"}
    finally:
        index.close()


def test_short_postings_are_decoded_on_every_use_and_long_ones_once() -> None:
    cache = SegmentCache(budget=10_000, kept_from=100)
    decoded = []

    def decode(length: int):
        decoded.append(length)
        return (np.zeros(length, dtype=np.int32), np.zeros(length, dtype=np.float32))

    for _ in range(3):
        cache.get(("short",), lambda: decode(5))
        cache.get(("long",), lambda: decode(500))
    assert decoded == [5, 500, 5, 5]
    assert len(cache) == 1


def test_many_small_entries_count_against_the_budget_with_their_keys() -> None:
    # 10,000 elements hold ten arrays of 1,000, but not 10,000 arrays of one element.
    cache = SegmentCache(budget=10_000)
    for number in range(10_000):
        cache.get((number,), lambda: (np.zeros(1, dtype=np.int32),))
    assert len(cache) <= 10_000 // (1 + ENTRY_COST)
    decoded = []

    def decode():
        decoded.append(1)
        return (np.zeros(900, dtype=np.int32),)

    for _ in range(2):
        for number in range(10):
            cache.get(("long", number), decode)
    assert len(decoded) == 10  # the second pass found all ten kept
