""" "Search instead for" what was typed (`exact`) holds while paging and choosing filters."""

import html
import re
import time

import pytest

from tests.builders import make_article, make_product

TYPED = "кабель пректор"  # "пректор" is unknown: forgiven by a fuzzy match, unless exact
NEXT_RE = re.compile(r'<a rel="next" href="([^"]+)"')


@pytest.fixture
def cables(client, sessions):
    with sessions.begin() as session:
        for code in ("PA", "PB"):
            make_product(session, code)
        for number in range(12):
            make_article(session, id=f"cable-{number:02d}", language="ru",
                         title=f"Кабель питания, модель {number}",
                         products=["PA" if number % 2 else "PB"])  # fmt: skip
        for number in range(3):
            make_article(session, id=f"proj-{number}", language="ru",
                         title=f"Проектор, модель {number}", products=["PA"])  # fmt: skip
    deadline = time.monotonic() + 10
    while _found(client, {"q": "проектор кабель"}).total < 15:
        assert time.monotonic() < deadline, "the index feed did not catch up"
        time.sleep(0.05)
    return client


def _page(client, url_or_params):
    if isinstance(url_or_params, str):
        return client.get(html.unescape(url_or_params))
    return client.get("/search", params=url_or_params)


def _found(client, params):
    return _page(client, params).context["result"]


def test_the_forgiving_and_the_exact_search_differ(cables):
    forgiving = _found(cables, {"q": TYPED})
    exact = _found(cables, {"q": TYPED, "exact": "1"})
    assert forgiving.total == 15
    assert (exact.total, exact.corrected) == (12, False)


def test_the_next_page_of_an_exact_search_stays_exact(cables):
    first = _page(cables, {"q": TYPED, "exact": "1"})
    (next_url,) = NEXT_RE.findall(first.text)
    assert "exact=1" in next_url
    second = _page(cables, next_url)
    result = second.context["result"]
    assert (second.context["page_number"], result.total) == (2, 12)
    shown = [hit.id for hit in first.context["result"].hits + result.hits]
    assert sorted(shown) == [f"cable-{n:02d}" for n in range(12)]


def test_a_chosen_filter_and_its_removal_keep_the_search_exact(cables):
    first = _page(cables, {"q": TYPED, "exact": "1"})
    facet = re.search(r'<a href="([^"]*product=PA[^"]*)"', first.text).group(1)
    assert "exact=1" in facet
    narrowed = _page(cables, facet)
    assert {hit.id for hit in narrowed.context["result"].hits} == {
        f"cable-{n:02d}" for n in range(1, 12, 2)
    }
    clear = re.search(r'<a class="facet-clear" href="([^"]+)"', narrowed.text).group(1)
    assert "exact=1" in clear and "product=" not in clear
    assert _page(cables, clear).context["result"].total == 12


def test_search_instead_keeps_the_chosen_filters(cables):
    corrected = _page(cables, {"q": "пректор", "product": "PA"})
    assert corrected.context["result"].corrected
    link = re.search(r'href="([^"]+)" id="search-instead"', corrected.text).group(1)
    assert "exact=1" in link and "product=PA" in link
    exact = _page(cables, link).context
    assert (exact["result"].total, exact["filters"]["product"]) == (0, "PA")
