"""An article with a translation is shown once, in the viewer's language, wherever it is
listed: results, the API, type-ahead and related articles; a hidden translation is never named."""

import time

import pytest

from kb_service.access import Viewer
from kb_service.articles.workspace import link_translation
from tests.builders import make_article

ADMIN = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)
RU, EN = {"Accept-Language": "ru-RU,ru;q=0.9"}, {"Accept-Language": "en-US,en;q=0.9"}


@pytest.fixture
def linked(client, sessions):
    with sessions.begin() as session:
        ru = make_article(session, id="ru-zeta", title="Замятие бумаги в Zetaprint",
                          body="Откройте крышку Zetaprint.", language="ru")  # fmt: skip
        make_article(session, id="en-zeta", title="Zetaprint paper jam",
                     body="Open the Zetaprint cover.", language="en")  # fmt: skip
        link_translation(session, ADMIN, ru.id, "en-zeta", ru.version)
        open_one = make_article(session, id="ru-zscan", title="Настройка Zetascan", language="ru")
        make_article(session, id="en-zscan", title="Zetascan setup", language="en",
                     groups=["internal"])  # fmt: skip
        link_translation(session, ADMIN, open_one.id, "en-zscan", open_one.version)
    _wait_until(lambda: _api(client, "zetascan setup", EN)["total"] == 1)
    _wait_until(lambda: [r["id"] for r in _api(client, "zetaprint", EN)["results"]] == ["en-zeta"])
    return client


def _api(client, q: str, headers: dict) -> dict:
    return client.get("/api/v1/search", params={"q": q}, headers=headers).json()


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the index feed did not catch up"
        time.sleep(0.05)


def test_the_api_shows_a_pair_once_and_names_the_translation_beside_the_results(linked):
    english = _api(linked, "zetaprint", EN)
    assert english["total"] == 1
    [hit] = english["results"]
    assert (hit["id"], hit["language"]) == ("en-zeta", "en")
    assert english["translations"] == {
        "en-zeta": [{"id": "ru-zeta", "language": "ru", "url": "/articles/ru-zeta"}]
    }
    russian = _api(linked, "zetaprint", RU)
    assert [r["id"] for r in russian["results"]] == ["ru-zeta"]
    assert [t["id"] for t in russian["translations"]["ru-zeta"]] == ["en-zeta"]
    assert {f["value"]: f["count"] for f in russian["facets"]["language"]} == {"ru": 1, "en": 1}


def test_a_translation_the_caller_may_not_see_is_never_named(linked):
    found = _api(linked, "zetascan", EN)
    assert ([r["id"] for r in found["results"]], found["translations"]) == (["ru-zscan"], {})
    assert "en-zscan" not in str(found)


def test_results_page_offers_the_other_language_as_a_link(linked):
    response = linked.get("/search", params={"q": "zetaprint"}, headers=EN)
    assert [hit.id for hit in response.context["result"].hits] == ["en-zeta"]
    assert 'hreflang="ru" lang="ru">Также на русском</a>' in response.text
    russian = linked.get("/search", params={"q": "zetaprint"}, headers=RU)
    assert [hit.id for hit in russian.context["result"].hits] == ["ru-zeta"]
    assert 'hreflang="en" lang="en">Also in English</a>' in russian.text


def test_type_ahead_offers_the_title_in_the_interface_language(linked):
    english = linked.get("/suggest", params={"q": "zetaprint"}, headers=EN)
    assert [hit.id for hit in english.context["hits"]] == ["en-zeta"]
    russian = linked.get("/api/v1/suggest", params={"q": "zetaprint"}, headers=RU).json()
    assert [s["id"] for s in russian] == ["ru-zeta"]


def test_an_article_page_does_not_list_its_own_translation_as_related(linked):
    for article, headers in (("ru-zeta", EN), ("en-zeta", RU), ("ru-zeta", RU)):
        related = linked.get(f"/articles/{article}", headers=headers).context["related"]
        assert not {hit.id for hit in related} & {"ru-zeta", "en-zeta"}, (article, headers)
