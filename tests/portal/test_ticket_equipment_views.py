"""The portal's side of tickets about equipment: "My equipment" opens the ask form with the
item chosen, the form offers the client's own items only and refuses another's with the form
kept, and the console shows the item's warranty and contract and lets the desk change it."""

import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kb_service.accounts import service as accounts
from kb_service.catalogue.models import Equipment, Product
from kb_service.db import utcnow
from tests.builders import auth, make_article, make_product, make_token, make_user
from tests.portal.conftest import csrf_of, login
from tickets.models import Ticket

TODAY = utcnow().date()
TEXT = {"subject": "Насос гудит при пуске", "body": "После пуска насос гудит и греется."}


@pytest.fixture
def world(sessions):
    with sessions.begin() as s:
        make_product(s, "PUMP-7", name="Насос PUMP-7")
        make_product(s, "FLOW-10", name="Расходомер FLOW-10")
        make_article(s, id="hum-any", title="Гудит двигатель при пуске",
                     body="Двигатель гудит при пуске и греется: проверьте питание.",
                     language="ru")  # fmt: skip
        make_article(s, id="hum-pump", title="Насос: гул при пуске",
                     body="Насос гудит при пуске: проверьте обратный клапан.",
                     language="ru", products=["PUMP-7"])  # fmt: skip
        make_article(s, id="hum-meter", title="Расходомер показывает ноль",
                     body="Расходомер показывает ноль, хотя насос гудит.",
                     language="ru", products=["FLOW-10"])  # fmt: skip
        for item_id, org, code, until, contract in (
            ("pump-a", "Альфа", "PUMP-7", TODAY + timedelta(days=60), "СО-17/2026"),
            ("meter-a", "Альфа", "FLOW-10", TODAY - timedelta(days=1), None),
            ("pump-b", "Бета", "PUMP-7", None, "B-1"),
        ):
            organisation = accounts.get_or_create_organisation(s, org)
            s.flush()
            product = s.scalar(select(Product.id).where(Product.code == code))
            item = Equipment(id=item_id, organisation_id=organisation.id, product_id=product)
            item.serial, item.location, item.contract = f"SN-{item_id}", "Цех 2", contract
            item.installed_on, item.warranty_until = date(2026, 1, 10), until
            s.add(item)
        make_user(s, organisation="Альфа", email="alpha@example.test", password="pass-alpha")
        make_user(s, ("engineer",), email="eng@example.test", password="pass-eng", name="Инж")
        editor = make_token(s, ("editor",))
    return editor


def _wait_indexed(client, token) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        found = client.get("/api/v1/search", params={"q": "пуске"}, headers=auth(token)).json()
        if {r["id"] for r in found["results"]} >= {"hum-any", "hum-pump"}:
            return
        time.sleep(0.02)
    raise AssertionError("the articles were not indexed")


@pytest.fixture
def alpha(app, world):
    with TestClient(app, headers={"Accept-Language": "ru"}) as portal:
        login(portal, "alpha@example.test", "pass-alpha")
        yield portal


def test_my_equipment_opens_the_form_with_the_item_and_its_product_chosen(alpha):
    page = alpha.get("/equipment").text
    assert page.count("/ask?equipment=") == 2 and "/ask?equipment=pump-a" in page
    form = alpha.get("/ask?equipment=pump-a")
    assert form.status_code == 200
    assert [i.id for i in form.context["equipment"]] == ["pump-a", "meter-a"]
    assert form.context["fields"]["equipment_id"] == "pump-a"
    assert form.context["fields"]["product"] == "PUMP-7"
    assert 'value="pump-a" selected' in form.text and "pump-b" not in form.text


def test_another_organisations_item_is_refused_with_a_message(alpha):
    form = alpha.get("/ask?equipment=pump-b")
    assert form.status_code == 200 and form.context["errors"] == {"equipment_id"}
    assert "Этого оборудования нет среди оборудования вашей организации" in form.text
    assert "SN-pump-b" not in form.text and " selected" not in form.text.split("ask-equipment")[1]


def test_the_ticket_names_the_item_and_takes_its_product(alpha, sessions):
    form = alpha.get("/ask?equipment=meter-a")
    ask, token = form.context["ask"].token, csrf_of(alpha, "/ask")
    data = {"ask": ask, "csrf_token": token, "equipment_id": "meter-a", "product": "PUMP-7"}
    sent = alpha.post("/ask", data={**data, **TEXT}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    with sessions() as s:
        ticket = s.scalar(select(Ticket))
        product = s.get(Product, ticket.product_id).code
    assert (ticket.equipment_id, product) == ("meter-a", "FLOW-10")
    assert "Оборудование: SN-meter-a" in alpha.get(sent.headers["location"]).text


def test_a_refused_item_keeps_everything_typed_and_opens_no_ticket(alpha, sessions):
    form = alpha.get("/ask")
    ask, token = form.context["ask"].token, csrf_of(alpha, "/ask")
    refused = alpha.post("/ask", data={"ask": ask, "csrf_token": token, "equipment_id": "pump-b",
                                       **TEXT})  # fmt: skip
    assert refused.status_code == 422 and refused.context["errors"] == {"equipment_id"}
    assert TEXT["subject"] in refused.text and TEXT["body"] in refused.text
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0
    # The same visit goes on: the client corrects the item and sends.
    sent = alpha.post("/ask", data={"ask": ask, "csrf_token": token, "equipment_id": "pump-a",
                                    **TEXT}, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303


def test_suggestions_favour_the_chosen_items_product(alpha, world):
    _wait_indexed(alpha, world)
    ask = alpha.get("/ask").context["ask"].token
    headers = {"X-CSRF-Token": csrf_of(alpha, "/ask")}
    plain = alpha.post("/ask/suggest", data={"ask": ask, **TEXT}, headers=headers)
    assert [h.id for h in plain.context["hits"]][-1] == "hum-meter"
    data = {"ask": ask, "equipment_id": "meter-a", **TEXT}
    chosen = alpha.post("/ask/suggest", data=data, headers=headers)
    # First the chosen item's product, then the rest: a preference, not a filter.
    assert [h.id for h in chosen.context["hits"]][0] == "hum-meter"
    assert {h.id for h in chosen.context["hits"]} == {h.id for h in plain.context["hits"]}
    # Another's item changes nothing and tells nothing.
    data["equipment_id"] = "pump-b"
    foreign = alpha.post("/ask/suggest", data=data, headers=headers)
    assert [h.id for h in foreign.context["hits"]] == [h.id for h in plain.context["hits"]]


def test_the_console_shows_the_item_and_the_engineer_changes_it(app, alpha, sessions):
    ask = alpha.get("/ask?equipment=pump-a").context["ask"].token
    alpha.post("/ask", data={"ask": ask, "csrf_token": csrf_of(alpha, "/ask"),
                             "equipment_id": "pump-a", **TEXT})  # fmt: skip
    with sessions() as s:
        number = s.scalar(select(Ticket.number))
    with TestClient(app, headers={"Accept-Language": "ru"}) as console:
        login(console, "eng@example.test", "pass-eng")
        page = console.get(f"/console/tickets/{number}")
        assert page.context["console"].warranty == "under_warranty"
        html = page.text
        for shown in (
            "SN-pump-a",
            "Цех 2",
            "СО-17/2026",
            "На гарантии",
            "warranty--under_warranty",
        ):
            assert shown in html, shown
        assert [i.id for i in page.context["console"].equipment] == ["pump-a", "meter-a"]
        assert "SN-pump-b" not in html
        version = str(page.context["console"].ticket.version)
        token = csrf_of(console, f"/console/tickets/{number}")
        form = {"csrf_token": token, "version": version}
        refused = console.post(f"/console/tickets/{number}/set_equipment",
                               data={**form, "equipment": "pump-b"})  # fmt: skip
        assert refused.status_code == 422 and refused.context["console"].failed == "set_equipment"
        form["equipment"] = "meter-a"
        url = f"/console/tickets/{number}/set_equipment"
        changed = console.post(url, data=form, follow_redirects=False)
        assert changed.status_code == 303
        page = console.get(f"/console/tickets/{number}")
    assert page.context["console"].warranty == "expired" and "Гарантия истекла" in page.text
    history = [e for e in page.context["console"].history if e.action == "set_equipment"]
    assert history[0].changes["equipment_id"] == ["pump-a", "meter-a"]
    assert "указано оборудование" in page.text
    assert "Насос PUMP-7 · SN-pump-a · Цех 2 → Расходомер FLOW-10 · SN-meter-a" in page.text
