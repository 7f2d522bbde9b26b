"""Issue 12, acceptance 2: two clients with different equipment search the same words and see
different restricted articles, each exactly what their installed base entitles them to, and
neither sees the other's through any channel."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts import service as accounts
from kb_service.catalogue.models import Equipment, Product
from tests.builders import auth, make_article, make_product, make_token, make_user
from tests.portal.conftest import csrf_of, login

# Each client's own restricted article, and words found only in the other one's.
OWN = {"alpha": "flow-owners", "beta": "pump-owners"}
SECRET_WORDS = {"flow-owners": ["гидроудар"], "pump-owners": ["кавитац"]}
OTHER = {"alpha": "pump-owners", "beta": "flow-owners"}


@pytest.fixture
def installed(sessions):
    """Альфа has a flow meter of the FLOW family installed, Бета a PUMP-7; nothing is "marked"
    as owned: the equipment alone entitles."""
    with sessions.begin() as s:
        make_product(s, "FLOW", name="Расходомеры FLOW")
        make_product(s, "FLOW-10", parent="FLOW", name="Расходомер FLOW-10")
        make_product(s, "PUMP-7", name="Насос PUMP-7")
        make_article(s, id="calibration", title="Калибровка датчика давления",
                     body="Калибровка датчика по эталону раз в год.")  # fmt: skip
        make_article(s, id="flow-owners", title="Калибровка датчика расходомера",
                     body="Калибровка датчика расходомера после гидроудара в линии.",
                     groups=["product:FLOW"], products=["FLOW-10"])  # fmt: skip
        make_article(s, id="pump-owners", title="Калибровка датчика насоса",
                     body="Калибровка датчика насоса при кавитации на входе.",
                     groups=["product:PUMP-7"], products=["PUMP-7"])  # fmt: skip
        tokens = {}
        for who, org, product, serial in (
            ("alpha", "Альфа", "FLOW-10", "FL-1"),
            ("beta", "Бета", "PUMP-7", "PM-1"),
        ):
            organisation = accounts.get_or_create_organisation(s, org)
            make_user(s, organisation=org, email=f"{who}@example.test", password="pass-" + who)
            s.flush()
            product_id = s.scalar(select(Product.id).where(Product.code == product))
            s.add(Equipment(id=serial, organisation_id=organisation.id, product_id=product_id))
            tokens[who] = make_token(s, organisation=org)
    return tokens


def _search(client, headers, q):
    return client.get("/api/v1/search", params={"q": q}, headers=headers).json()


def _wait_indexed(client, headers) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if {r["id"] for r in _search(client, headers, "калибровка")["results"]} >= {
            "calibration",
            "flow-owners",
            "pump-owners",
        }:
            return
        time.sleep(0.02)
    raise AssertionError("the articles were not indexed")


@pytest.fixture
def staff_headers(sessions):
    with sessions.begin() as s:
        return auth(make_token(s, ["editor"]))


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_the_api_shows_each_client_exactly_what_their_equipment_entitles(
    client, installed, staff_headers, who
):
    _wait_indexed(client, staff_headers)
    headers = auth(installed[who])
    found = _search(client, headers, "калибровка датчика")
    assert {r["id"] for r in found["results"]} == {"calibration", OWN[who]}
    assert found["total"] == 2
    other = OTHER[who]
    for word in SECRET_WORDS[other]:
        response = _search(client, headers, word)
        assert (response["total"], response["results"]) == (0, []), word
        # A misspelling of the other's word must not be "corrected" into it.
        misspelt = _search(client, headers, word[:-1] + "ы" + word[-1])
        assert word not in str({**misspelt, "query": ""}).lower()
    facets = str(_search(client, headers, "калибровка")["facets"])
    other_code = "PUMP-7" if who == "alpha" else "FLOW-10"
    assert other_code not in facets
    typed = client.get("/api/v1/suggest", params={"q": "Калибровка датчика "}, headers=headers)
    assert other not in typed.text and SECRET_WORDS[other][0] not in typed.text.lower()


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_the_portal_shows_each_client_exactly_what_their_equipment_entitles(
    app, client, installed, staff_headers, who
):
    _wait_indexed(client, staff_headers)
    with TestClient(app, headers={"Accept-Language": "ru"}) as portal:
        login(portal, f"{who}@example.test", "pass-" + who)
        other = OTHER[who]
        titles = {"flow-owners": "датчика расходомера", "pump-owners": "датчика насоса"}
        results = portal.get("/search", params={"q": "калибровка датчика"}).text
        assert titles[OWN[who]] in results
        pages = {
            "search": results,
            "search-secret": portal.get("/search", params={"q": SECRET_WORDS[other][0]}).text,
            "typeahead": portal.get("/suggest", params={"q": "Калибровка датч"}).text,
            "related": portal.get("/articles/calibration").text,
            "own article": portal.get(f"/articles/{OWN[who]}").text,
            "other product": portal.get(
                "/products/" + ("PUMP-7" if who == "alpha" else "FLOW-10")
            ).text,
        }
        ask = portal.get("/ask")
        token = ask.context["ask"].token
        pages["ask suggestions"] = portal.post(
            "/ask/suggest",
            data={"ask": token, "subject": "Калибровка датчика", "body": "не калибруется"},
            headers={"X-CSRF-Token": csrf_of(portal, "/ask")},
        ).text
        assert portal.get(f"/articles/{other}").status_code == 404
        # The query itself is echoed on its results page; nothing else of the other's may be.
        secret_words = {name: SECRET_WORDS[other] for name in pages if name != "search-secret"}
        leaks = [
            (name, word)
            for name, html in pages.items()
            for word in [titles[other], f"/articles/{other}", *secret_words.get(name, [])]
            if word in html.lower()
        ]
        assert leaks == []
