"""Whatever people type, search answers: no syntax errors, phrases work, long queries rank."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import normalise_query, search, suggest

HOSTILE = [
    "",
    " ",
    '"',
    '"принтер',
    'принтер "не печатает',
    "(принтер",
    "принтер)",
    "[]{}",
    "AND",
    "принтер AND",
    "OR NOT AND",
    "*",
    "принт*",
    "?",
    "-",
    "- -",
    "title:принтер",
    "принтер^2",
    "~",
    "принтер~",
    "\\",
    "\x00\x01\x1f",
    "принтер\x00печатает",
    "🙂🖨️",
    "ё" * 500,
    "принтер\U00017000",  # a letter without a Unicode name (pymorphy3 raised on it)
    "𗀀ё",
    "печатает " * 2000,
    "a" * 100_000,
]


@pytest.fixture
def printer_index(index: SearchIndex) -> SearchIndex:
    index.apply(
        [
            make_doc(
                "stopped", "Принтер перестал печатать", "Принтер не печатает после обновления."
            ),
            make_doc(
                "apart", "Очередь", "Печатать можно, если принтер включён и кабель перестал мешать."
            ),
            make_doc("en", "Printer offline", "Restart the spooler service.", language="en"),
        ],
        position=1,
    )
    index.refresh()
    return index


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_return_results_not_errors(printer_index: SearchIndex, query: str) -> None:
    result = search(printer_index, query, groups=frozenset({"public"}))
    assert result.total >= len(result.hits)
    suggest(printer_index, query, groups=frozenset({"public"}))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=200), offset=st.integers(-5, 50), limit=st.integers(-5, 500))
def test_random_queries_never_raise(
    printer_index: SearchIndex, query: str, offset: int, limit: int
) -> None:
    result = search(printer_index, query, groups=None, offset=offset, limit=limit)
    assert len(result.hits) <= max(limit, 0)
    suggest(printer_index, query, groups=None, limit=limit)


def test_quoted_phrase_requires_words_together(printer_index: SearchIndex) -> None:
    loose = search(printer_index, "перестал печатать", groups=None)
    phrase = search(printer_index, '"перестал печатать"', groups=None)
    assert {hit.id for hit in loose.hits} == {"stopped", "apart"}
    assert [hit.id for hit in phrase.hits] == ["stopped"]


def test_long_bug_report_finds_article_sharing_only_some_words(printer_index: SearchIndex) -> None:
    report = (
        "Добрый день! После вчерашнего обновления Windows наш офисный принтер в бухгалтерии "
        "не печатает ничего, очередь зависает, перезагрузка компьютера не помогает, "
        "драйвер переустанавливали, картридж новый, бумага есть. Что делать?"
    )
    result = search(printer_index, report, groups=None)
    assert result.hits[0].id == "stopped"


def test_title_match_ranks_above_body_match(printer_index: SearchIndex) -> None:
    hits = search(printer_index, "перестал", groups=None).hits
    assert [hit.id for hit in hits] == ["stopped", "apart"]


def test_pagination_pages_through_all_hits(printer_index: SearchIndex) -> None:
    everything = search(printer_index, "принтер печатать", groups=None)
    pages = [
        search(printer_index, "принтер печатать", groups=None, limit=1, offset=i) for i in range(3)
    ]
    assert [page.hits[0].id for page in pages if page.hits] == [h.id for h in everything.hits]
    assert all(page.total == everything.total == 2 for page in pages)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("  Ёлка\tИ  ПРИНТЕР\n", "елка и принтер"), ("a\x00b", "a b"), ("", "")],
)
def test_normalise_query(raw: str, normalised: str) -> None:
    assert normalise_query(raw) == normalised


def test_pages_of_equally_scored_hits_neither_repeat_nor_skip(index: SearchIndex) -> None:
    index.apply([make_doc(f"same-{i:02d}", "Принтер") for i in range(25)], position=1)
    index.refresh()
    pages = [search(index, "принтер", groups=None, limit=10, offset=o).hits for o in (0, 10, 20)]
    ids = [hit.id for page in pages for hit in page]
    assert sorted(ids) == [f"same-{i:02d}" for i in range(25)]
