"""Issue 12: portal search, type-ahead and the ask form's suggestions rank a client's own
products first: a preference, not a filter; anonymous visitors and staff rank as before."""

import time

import pytest
from fastapi.testclient import TestClient

from kb_service.accounts import service as accounts
from tests.builders import auth, make_article, make_product, make_token, make_user
from tests.portal.conftest import csrf_of, login

# Two public articles on the same problem; the general one matches a little better.
GENERAL, OWN = "jam-general", "jam-x"
PLAIN = [GENERAL, OWN]


@pytest.fixture
def world(sessions):
    """Альфа owns the X printer; Бета owns nothing of it."""
    with sessions.begin() as s:
        make_product(s, "PRN-X", name="Принтер X")
        make_article(s, id=GENERAL, title="Замятие бумаги в лотке", language="ru",
                     body="Замятие бумаги: откройте лоток и извлеките лист. "
                          "Если замятие повторяется, почистите ролик.")  # fmt: skip
        make_article(s, id=OWN, title="Замятие бумаги в лотке принтера X", language="ru",
                     body="Замятие бумаги: откройте лоток и извлеките лист.",
                     products=["PRN-X"])  # fmt: skip
        alpha = accounts.get_or_create_organisation(s, "Альфа")
        accounts.give_products(s, alpha, ["PRN-X"])
        tokens = {
            "alpha": make_token(s, organisation="Альфа"),
            "beta": make_token(s, organisation="Бета"),
            "staff": make_token(s, ("engineer",)),
        }
        make_user(s, organisation="Альфа", email="alpha@example.test", password="pass-alpha")
        make_user(s, organisation="Бета", email="beta@example.test", password="pass-beta")
    return tokens


def _ids(results) -> list[str]:
    return [r["id"] for r in results]


def _wait_indexed(client, tokens) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = client.get("/api/v1/search", params={"q": "замятие"}, headers=auth(tokens["staff"]))
        if set(_ids(found.json()["results"])) == set(PLAIN):
            return
        time.sleep(0.02)
    raise AssertionError("the articles were not indexed")


# Who asks, and the order they get: the owner of X gets X's article first.
ORDERS = {"alpha": [OWN, GENERAL], "beta": PLAIN, "staff": PLAIN, "anonymous": PLAIN}


@pytest.mark.parametrize("who", sorted(ORDERS))
def test_the_api_ranks_a_clients_own_products_first(client, world, who):
    _wait_indexed(client, world)
    headers = auth(world[who]) if who in world else {}
    found = client.get("/api/v1/search", params={"q": "замятие бумаги"}, headers=headers).json()
    assert _ids(found["results"]) == ORDERS[who]
    assert found["total"] == 2  # a preference: nothing is left out
    typed = client.get("/api/v1/suggest", params={"q": "замятие бум"}, headers=headers).json()
    titles = [hit["title"] for hit in (typed if isinstance(typed, list) else typed["results"])]
    assert titles == [_title(i) for i in ORDERS[who]]


def _title(article_id: str) -> str:
    return {GENERAL: "Замятие бумаги в лотке", OWN: "Замятие бумаги в лотке принтера X"}[article_id]


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_the_portal_ranks_a_clients_own_products_first(app, client, world, who):
    _wait_indexed(client, world)
    with TestClient(app, headers={"Accept-Language": "ru"}) as portal:
        login(portal, f"{who}@example.test", f"pass-{who}")
        results = portal.get("/search", params={"q": "замятие бумаги"}).context["result"]
        assert [h.id for h in results.hits] == ORDERS[who]
        typed = portal.get("/suggest", params={"q": "замятие бум"})
        assert [h.id for h in typed.context["hits"]] == ORDERS[who]
        ask = portal.get("/ask").context["ask"].token
        suggested = portal.post(
            "/ask/suggest",
            data={"ask": ask, "subject": "Замятие бумаги", "body": "в лотке каждый раз"},
            headers={"X-CSRF-Token": csrf_of(portal, "/ask")},
        )
        assert [h.id for h in suggested.context["hits"]] == ORDERS[who]
