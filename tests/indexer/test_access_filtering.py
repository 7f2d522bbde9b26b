"""Nothing a viewer may not see reaches them: not in hits, totals, facets, snippets,
suggestions or corrections."""

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import search, suggest

ANONYMOUS = frozenset({"public"})
ACME_CLIENT = frozenset({"public", "org-acme"})
SECRET_WORDS = ("зебрафикс", "zebrafix", "rollback-secret")


@pytest.fixture
def shared_words_index(index: SearchIndex) -> SearchIndex:
    index.apply(
        [
            make_doc(
                "pub",
                "Настройка принтера",
                "Принтер настраивают в панели управления.",
                products=("printers",),
                category="howto",
            ),
            make_doc(
                "int",
                "Настройка принтера: регламент зебрафикс",
                "Принтер сбрасывают утилитой zebrafix по регламенту.",
                groups=("internal",),
                products=("secret-prod",),
                category="runbook",
                language="en",
            ),
            make_doc(
                "acme",
                "Настройка принтера Acme",
                "Принтер Acme: драйвер acmedriver.",
                groups=("org-acme",),
                products=("acme-prod",),
                category="clients",
            ),
        ],
        position=1,
    )
    index.refresh()
    return index


def _everything_shown(result) -> str:
    parts = [str(result.total), repr(result.facets), result.did_you_mean or ""]
    parts.append(result.searched_query or "")
    for hit in result.hits:
        parts += [hit.id, hit.title, hit.snippet.text, repr(hit.products), hit.category or ""]
    return " ".join(parts).lower()


def test_anonymous_viewer_sees_only_public_article(shared_words_index: SearchIndex) -> None:
    result = search(shared_words_index, "настройка принтера", groups=ANONYMOUS)
    assert [hit.id for hit in result.hits] == ["pub"]
    assert result.total == 1
    assert result.facets == {
        "product": [("printers", 1)],
        "category": [("howto", 1)],
        "language": [("ru", 1)],
    }
    shown = _everything_shown(result)
    for word in (*SECRET_WORDS, "secret-prod", "runbook", "acme", "регламент"):
        assert word not in shown


def test_client_sees_own_organisation_but_not_internal(shared_words_index: SearchIndex) -> None:
    result = search(shared_words_index, "принтер", groups=ACME_CLIENT)
    assert sorted(hit.id for hit in result.hits) == ["acme", "pub"]
    assert result.total == 2
    assert "secret-prod" not in repr(result.facets)


def test_staff_sees_everything(shared_words_index: SearchIndex) -> None:
    result = search(shared_words_index, "принтер", groups=None)
    assert result.total == 3


def test_viewer_without_groups_sees_nothing(shared_words_index: SearchIndex) -> None:
    result = search(shared_words_index, "принтер", groups=frozenset())
    assert (result.total, result.hits) == (0, [])
    assert all(not values for values in result.facets.values())
    assert suggest(shared_words_index, "наст", groups=frozenset()) == []


def test_searching_an_internal_only_word_reveals_nothing(shared_words_index: SearchIndex) -> None:
    result = search(shared_words_index, "zebrafix", groups=ANONYMOUS)
    assert (result.total, result.hits, result.did_you_mean) == (0, [], None)
    assert all(not values for values in result.facets.values())


def test_correction_living_only_in_internal_article_is_not_offered(
    shared_words_index: SearchIndex,
) -> None:
    staff = search(shared_words_index, "zebrafx", groups=None)
    anonymous = search(shared_words_index, "zebrafx", groups=ANONYMOUS)
    # The correction exists, and finding nothing else, it is searched at once...
    assert (staff.searched_query, [h.id for h in staff.hits]) == ("zebrafix", ["int"])
    # ...but not for someone who cannot see it: neither searched, nor offered, nor fuzzy-matched.
    assert _corrections(anonymous) == (None, None, 0)
    client = search(shared_words_index, "acmedrivr", groups=ANONYMOUS)
    assert _corrections(client) == (None, None, 0)
    assert (
        search(shared_words_index, "acmedrivr", groups=ACME_CLIENT).searched_query == "acmedriver"
    )


def _corrections(result) -> tuple:
    return result.did_you_mean, result.searched_query, result.total


def test_fuzzy_and_typeahead_corrections_stay_within_what_the_viewer_sees(
    shared_words_index: SearchIndex,
) -> None:
    """A typo next to a known word keeps the query (fuzzy matching) and a typo alone in
    type-ahead completes a corrected word: neither may reach an internal article's words."""
    mixed = search(shared_words_index, "настройка zebrafx", groups=ANONYMOUS)
    assert [h.id for h in mixed.hits] == ["pub"]
    assert "zebrafix" not in _everything_shown(mixed)
    assert "зебрафикс" not in _everything_shown(
        search(shared_words_index, "настройка зебрафик", groups=ANONYMOUS)
    )
    assert suggest(shared_words_index, "зебрафик", groups=ANONYMOUS) == []
    assert suggest(shared_words_index, "зебрафикс", groups=ANONYMOUS) == []
    staff = [h.id for h in suggest(shared_words_index, "зебрафик", groups=None)]
    assert staff == ["int"]  # the correction exists for a viewer who may see it
    # The other keyboard layout: "zebrafix" typed as Russian letters, for nobody but staff.
    layout = search(shared_words_index, "яуикфашч", groups=ANONYMOUS)
    assert _corrections(layout) == (None, None, 0)
    assert search(shared_words_index, "яуикфашч", groups=None).searched_query == "zebrafix"


def test_client_cannot_see_internal_article_in_suggestions(shared_words_index: SearchIndex) -> None:
    titles = [hit.title for hit in suggest(shared_words_index, "настройка прин", groups=ANONYMOUS)]
    assert titles == ["Настройка принтера"]
    assert suggest(shared_words_index, "настройка принтера регл", groups=ANONYMOUS) == []
    staff = suggest(shared_words_index, "настройка принтера регл", groups=None)
    assert [hit.id for hit in staff] == ["int"]


def test_snippets_of_visible_hits_do_not_include_other_articles(
    shared_words_index: SearchIndex,
) -> None:
    result = search(shared_words_index, "принтер утилитой zebrafix", groups=ANONYMOUS)
    assert [hit.id for hit in result.hits] == ["pub"]
    assert "zebrafix" not in result.hits[0].snippet.text.lower()


def _scores(hits) -> dict[str, float]:
    return {hit.id: hit.score for hit in hits}


def test_hidden_articles_do_not_change_an_anonymous_viewer_scores(index: SearchIndex) -> None:
    """Term statistics over every article would let a visitor count hidden articles that
    contain a word by watching a public article's score change."""
    index.apply(
        [
            make_doc("p1", "Настройка принтера", "Принтер настраивают в панели управления."),
            make_doc("p2", "Сканер", "Сканер и принтер подключают по USB."),
            make_doc("p3", "Проектор", "Лампа проектора."),
        ],
        position=1,
    )
    index.refresh()
    before = search(index, "принтер сканер", groups=ANONYMOUS)
    typed_before = suggest(index, "настройка прин", groups=ANONYMOUS)
    hidden = [
        make_doc(f"int{n}", "Принтер: регламент", "Принтер " * n, groups=("internal",))
        for n in range(1, 30)
    ]
    index.apply(hidden, position=2)
    index.refresh()
    after = search(index, "принтер сканер", groups=ANONYMOUS)
    assert _scores(after.hits) == pytest.approx(_scores(before.hits), rel=1e-6)
    typed_after = suggest(index, "настройка прин", groups=ANONYMOUS)
    assert _scores(typed_after) == pytest.approx(_scores(typed_before), rel=1e-6)
    # Staff see the internal articles, and the statistics over them.
    assert search(index, "принтер", groups=None).total == 2 + len(hidden)
