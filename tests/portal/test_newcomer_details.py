"""Details of the portal a newcomer tripped over: numbered steps after a code block, the
language after signing out, empty results, long queries, a fresh home page, the icon and
category names in the interface language."""

import re

import pytest
from fastapi.testclient import TestClient

from kb_service.demo import CATEGORIES
from portal.i18n import name_in
from tests.builders import make_user
from tests.portal.conftest import csrf_of, login

LANG_RE = re.compile(r'<html lang="(\w+)">')
H1_RE = re.compile(r'<h1 id="results-heading">(.*?)</h1>', re.S)


def _lang(response) -> str:
    return LANG_RE.search(response.text).group(1)


def test_demo_article_steps_keep_their_numbers_after_the_code_block(portal):
    page = portal.get("/articles/kb-0001").text
    # Steps 1-3, the commands, then step 4 ("go to step 3" must point at a visible 3).
    assert page.index("<pre>") < page.index('<ol start="4">')


def test_the_language_of_a_signed_in_person_does_not_outlive_signing_out(portal):
    assert _lang(portal.get("/")) == "ru"  # the browser prefers Russian
    login(portal, "editor@demo.spravka", "demo-editor-pass")  # the editor's own is English
    assert _lang(portal.get("/")) == "en"
    portal.post("/logout", data={"csrf_token": csrf_of(portal, "/")})
    assert _lang(portal.get("/")) == "ru"


def test_a_language_chosen_while_signed_in_is_forgotten_on_signing_out(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    portal.post("/language", data={"locale": "en", "csrf_token": csrf_of(portal, "/")})
    assert _lang(portal.get("/")) == "en"
    portal.post("/logout", data={"csrf_token": csrf_of(portal, "/")})
    assert _lang(portal.get("/")) == "ru"
    assert "spravka_session" in portal.cookies  # the visit goes on; only the language went


def test_a_language_chosen_while_signed_in_greets_the_person_at_their_next_sign_in(app, portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    portal.post("/language", data={"locale": "en", "csrf_token": csrf_of(portal, "/")})
    with TestClient(app, headers={"Accept-Language": "ru"}) as other_browser:
        login(other_browser, "client@demo.spravka", "demo-client-pass")
        assert _lang(other_browser.get("/")) == "en"


def test_an_anonymous_choice_of_language_is_kept(portal):
    portal.post("/language", data={"locale": "en", "csrf_token": csrf_of(portal, "/")})
    assert _lang(portal.get("/")) == "en"


def test_an_empty_result_has_one_heading_and_no_empty_filter_column(portal):
    response = portal.get("/search", params={"q": "zzqxv"})
    assert response.context["result"].total == 0
    page = response.text
    assert H1_RE.search(page).group(1) == "По запросу «zzqxv» ничего не нашлось"
    assert 'class="facets"' not in page and "search-layout--single" in page
    assert "0 стат" not in page and "Ничего не нашлось" not in page
    assert "/ask?subject=zzqxv" in page  # asking goes on from the query


def test_results_keep_their_filter_column(portal):
    page = portal.get("/search", params={"q": "принтер"}).text
    assert 'class="facets"' in page and "search-layout--single" not in page


def test_a_long_query_is_shortened_in_the_heading_but_kept_in_the_box(portal):
    query = "принтер " + "очень длинный запрос " * 48  # about 1,000 characters
    page = portal.get("/search", params={"q": query[:1000]}).text
    heading = H1_RE.search(page).group(1)
    assert "…" in heading and len(heading) < 160
    assert f'value="{query[:1000]}"' in page
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert len(title) < 120


def test_a_query_of_80_characters_is_shown_whole(portal):
    query = "принтер " * 10  # 80 characters with the last space
    heading = H1_RE.search(portal.get("/search", params={"q": query}).text).group(1)
    assert query.strip() in heading and "…" not in heading


def test_the_site_icon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response.headers["cache-control"]


@pytest.mark.parametrize(
    ("name", "language", "shown"),
    [
        ("Устранение неполадок / Troubleshooting", "en", "Troubleshooting"),
        ("Устранение неполадок / Troubleshooting", "ru", "Устранение неполадок"),
        ("Troubleshooting / Устранение неполадок", "en", "Troubleshooting"),
        ("Troubleshooting / Устранение неполадок", "ru", "Устранение неполадок"),
        ("Сети", "en", "Сети"),
        ("TCP/IP", "ru", "TCP/IP"),
        ("Input / Output", "ru", "Input / Output"),
        ("Ввод / вывод", "en", "Ввод / вывод"),
        ("a / b / в", "ru", "a / b / в"),
    ],
)
def test_a_name_in_both_languages_shows_the_part_of_the_interface_language(name, language, shown):
    assert name_in(name, language) == shown


def test_english_pages_name_categories_in_english(app, demo):
    with TestClient(app, headers={"Accept-Language": "en-GB,en"}) as english:
        results = english.get("/search", params={"q": "printer queue"}).text
        article = english.get("/articles/kb-0002").text
    assert "Troubleshooting" in results and "Устранение неполадок" not in results
    assert "Troubleshooting" in article and "Устранение неполадок" not in article
    assert all(" / " not in name_in(name, "en") for name in CATEGORIES.values())


def test_russian_pages_name_categories_in_russian(portal):
    page = portal.get("/search", params={"q": "принтер очередь"}).text
    assert "Устранение неполадок" in page and "Troubleshooting" not in page


def test_a_fresh_installation_shows_no_empty_cards(client):
    page = client.get("/").text
    assert 'class="panel"' not in page  # no empty popular / recent cards
    assert 'class="families"' not in page
    assert "spravka import articles" not in page  # instructions are for staff only
    assert 'class="panel ask-banner"' in page  # asking for help works from day one


def test_a_fresh_installation_tells_staff_how_to_fill_it(client, sessions):
    with sessions.begin() as s:
        make_user(s, roles=["editor"], email="first@example.test", password="correct horse")
    login(client, "first@example.test", "correct horse")
    page = client.get("/").text
    assert "spravka import articles FILE.jsonl" in page and 'href="/docs"' in page


def test_the_demo_home_page_still_shows_its_sections(portal):
    response = portal.get("/")
    popular, recent = response.context["popular"], response.context["recent"]
    assert recent and response.context["families"]
    assert response.text.count('<section class="panel">') == bool(popular) + bool(recent)
    assert ("columns--single" in response.text) == (not popular)
    assert 'class="families"' in response.text
