"""The single write path: atomic applies with their outbox position, swaps, shared searchers."""

import threading
from pathlib import Path

import pytest
from indexer_builders import make_doc

from indexer.index import UNWRITTEN_EVENTS, SearchIndex
from indexer.search import search


def _ids(index: SearchIndex, query: str) -> list[str]:
    return sorted(hit.id for hit in search(index, query, groups=None, limit=50).hits)


def test_new_index_is_empty_at_position_zero(index: SearchIndex) -> None:
    assert index.position == 0 and index.is_new
    assert index.doc_ids() == set()
    assert search(index, "принтер", groups=None).total == 0


def test_an_index_built_at_position_zero_is_no_longer_new(tmp_path: Path) -> None:
    # A database filled in bulk has documents but no outbox events: rebuilt once, not at
    # every start.
    index = SearchIndex(tmp_path / "bulk")
    index.rebuild([make_doc("a", "Printer")], position=0)
    assert index.position == 0 and not index.is_new
    assert not SearchIndex(tmp_path / "bulk").is_new


def test_apply_upserts_deletes_and_records_position(tmp_path: Path, index: SearchIndex) -> None:
    index.apply([make_doc("a", "Принтер"), make_doc("b", "Сканер")], position=5)
    index.apply([make_doc("a", "Проектор")], deletes=["b"], position=6)
    index.refresh()
    assert index.position == 6
    assert index.doc_ids() == {"a"}
    assert _ids(index, "принтер") == []  # the update replaced, not duplicated
    assert _ids(index, "проектор") == ["a"]

    reopened = SearchIndex(tmp_path / "index")
    try:
        assert (reopened.position, reopened.doc_ids()) == (6, {"a"})
    finally:
        reopened.close()


def test_events_without_documents_move_the_position_without_a_new_searcher(
    tmp_path: Path,
) -> None:
    """The desk's events pass the article index by: a commit for each would make every worker
    swap searchers and drop what it keeps. The position is written after UNWRITTEN_EVENTS."""
    index = SearchIndex(tmp_path / "ix")
    index.apply([make_doc("a", "Принтер")], position=5)
    index.refresh()
    version = index.version
    index.apply([], position=9)
    assert not index.refresh() and index.version == version
    assert index.position == 9  # the feed reads on from here
    assert SearchIndex(tmp_path / "ix").position == 5  # another process: written so far
    index.apply([], position=5 + UNWRITTEN_EVENTS)
    assert SearchIndex(tmp_path / "ix").position == 5 + UNWRITTEN_EVENTS
    index.apply([make_doc("b", "Сканер")], position=6 + UNWRITTEN_EVENTS)
    assert SearchIndex(tmp_path / "ix").position == 6 + UNWRITTEN_EVENTS


def test_apply_without_position_keeps_the_last_one(index: SearchIndex) -> None:
    index.apply([make_doc("a", "Принтер")], position=3)
    index.apply(deletes=["a", "never-indexed"])
    assert index.position == 3


def test_failed_apply_commits_nothing(index: SearchIndex) -> None:
    def documents():
        yield make_doc("a", "Принтер")
        raise RuntimeError("feed broke mid-batch")

    with pytest.raises(RuntimeError):
        index.apply(documents(), position=9)
    index.refresh()
    assert (index.position, index.doc_ids()) == (0, set())


def test_searches_see_changes_only_after_refresh(index: SearchIndex) -> None:
    index.apply([make_doc("a", "Принтер")], position=1)
    assert _ids(index, "принтер") == []
    assert index.refresh() is True
    assert _ids(index, "принтер") == ["a"]
    assert index.refresh() is False


def test_rebuild_swaps_while_a_searcher_is_open(tmp_path: Path, index: SearchIndex) -> None:
    index.apply([make_doc("old", "Старый принтер")], position=1)
    index.refresh()
    other_process = SearchIndex(tmp_path / "index")
    try:
        with index.view() as held:
            index.rebuild([make_doc(f"new-{i}", "Новый принтер") for i in range(30)], position=40)
            # The query in flight keeps reading the generation it started on.
            assert held.searcher.stored_fields(0)["id"] == "old"
        assert index.position == 40
        assert _ids(index, "принтер") == sorted(f"new-{i}" for i in range(30))
        generations = [p.name for p in (tmp_path / "index").iterdir() if p.name.startswith("gen-")]
        assert len(generations) == 1
        # Another process's searcher notices the swap on its next refresh.
        assert _ids(other_process, "старый") == ["old"]
        assert other_process.refresh() is True
        assert _ids(other_process, "старый") == []
        assert other_process.position == 40
    finally:
        other_process.close()


def test_apply_after_another_index_object_rebuilt_lands_in_new_generation(
    tmp_path: Path, index: SearchIndex
) -> None:
    rebuilder = SearchIndex(tmp_path / "index")
    try:
        rebuilder.rebuild([make_doc("a", "Принтер")], position=10)
        index.apply([make_doc("b", "Сканер")], position=11)
        index.refresh()
        assert index.doc_ids() == {"a", "b"}
        assert index.position == 11
    finally:
        rebuilder.close()


def test_many_threads_search_while_the_feed_applies(index: SearchIndex) -> None:
    index.apply([make_doc(f"d{i}", f"Принтер номер {i}") for i in range(50)], position=1)
    index.refresh()
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                assert search(index, "принтер", groups=None).total >= 50
            except BaseException as error:  # noqa: BLE001 - reported by the assert below
                errors.append(error)
                return

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for batch in range(15):
        index.apply([make_doc(f"n{batch}", "Принтер новый")], position=2 + batch)
        index.refresh()
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert search(index, "принтер", groups=None).total == 65


def test_one_batch_with_repeated_ids_keeps_last_version_and_deletes_win(
    index: SearchIndex,
) -> None:
    index.apply(
        [make_doc("a", "Принтер"), make_doc("a", "Принтер второй"), make_doc("b", "Принтер")],
        deletes=["b"],
        position=2,
    )
    index.refresh()
    result = search(index, "принтер", groups=None)
    assert [(hit.id, hit.title) for hit in result.hits] == [("a", "Принтер второй")]
    assert result.total == 1


def test_articles_without_category_add_no_empty_facet(index: SearchIndex) -> None:
    index.apply([make_doc("a", "Принтер"), make_doc("b", "Принтер", category="hw")], position=1)
    index.refresh()
    assert search(index, "принтер", groups=None).facets["category"] == [("hw", 1)]


def test_updated_article_is_found_while_deleted_versions_linger(index: SearchIndex) -> None:
    # Deleted postings stay in a segment until it is merged; they must not sink the score.
    index.apply([make_doc("vpn", "VPN", "Rekey."), make_doc("wifi", "Wi-Fi", "Rekey.")], position=1)
    index.apply(
        [make_doc("vpn", "VPN", "Rekey.", groups=("internal",))], deletes=["wifi"], position=2
    )
    index.refresh()
    assert _ids(index, "rekey") == ["vpn"]
    assert search(index, "rekey", groups=frozenset({"public"})).total == 0
