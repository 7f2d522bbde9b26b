"""Home, search results and product pages: what rendered, and with what."""

from sqlalchemy import update

from indexer.search import Hit, SearchResult, Snippet
from kb_service.catalogue.models import Product
from kb_service.search.models import SearchEvent
from kb_service.search.service import SearchService
from tests.portal.conftest import login


def test_home_offers_search_recent_articles_and_product_families(portal):
    response = portal.get("/")
    assert response.template.name == "home/index.html"
    assert {f.code for f in response.context["families"]} == {
        "PRINT",
        "SCAN",
        "PROJ",
        "NET",
        "SOFT",
    }
    assert all("public" in a.group_names for a in response.context["recent"])
    assert '<html lang="ru">' in response.text


def test_type_ahead_completes_visible_titles(portal):
    response = portal.get("/suggest", params={"q": "принт"})
    assert response.template.name == "home/_typeahead.html"
    assert response.context["hits"]
    assert "Сервисное меню" not in response.text


def test_a_misspelt_query_finding_nothing_shows_the_corrected_results(portal):
    response = portal.get("/search", params={"q": "принтр"})
    result = response.context["result"]
    assert (result.searched_query, result.corrected, result.did_you_mean) == ("принтер", True, None)
    assert result.total > 0
    assert 'id="showing-results-for"' in response.text
    assert "/search?q=%D0%BF%D1%80%D0%B8%D0%BD%D1%82%D1%80&amp;exact=1" in response.text
    exact = portal.get("/search", params={"q": "принтр", "exact": "1"}).context["result"]
    assert (exact.total, exact.corrected) == (0, False)


def test_a_misspelt_word_beside_words_that_find_plenty_offers_did_you_mean(portal):
    response = portal.get("/search", params={"q": "принтр печать"})
    assert response.context["result"].did_you_mean == "принтер печать"
    assert 'id="did-you-mean"' in response.text


def test_results_have_snippets_facets_and_record_the_visit(portal, sessions):
    response = portal.get("/search", params={"q": "принтер"})
    result = response.context["result"]
    assert result.total > 0 and result.hits[0].snippet.highlights
    assert "<mark>" in response.text
    assert {value for value, _ in result.facets["language"]} == {"ru"}
    portal.app.state.activity.flush()
    with sessions() as s:
        event = s.get(SearchEvent, response.context["event_id"])
    assert event.query == "принтер" and event.visit_id


def test_a_facet_filters_the_results(portal):
    everything = portal.get("/search", params={"q": "printer принтер"}).context["result"]
    english = portal.get("/search", params={"q": "printer принтер", "language": "en"})
    assert 0 < english.context["result"].total < everything.total
    assert english.context["filters"]["language"] == "en"


def test_results_are_paginated(portal):
    first = portal.get("/search", params={"q": "принтер wifi vpn лицензия printer"})
    assert first.context["pages"] >= 2
    second = portal.get("/search", params={"q": "принтер wifi vpn лицензия printer", "page": 2})
    assert second.context["page_number"] == 2
    first_ids = {h.id for h in first.context["result"].hits}
    assert first_ids.isdisjoint({h.id for h in second.context["result"].hits})


def test_no_results_offers_to_ask_the_support_team(portal):
    response = portal.get("/search", params={"q": "qqqzzzxxx"})
    assert response.context["result"].total == 0
    assert "/ask?subject=qqqzzzxxx" in response.text


def test_staff_see_internal_articles_marked(portal):
    login(portal, "engineer@demo.spravka", "demo-engineer-pass")
    response = portal.get("/search", params={"q": "сервисное меню"})
    assert "kb-0005" in response.context["audiences"]
    assert "Внутренняя" in response.text
    assert "Консоль сотрудника" in response.text


def test_the_language_can_be_switched_and_is_remembered(portal):
    from tests.portal.conftest import csrf_of

    portal.post("/language", data={"locale": "en", "next": "/", "csrf_token": csrf_of(portal)})
    response = portal.get("/")
    assert response.context["locale"] == "en"
    assert "How can we help?" in response.text


def test_a_product_family_lists_articles_of_its_products(portal):
    response = portal.get("/products/PRINT")
    assert response.template.name == "products/show.html"
    assert response.context["total"] > 0
    assert {c.code for c in response.context["children"]} >= {"LP-2040", "LM-3100"}


def test_snippets_render_as_escaped_text_with_matches_marked(portal, monkeypatch):
    text = 'Браузер пишет <script>alert("x")</script> & принтер'
    start = text.index("принтер")
    hit = Hit("kb-x", "Заголовок", Snippet(text, ((start, start + 7),)), 1.0, "ru", (), None)
    facets = {"product": [], "category": [], "language": []}
    result = SearchResult("принтер", 1, [hit], facets, None)
    monkeypatch.setattr(SearchService, "search", lambda *args, **kwargs: (result, None))
    response = portal.get("/search", params={"q": "принтер"})
    assert (
        '<p class="snippet">Браузер пишет &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; '
        "<mark>принтер</mark></p>"
    ) in response.text


def test_a_product_page_names_its_family_versions_and_status(portal, sessions):
    with sessions.begin() as s:
        s.execute(update(Product).where(Product.code == "LP-2040").values(status="discontinued"))
    response = portal.get("/products/LP-2040")
    assert '/products/PRINT"' in response.text
    assert "Версии: 3.2, 3.3, 3.4" in response.text
    assert "Снято с производства" in response.text
    assert "Снято с производства" not in portal.get("/products/LP-2060").text
