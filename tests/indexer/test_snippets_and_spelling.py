"""Snippets are passages with the matched words as ranges; misspellings get a correction."""

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import search, suggest
from indexer.snippets import Snippet, snippet


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


def _marked(snippet: Snippet) -> list[str]:
    return [snippet.text[start:end] for start, end in snippet.highlights]


def test_snippet_is_plain_text_with_the_matches_as_ranges(help_index: SearchIndex) -> None:
    hit = search(help_index, "script принтер", groups=None).hits[0]
    assert hit.id == "xss"
    # Markup in the article stays text: escaping it is each face's job.
    assert hit.snippet.text == (
        'Браузер пишет <script>alert("x")</script> & падает, если принтер выключен.'
    )
    assert _marked(hit.snippet) == ["script", "script", "принтер"]
    assert hit.snippet.parts()[:3] == [
        ("Браузер пишет <", False),
        ("script", True),
        ('>alert("x")</', False),
    ]


def test_snippet_marks_other_word_forms_and_centres_on_the_match(help_index: SearchIndex) -> None:
    assert _marked(search(help_index, "проекторы", groups=None).hits[0].snippet) == ["проектора"]
    assert _marked(search(help_index, "opening", groups=None).hits[0].snippet) == ["Open"]
    long_hit = search(help_index, "ключевые фразы", groups=None).hits[0]
    assert _marked(long_hit.snippet) == ["ключевая", "фраза"]
    assert long_hit.snippet.text.startswith("…") and long_hit.snippet.text.endswith("…")
    assert len(long_hit.snippet.text) < 400


def test_snippet_makes_whitespace_one_space_and_keeps_ranges_on_the_words() -> None:
    cut = snippet("  Принтер\n\n  и\tпринтеры  ", {"принтер"})
    assert cut.text == "Принтер и принтеры"
    assert _marked(cut) == ["Принтер", "принтеры"]


def test_suggestions_have_empty_snippets(help_index: SearchIndex) -> None:
    hits = suggest(help_index, "printer sett", groups=None)
    assert [hit.id for hit in hits] == ["settings"]
    assert hits[0].snippet == Snippet("") and hits[0].snippet.parts() == []


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
def test_misspelt_query_finding_little_is_corrected_at_once(
    help_index: SearchIndex, typed: str, corrected: str
) -> None:
    result = search(help_index, typed, groups=frozenset({"public"}))
    assert (result.searched_query, result.did_you_mean, result.corrected) == (corrected, None, True)
    assert result.query == typed


def test_misspelt_word_beside_words_that_find_plenty_is_offered_and_matched_fuzzily(
    help_index: SearchIndex,
) -> None:
    more = [make_doc(f"p{n}", f"Printer tray {n}", "Load paper.", language="en") for n in range(3)]
    help_index.apply(more, position=2)
    help_index.refresh()
    exact = search(help_index, "printer", groups=None)
    assert exact.total >= 3, "the known word must find plenty for this test to mean anything"
    result = search(help_index, "printer settigns", groups=None)
    assert (result.did_you_mean, result.corrected) == ("printer settings", False)
    ranked = [hit.id for hit in result.hits]
    # Above the other titles with "printer" alone: the fuzzy spelling counts, below "printer"
    # itself twice (title and body).
    assert ranked[:2] == ["printer", "settings"] and set(ranked[2:]) == {"p0", "p1", "p2"}


def test_exact_search_takes_what_was_typed(help_index: SearchIndex) -> None:
    result = search(help_index, "пректор", groups=None, correct=False)
    assert (result.total, result.searched_query, result.did_you_mean) == (0, None, None)


def test_correctly_spelt_query_gets_no_did_you_mean(help_index: SearchIndex) -> None:
    result = search(help_index, "проектор не включается", groups=None)
    assert result.did_you_mean is None
    assert result.hits[0].id == "projector"
