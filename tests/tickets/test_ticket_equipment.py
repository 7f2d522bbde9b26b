"""A ticket names the equipment item it is about: the item fills in the product, the desk sees
its warranty and contract, and nobody names another organisation's item (issue 12)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from kb_service.accounts import service as accounts
from kb_service.catalogue.equipment import (
    UNDER_WARRANTY,
    WARRANTY_EXPIRED,
    WARRANTY_UNKNOWN,
    warranty_state,
)
from kb_service.catalogue.models import Equipment, Product
from kb_service.db import utcnow
from tests.builders import auth, make_product, make_token
from tickets.models import Ticket

TODAY = utcnow().date()
INSTALLED = date(2026, 1, 10)


@pytest.mark.parametrize(
    ("until", "state"),
    [
        (TODAY + timedelta(days=1), UNDER_WARRANTY),
        (TODAY, UNDER_WARRANTY),  # the last day still counts
        (TODAY - timedelta(days=1), WARRANTY_EXPIRED),
        (None, WARRANTY_UNKNOWN),
    ],
)
def test_the_warranty_state_is_read_from_the_date_and_today(until, state):
    assert warranty_state(until, TODAY) == state


@pytest.fixture
def installed(sessions):
    """Альфа has a pump under warranty and a meter whose warranty ended; Бета has a pump."""
    with sessions.begin() as s:
        make_product(s, "PUMP-7", name="Насос PUMP-7")
        make_product(s, "FLOW-10", name="Расходомер FLOW-10")
        make_product(s, "OTHER", name="Something else")
        items = {
            "pump-a": ("Альфа", "PUMP-7", TODAY + timedelta(days=90), "СО-17/2026"),
            "meter-a": ("Альфа", "FLOW-10", TODAY - timedelta(days=3), None),
            "pump-b": ("Бета", "PUMP-7", None, "B-1"),
        }
        orgs = {}
        for item_id, (org, code, until, contract) in items.items():
            orgs[org] = accounts.get_or_create_organisation(s, org).id
            product = s.scalar(select(Product.id).where(Product.code == code))
            item = Equipment(id=item_id, organisation_id=orgs[org], product_id=product)
            item.serial, item.location, item.installed_on = f"SN-{item_id}", "Цех 2", INSTALLED
            item.warranty_until, item.contract = until, contract
            s.add(item)
        tokens = {
            "alpha": make_token(s, ("client",), "Альфа", email="alpha@a.test"),
            "beta": make_token(s, ("client",), "Бета"),
            "lonely": make_token(s, ("client",)),
            "dispatcher": make_token(s, ("dispatcher",)),
            "engineer": make_token(s, ("engineer",)),
        }
    return tokens, orgs


def _open(client, token, **fields):
    body = {"subject": "Насос гудит", "body": "Гудит и греется после пуска.", **fields}
    return client.post("/api/v1/tickets", json=body, headers=auth(token))


def _count(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


def test_a_client_names_their_item_and_the_ticket_takes_its_product(client, installed):
    tokens, _ = installed
    response = _open(client, tokens["alpha"], equipment_id="pump-a", product="OTHER")
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["product"] == "PUMP-7"
    assert ticket["equipment"] == {
        "id": "pump-a", "product": "PUMP-7", "product_name": "Насос PUMP-7", "version": None,
        "serial": "SN-pump-a", "location": "Цех 2", "installed_on": "2026-01-10",
        "warranty_until": (TODAY + timedelta(days=90)).isoformat(), "warranty": UNDER_WARRANTY,
        "contract": "СО-17/2026",
    }  # fmt: skip
    again = client.get(f"/api/v1/tickets/{ticket['number']}", headers=auth(tokens["alpha"]))
    assert again.json()["equipment"]["id"] == "pump-a"


@pytest.mark.parametrize(("who", "item"), [("alpha", "pump-b"), ("alpha", "nope"),
                                           ("beta", "pump-a"), ("lonely", "pump-a")])  # fmt: skip
def test_a_client_cannot_name_an_item_that_is_not_their_organisations(
    client, installed, sessions, who, item
):
    tokens, _ = installed
    before = _count(sessions)
    response = _open(client, tokens[who], equipment_id=item)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"] == [{"where": "equipment_id", "message": "unknown"}]
    # Another's item and no item at all are refused in the same words: nothing is told.
    assert item in problem["detail"] and "Бета" not in problem["detail"]
    assert _count(sessions) == before


def test_a_call_naming_an_item_belongs_to_the_items_organisation(client, installed, sessions):
    tokens, orgs = installed
    response = _open(
        client, tokens["dispatcher"], channel="phone", requester_phone="+7 900 000-00-00",
        equipment_id="meter-a",
    )  # fmt: skip
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["organisation_id"] == orgs["Альфа"]
    assert ticket["equipment"]["warranty"] == WARRANTY_EXPIRED
    assert ticket["product"] == "FLOW-10"


def test_a_call_for_a_client_of_one_organisation_cannot_name_anothers_item(client, installed):
    tokens, _ = installed
    response = _open(client, tokens["dispatcher"], requester_email="alpha@a.test",
                     channel="phone", equipment_id="pump-b")  # fmt: skip
    assert response.status_code == 422, response.text


def _act(client, token, number, **data):
    return client.post(f"/api/v1/tickets/{number}/set_equipment", json=data, headers=auth(token))


def test_the_desk_names_changes_and_clears_the_item_with_a_history(client, installed):
    tokens, _ = installed
    number = _open(client, tokens["alpha"]).json()["number"]
    named = _act(client, tokens["engineer"], number, equipment_id="meter-a")
    assert named.status_code == 200, named.text
    assert (named.json()["equipment"]["id"], named.json()["product"]) == ("meter-a", "FLOW-10")
    changed = _act(client, tokens["dispatcher"], number, equipment_id="pump-a").json()
    assert (changed["equipment"]["id"], changed["product"]) == ("pump-a", "PUMP-7")
    cleared = _act(client, tokens["dispatcher"], number, equipment_id="").json()
    assert cleared["equipment"] is None and cleared["product"] == "PUMP-7"
    trail = [e["changes"] for e in cleared["history"] if e["action"] == "set_equipment"]
    assert [c["equipment_id"] for c in trail] == [
        [None, "meter-a"],
        ["meter-a", "pump-a"],
        ["pump-a", None],
    ]
    # The client's view of the history keeps only status changes: no staff-only rows.
    mine = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["alpha"])).json()
    assert "set_equipment" not in {e["action"] for e in mine["history"]}


def test_the_desk_cannot_name_another_organisations_item(client, installed):
    tokens, _ = installed
    number = _open(client, tokens["alpha"]).json()["number"]
    refused = _act(client, tokens["engineer"], number, equipment_id="pump-b")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["where"] == "equipment_id"
    ticket = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["engineer"])).json()
    assert ticket["equipment"] is None


def test_the_requester_may_not_change_the_item(client, installed):
    tokens, _ = installed
    number = _open(client, tokens["alpha"]).json()["number"]
    assert _act(client, tokens["alpha"], number, equipment_id="pump-a").status_code == 403


def test_an_item_taken_off_the_books_leaves_its_tickets(client, installed, sessions):
    tokens, _ = installed
    number = _open(client, tokens["alpha"], equipment_id="meter-a").json()["number"]
    with sessions.begin() as s:
        s.execute(delete(Equipment).where(Equipment.id == "meter-a"))
    ticket = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["alpha"])).json()
    assert ticket["equipment"] is None and ticket["product"] == "FLOW-10"
