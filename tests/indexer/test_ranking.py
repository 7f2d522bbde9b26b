"""Ranking beyond single words: Russian dictionary forms, the proximity of query words, and
questions scored apart from keywords."""

from pathlib import Path

import pytest
from indexer_builders import make_doc

from indexer.analysis import MixedLanguageAnalyzer, stem, word_pairs
from indexer.index import SearchIndex
from indexer.querying import parse
from indexer.search import search

# Forms whose stem changes with the form: the stemmer alone keeps them apart.
CHANGING_STEMS = [
    ("ошибок", "Ошибка при входе"),
    ("окон", "Окно не открывается"),
    ("писем", "Письмо не отправляется"),
    ("людей", "Человек в списке рассылки"),
]


@pytest.mark.parametrize(("query", "title"), CHANGING_STEMS)
def test_a_russian_word_form_finds_its_article_through_the_dictionary_form(
    tmp_path: Path, query: str, title: str
):
    index = SearchIndex(tmp_path / "index")
    try:
        index.rebuild([make_doc("wanted", title), make_doc("other", "Сброс пароля")], position=1)
        assert [hit.id for hit in search(index, query, groups=None).hits] == ["wanted"]
    finally:
        index.close()


def test_words_the_dictionary_does_not_know_are_still_stemmed():
    # A product name and a typo: no dictionary form, the stemmer joins their endings.
    assert stem("спраавкой") == stem("спраавки")
    assert stem("printers") == stem("printer")


def test_neighbouring_words_pair_in_either_order_across_stop_words_not_across_parts():
    chosen, area, printing = stem("выбор"), stem("области"), stem("печати")
    assert word_pairs("выбор области печати") == [f"{chosen} {area}", f"{area} {printing}"]
    assert word_pairs("печати для области") == [f"{area} {printing}"]
    assert word_pairs("Печать\x1eобласть") == []


def test_an_article_with_the_query_words_together_ranks_above_one_with_them_apart(
    tmp_path: Path,
):
    index = SearchIndex(tmp_path / "index")
    docs = [
        make_doc("apart", "Настройки", "Область листа задают вручную. Печать идёт на принтер."),
        make_doc("together", "Настройки", "Область печати задают вручную. Лист идёт на принтер."),
    ]
    try:
        index.rebuild(docs, position=1)
        assert [hit.id for hit in search(index, "область печати", groups=None).hits] == [
            "together",
            "apart",
        ]
    finally:
        index.close()


def test_an_analyzer_from_an_index_written_before_lemmas_compares_different():
    older = MixedLanguageAnalyzer()
    del older.lemmas  # as unpickled from an older release's schema
    assert older != MixedLanguageAnalyzer()


@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        ("колонтитулы, удаление", False),
        ("printer driver", False),
        ("what if operations, two variables", False),
        ("Как удалить колонтитул?", True),
        ("Filter gmail messages without a label.", True),
        (
            "test failure in the network statistics of the storage driver when the option is on",
            True,
        ),
    ],
)
def test_a_question_or_a_long_query_reads_as_a_sentence_and_keywords_do_not(
    query: str, sentence: bool
):
    assert parse(query).sentence is sentence


def _filler(count: int, start: int) -> str:
    return " ".join(
        f"word{chr(ord('a') + n % 26)}{chr(ord('a') + n // 26)}"
        for n in range(start, start + count)
    )


def test_a_question_prefers_a_short_article_a_keyword_query_a_long_one_repeating_the_word(
    tmp_path: Path,
):
    # The same body term: a keyword query rewards its repetition in a long article, a question
    # normalises long bodies harder (they match a sentence's many words by chance).
    index = SearchIndex(tmp_path / "index")
    docs = [
        make_doc("long", "Заметка", f"принтер {_filler(14, 0)} принтер {_filler(14, 14)}"),
        make_doc("short", "Запись", f"принтер {_filler(7, 28)}"),
    ]
    try:
        index.rebuild(docs, position=1)
        ranked = [hit.id for hit in search(index, "принтер", groups=None).hits]
        asked = [hit.id for hit in search(index, "Почему принтер?", groups=None).hits]
        assert (ranked, asked) == (["long", "short"], ["short", "long"])
    finally:
        index.close()
