"""Issue 12, acceptance 2 for version ranges and contract levels: two clients with the same
product at different versions, and contracts of different levels, search the same words and
see exactly the restricted articles their versions and contracts entitle them to, and neither
sees the other's through any channel; a changed restriction reaches the index."""

import time
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts import service as accounts
from kb_service.catalogue.models import Equipment, Product
from tests.builders import auth, make_article, make_product, make_token, make_user
from tests.portal.conftest import csrf_of, login
from tickets.contracts import service as contracts
from tickets.contracts.schemas import CalendarIn, ContractIn

TERMS = {
    p: {"response_minutes": 60, "resolution_minutes": 480}
    for p in ("low", "normal", "high", "urgent")
}
# Each article's words found in it alone, and the product it is about (for facets and pages).
ARTICLES = {
    "flow-new": ("product:FLOW@3..", "гидроудар", "FLOW-10"),
    "flow-old": ("product:FLOW-10@..2.9", "перегрев", "FLOW-9"),
    "premium": ("contract:premium", "виброизоляц", "PRM"),
    "basic": ("contract:basic", "заземлени", "BSC"),
}
BODIES = {
    "flow-new": "после гидроудара в линии",
    "flow-old": "при перегреве корпуса",
    "premium": "с виброизоляцией по договору",
    "basic": "после заземления корпуса",
}
OWN = {"alpha": {"flow-new", "premium"}, "beta": {"flow-old", "basic"}}
CLIENTS = {"alpha": ("Альфа", "3.2", "premium"), "beta": ("Бета", "2.5", "basic")}


@pytest.fixture
def entitled(sessions):
    """Альфа runs FLOW-10 version 3.2 under a premium contract, Бета version 2.5 under a basic
    one; Гамма has a FLOW-10 of no known version and no contract."""
    with sessions.begin() as s:
        make_product(s, "FLOW", name="Расходомеры FLOW")
        for code in ("FLOW-10", "FLOW-9"):
            make_product(s, code, parent="FLOW", name=f"Расходомер {code}")
        make_product(s, "PRM", name="Сервис PRM")
        make_product(s, "BSC", name="Сервис BSC")
        make_article(s, id="calibration", title="Калибровка датчика давления",
                     body="Калибровка датчика по эталону раз в год.", language="ru")  # fmt: skip
        make_article(s, id="flow-any", title="Калибровка датчика любой версии", language="ru",
                     body="Калибровка датчика FLOW.", groups=["product:FLOW"])  # fmt: skip
        for article_id, (group, _, product) in ARTICLES.items():
            make_article(s, id=article_id, title=f"Калибровка датчика {article_id}",
                         body=f"Калибровка датчика {BODIES[article_id]}.", language="ru",
                         groups=[group], products=[product])  # fmt: skip
        calendar = contracts.save_calendar(s, CalendarIn(name="24x7", time_zone="UTC", week={}))
        flow_10 = s.scalar(select(Product.id).where(Product.code == "FLOW-10"))
        tokens = {}
        for who, (org, version, level) in {**CLIENTS, "gamma": ("Гамма", None, None)}.items():
            organisation = accounts.get_or_create_organisation(s, org)
            make_user(s, organisation=org, email=f"{who}@example.test", password="pass-" + who)
            s.add(Equipment(id=f"{who}-1", organisation_id=organisation.id, product_id=flow_10,
                            version=version))  # fmt: skip
            if level:
                contracts.create_contract(s, ContractIn(
                    organisation_id=organisation.id, name=level, level=level,
                    starts_on=date(2026, 1, 1), calendar_id=calendar.id, terms=TERMS))  # fmt: skip
            tokens[who] = make_token(s, organisation=org)
        make_user(s, ["editor"], email="editor@example.test", password="pass-editor")
        tokens["editor"] = make_token(s, ["editor"])
    return tokens


def _search(client, headers, q):
    return client.get("/api/v1/search", params={"q": q}, headers=headers).json()


def _ids(client, headers, q="калибровка датчика"):
    return {r["id"] for r in _search(client, headers, q)["results"]}


def _wait_for(client, headers, expected, q="калибровка датчика"):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if _ids(client, headers, q) == expected:
            return
        time.sleep(0.02)
    assert _ids(client, headers, q) == expected


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_the_api_shows_each_client_what_their_versions_and_contract_entitle(client, entitled, who):
    everything = {"calibration", "flow-any", *ARTICLES}
    _wait_for(client, auth(entitled["editor"]), everything)
    headers = auth(entitled[who])
    found = _search(client, headers, "калибровка датчика")
    assert {r["id"] for r in found["results"]} == {"calibration", "flow-any", *OWN[who]}
    assert found["total"] == 4
    others = set(ARTICLES) - OWN[who]
    facets = str(found["facets"])
    for other in others:
        _, word, product = ARTICLES[other]
        assert product not in facets
        response = _search(client, headers, word)
        assert (response["total"], response["results"]) == (0, []), word
        misspelt = _search(client, headers, word[:-1] + "ы" + word[-1])
        assert word not in str({**misspelt, "query": ""}).lower()
        typed = client.get("/api/v1/suggest", params={"q": "Калибровка датчика "}, headers=headers)
        assert other not in typed.text


def test_an_item_of_no_known_version_opens_only_unranged_restrictions(client, entitled):
    _wait_for(client, auth(entitled["editor"]), {"calibration", "flow-any", *ARTICLES})
    assert _ids(client, auth(entitled["gamma"])) == {"calibration", "flow-any"}


@pytest.mark.parametrize("who", ["alpha", "beta"])
def test_the_portal_shows_each_client_what_their_versions_and_contract_entitle(
    app, client, entitled, who
):
    _wait_for(client, auth(entitled["editor"]), {"calibration", "flow-any", *ARTICLES})
    others = set(ARTICLES) - OWN[who]
    with TestClient(app, headers={"Accept-Language": "ru"}) as portal:
        login(portal, f"{who}@example.test", "pass-" + who)
        results = portal.get("/search", params={"q": "калибровка датчика"}).text
        assert all(f"/articles/{own}" in results for own in OWN[who])
        pages = {
            "search": results,
            "typeahead": portal.get("/suggest", params={"q": "Калибровка датч"}).text,
            "related": portal.get("/articles/calibration").text,
            "family page": portal.get("/products/FLOW").text,
        }
        for other in others:
            pages[f"product {other}"] = portal.get(f"/products/{ARTICLES[other][2]}").text
            assert portal.get(f"/articles/{other}").status_code == 404
        pages["ask suggestions"] = portal.post(
            "/ask/suggest",
            data={"ask": portal.get("/ask").context["ask"].token,
                  "subject": "Калибровка датчика", "body": "не калибруется"},
            headers={"X-CSRF-Token": csrf_of(portal, "/ask")},
        ).text  # fmt: skip
        secret = {o: portal.get("/search", params={"q": ARTICLES[o][1]}).text for o in others}
        leaks = [
            (name, word)
            for name, html in pages.items()
            for other in others
            for word in (f"калибровка датчика {other}", f"/articles/{other}", ARTICLES[other][1])
            if word in html.lower()
        ]
        leaks += [(o, "search") for o, html in secret.items() if f"/articles/{o}" in html]
        assert leaks == []


def test_a_range_changed_in_the_editor_reaches_the_index(app, client, entitled):
    _wait_for(client, auth(entitled["editor"]), {"calibration", "flow-any", *ARTICLES})
    # Not a `with`: leaving it would shut the app down under `client`, which goes on.
    editor = TestClient(app, headers={"Accept-Language": "en"})
    login(editor, "editor@example.test", "pass-editor")
    page = editor.get("/console/articles/flow-old")
    form = page.context["editor"].form
    assert (form.range_product, form.range_from, form.range_to) == (["FLOW-10"], [""], ["2.9"])
    assert 'name="range_to" value="2.9"' in page.text
    saved = editor.post("/console/articles/flow-old", data={
        **form.model_dump(exclude={"range_to"}), "range_to": "3.x",
        "csrf_token": csrf_of(editor, "/console/articles/flow-old")},
        follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303, saved.text
    # Up to 3.x now takes in Альфа's 3.2 too; Бета keeps it.
    _wait_for(client, auth(entitled["alpha"]), {"calibration", "flow-any", "flow-new", "premium",
                                                "flow-old"})  # fmt: skip
    assert "flow-old" in _ids(client, auth(entitled["beta"]))


def test_a_contract_level_set_through_the_api_reaches_the_index(client, entitled):
    _wait_for(client, auth(entitled["editor"]), {"calibration", "flow-any", *ARTICLES})
    headers = auth(entitled["editor"])
    current = client.get("/api/v1/articles/basic", headers=headers)
    version = current.json()["version"]
    changed = client.patch(
        "/api/v1/articles/basic",
        json={"groups": ["contract:basic", "contract:premium"]},
        headers={**headers, "If-Match": f'"{version}"'},
    )
    assert changed.status_code == 200, changed.text
    assert sorted(changed.json()["groups"]) == ["contract:basic", "contract:premium"]
    _wait_for(client, auth(entitled["alpha"]), {"calibration", "flow-any", "flow-new", "premium",
                                                "basic"})  # fmt: skip
    refused = client.patch(
        "/api/v1/articles/basic",
        json={"groups": ["product:FLOW@4..3"]},
        headers={**headers, "If-Match": f'"{version + 1}"'},
    )
    assert refused.status_code in (400, 422)
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_a_range_the_editor_cannot_read_is_refused_with_the_form_kept(app, client, entitled):
    editor = TestClient(app, headers={"Accept-Language": "ru"})
    login(editor, "editor@example.test", "pass-editor")
    form = editor.get("/console/articles/flow-old").context["editor"].form
    refused = editor.post("/console/articles/flow-old", data={
        **form.model_dump(exclude={"range_from"}), "range_from": "три",
        "csrf_token": csrf_of(editor, "/console/articles/flow-old")})  # fmt: skip
    assert refused.status_code == 422
    assert refused.context["editor"].detail.startswith("a version range is written")
    assert 'name="range_from" value="три"' in refused.text
    assert "Владельцам версий, уровни договора" in refused.text
