"""Snippets mark what matched and escape everything else; misspellings get a correction."""

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import search


@pytest.fixture
def help_index(index: SearchIndex) -> SearchIndex:
    index.apply(
        [
            make_doc("projector", "Проектор не включается", "Проверьте питание проектора и лампу."),
            make_doc("printer", "Printer offline", "Restart the printer spooler.", language="en"),
            make_doc("settings", "Printer settings", "Open the panel.", language="en"),
            make_doc(
                "xss",
                "Ошибка в консоли",
                'Браузер пишет <script>alert("x")</script> & падает, если принтер выключен.',
            ),
            make_doc(
                "long",
                "Длинная статья",
                "вступление " * 200 + "ключевая фраза здесь " + "хвост " * 200,
            ),
        ],
        position=1,
    )
    index.refresh()
    return index


def test_snippet_escapes_html_and_marks_matches(help_index: SearchIndex) -> None:
    hit = search(help_index, "script принтер", groups=None).hits[0]
    assert hit.id == "xss"
    assert "<script>" not in hit.snippet
    assert "&lt;<mark>script</mark>&gt;" in hit.snippet
    assert "&amp;" in hit.snippet
    assert "<mark>принтер</mark>" in hit.snippet
    # Only <mark> tags survive as markup.
    stripped = hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_snippet_marks_other_word_forms_and_centres_on_the_match(help_index: SearchIndex) -> None:
    assert "<mark>проектора</mark>" in search(help_index, "проекторы", groups=None).hits[0].snippet
    assert "<mark>Open</mark>" in search(help_index, "opening", groups=None).hits[0].snippet
    long_hit = search(help_index, "ключевые фразы", groups=None).hits[0]
    assert "<mark>ключевая</mark> <mark>фраза</mark>" in long_hit.snippet
    assert long_hit.snippet.startswith("…") and long_hit.snippet.endswith("…")
    assert len(long_hit.snippet) < 400


@pytest.mark.parametrize(
    ("typed", "corrected"),
    [
        ("пректор", "проектор"),
        ("pritner", "printer"),
        ("пректор не включается", "проектор не включается"),
        # "settings" stems to "set", too far from the typo's stem: found as a whole title word.
        ("printer settigns", "printer settings"),
    ],
)
def test_misspelt_query_gets_did_you_mean(
    help_index: SearchIndex, typed: str, corrected: str
) -> None:
    assert search(help_index, typed, groups=frozenset({"public"})).did_you_mean == corrected


def test_correctly_spelt_query_gets_no_did_you_mean(help_index: SearchIndex) -> None:
    result = search(help_index, "проектор не включается", groups=None)
    assert result.did_you_mean is None
    assert result.hits[0].id == "projector"
