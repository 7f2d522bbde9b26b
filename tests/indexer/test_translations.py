"""An article with a translation is shown once, in the viewer's language, and counted once."""

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex
from indexer.search import search, suggest

PUBLIC = frozenset({"public"})
STAFF = frozenset({"public", "internal"})


def _pair(number: int, **overrides) -> list:
    key = f"t{number}"
    return [
        make_doc(
            f"ru{number}", f"Принтер LP{number} замятие", "Замятие бумаги.", translation=key,
            products=("printers",), **overrides,
        ),
        make_doc(
            f"en{number}", f"Printer LP{number} jam", "Paper jam.", translation=key,
            language="en", products=("printers",), **overrides,
        ),
    ]  # fmt: skip


@pytest.fixture
def pairs(index: SearchIndex) -> SearchIndex:
    docs = [doc for number in range(1, 8) for doc in _pair(number)]
    docs.append(make_doc("ru-alone", "Принтер LP99 замятие без перевода", "Замятие."))
    docs += [
        make_doc("ru-open", "Сканер LP50 настройка", "Сканер.", translation="t50"),
        make_doc(
            "en-staff", "Scanner LP50 setup", "Scanner.", translation="t50", language="en",
            groups=("internal",),
        ),
    ]  # fmt: skip
    index.apply(docs, position=1)
    index.refresh()
    return index


def test_a_matching_pair_is_one_hit_in_the_viewers_language(pairs: SearchIndex) -> None:
    result = search(pairs, "lp3", groups=PUBLIC, viewer_language="en")
    assert [hit.id for hit in result.hits] == ["en3"]
    assert [(t.id, t.language) for t in result.hits[0].translations] == [("ru3", "ru")]
    assert result.total == 1
    russian = search(pairs, "lp3", groups=PUBLIC, viewer_language="ru")
    assert [hit.id for hit in russian.hits] == ["ru3"]


def test_totals_and_facets_count_a_group_once(pairs: SearchIndex) -> None:
    result = search(pairs, "lp1 lp2 lp3 lp99", groups=PUBLIC, viewer_language="en", limit=10)
    assert sorted(hit.id for hit in result.hits) == ["en1", "en2", "en3", "ru-alone"]
    assert result.total == 4
    assert dict(result.facets["product"]) == {"printers": 3}
    # A language counts what choosing it finds: the Russian versions are all there.
    assert dict(result.facets["language"]) == {"en": 3, "ru": 4}
    chosen = search(pairs, "lp1 lp2 lp3 lp99", groups=PUBLIC, viewer_language="en", language="ru")
    assert chosen.total == 4


def test_pages_of_collapsed_results_neither_repeat_nor_skip(pairs: SearchIndex) -> None:
    query = "принтер printer"
    whole = search(pairs, query, groups=PUBLIC, viewer_language="ru", limit=50)
    assert whole.total == 8 == len(whole.hits)
    paged = [
        hit.id
        for offset in range(0, whole.total, 3)
        for hit in search(
            pairs, query, groups=PUBLIC, viewer_language="ru", limit=3, offset=offset
        ).hits
    ]
    assert paged == [hit.id for hit in whole.hits]
    assert not [found for found in paged if found.startswith("en")]


def test_a_translation_the_viewer_may_not_see_is_never_named(pairs: SearchIndex) -> None:
    result = search(pairs, "lp50", groups=PUBLIC, viewer_language="en")
    assert [(hit.id, hit.translations) for hit in result.hits] == [("ru-open", ())]
    assert dict(result.facets["language"]) == {"ru": 1}
    staff = search(pairs, "lp50", groups=STAFF, viewer_language="en")
    assert [hit.id for hit in staff.hits] == ["en-staff"]
    assert [t.id for t in staff.hits[0].translations] == ["ru-open"]


def test_without_a_viewer_language_the_better_match_stays(pairs: SearchIndex) -> None:
    result = search(pairs, "printer jam", groups=PUBLIC)
    assert {hit.id[:2] for hit in result.hits} == {"en"}
    assert result.total == 7


def test_type_ahead_offers_one_title_of_a_pair(pairs: SearchIndex) -> None:
    titles = [hit.id for hit in suggest(pairs, "lp4", groups=PUBLIC, viewer_language="ru")]
    assert titles == ["ru4"]
    english = [hit.id for hit in suggest(pairs, "lp4", groups=PUBLIC, viewer_language="en")]
    assert english == ["en4"]


def test_a_translation_added_in_a_later_commit_joins_its_pair(pairs: SearchIndex) -> None:
    pairs.apply(
        [make_doc("en-alone", "Printer LP99 jam", "Jam.", translation="t99", language="en")],
        position=2,
    )
    pairs.apply(
        [make_doc("ru-alone", "Принтер LP99 замятие", "Замятие.", translation="t99")], position=3
    )
    pairs.refresh()
    result = search(pairs, "lp99", groups=PUBLIC, viewer_language="en")
    assert [(hit.id, [t.id for t in hit.translations]) for hit in result.hits] == [
        ("en-alone", ["ru-alone"])
    ]
