"""The service desk over its HTTP API: the process, every role against every action, and
what a client may never see."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.db import utcnow
from tests.builders import auth, make_token, make_user
from tests.tickets.test_workflow import EXPECTED
from tickets import desk
from tickets.models import OutsideOrganisation, SupportGroup, Ticket

ROLES = ("client", "other_client", "dispatcher", "engineer", "editor", "manager", "admin")


@pytest.fixture
def desk_people(sessions):
    """A token per role, an engineer to assign, a tier-2 group and a vendor."""
    with sessions.begin() as s:
        tokens = {
            "client": make_token(s, ("client",), "Org", email="client@org.test"),
            "other_client": make_token(s, ("client",), "Other"),
            **{role: make_token(s, (role,)) for role in ROLES[2:]},
        }
        engineer = make_user(s, ("engineer",), email="tier2@desk.test", name="Tier Two")
        group = SupportGroup(name="Second line", tier=2, members=[engineer])
        vendor = OutsideOrganisation(name="Acme Printers", kind="manufacturer")
        s.add_all([group, vendor])
        s.flush()
        ids = {"engineer": engineer.id, "group": group.id, "vendor": vendor.id}
    return tokens, ids


def _open(client, tokens, subject="Printer jams on every page") -> str:
    response = client.post(
        "/api/v1/tickets",
        json={"subject": subject, "body": "It jams after the first sheet."},
        headers=auth(tokens["client"]),
    )
    assert response.status_code == 201, response.text
    return response.json()["number"]


def _act(client, token, number, action, **data):
    return client.post(f"/api/v1/tickets/{number}/{action}", json=data, headers=auth(token))


def test_the_whole_process_from_request_to_confirmation(client, desk_people):
    tokens, ids = desk_people
    number = _open(client, tokens)
    assert (
        client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["client"])).json()["status"]
        == "new"
    )
    queue = client.get("/api/v1/tickets?status=new", headers=auth(tokens["dispatcher"])).json()
    assert number in [t["number"] for t in queue["results"]]

    steps = [
        ("dispatcher", "classify", {"priority": "high"}, "open"),
        ("dispatcher", "assign", {"group_id": ids["group"]}, "open"),
        ("engineer", "note", {"text": "Looks like the fuser; asking the maker."}, "open"),
        ("engineer", "escalate_outside", {
            "outside_id": ids["vendor"], "text": "Fuser fault", "reference": "ACME-77",
            "promised_at": (utcnow() + timedelta(days=3)).isoformat(),
        }, "open"),
        ("engineer", "request_info", {"text": "Which tray do you print from?"}, "waiting"),
        ("client", "reply", {"text": "Tray 2."}, "open"),
        ("engineer", "resolve", {"text": "Replace the fuser unit; the maker confirmed."},
         "resolved"),
        ("client", "confirm", {}, "closed"),
    ]  # fmt: skip
    for role, action, data, status in steps:
        response = _act(client, tokens[role], number, action, **data)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status, action

    staff_view = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["manager"])).json()
    assert staff_view["priority"] == "high" and staff_view["group_id"] == ids["group"]
    assert [e["reference"] for e in staff_view["escalations"]] == ["ACME-77"]
    assert staff_view["solution_sent_at"] and staff_view["closed_at"]
    actions = [e["action"] for e in staff_view["history"]]
    assert actions[0] == "create" and actions[-1] == "confirm"

    client_view = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["client"])).json()
    assert "fuser; asking" not in str(client_view)  # the internal note
    assert client_view["escalations"] == []
    assert [m["resolution"] for m in client_view["messages"]] == [False, False, True]


def test_a_rejected_solution_opens_the_ticket_again(client, desk_people):
    tokens, _ = desk_people
    number = _open(client, tokens)
    _act(client, tokens["engineer"], number, "resolve", text="Restart it.")
    refused = _act(client, tokens["client"], number, "reject")
    assert refused.status_code == 422  # a reason is needed
    response = _act(client, tokens["client"], number, "reject", text="Still jams.")
    assert response.json()["status"] == "open" and response.json()["solution_sent_at"] is None


def test_an_illegal_move_is_a_conflict_that_says_why(client, desk_people):
    tokens, _ = desk_people
    number = _open(client, tokens)
    response = _act(client, tokens["client"], number, "confirm")
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "new ticket cannot be given the action 'confirm'" in response.json()["detail"]


def test_a_stale_version_is_refused_and_the_first_change_kept(client, desk_people):
    tokens, _ = desk_people
    number = _open(client, tokens)
    seen = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["dispatcher"])).json()
    headers = {**auth(tokens["dispatcher"]), "If-Match": f'"{seen["version"]}"'}
    first = client.post(
        f"/api/v1/tickets/{number}/classify", json={"priority": "urgent"}, headers=headers
    )
    second = client.post(
        f"/api/v1/tickets/{number}/classify", json={"priority": "low"}, headers=headers
    )
    assert first.status_code == 200 and second.status_code == 409
    now = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["dispatcher"])).json()
    assert now["priority"] == "urgent"


def test_clients_see_only_their_own_tickets(client, desk_people):
    tokens, _ = desk_people
    number = _open(client, tokens)
    other = auth(tokens["other_client"])
    assert client.get(f"/api/v1/tickets/{number}", headers=other).status_code == 404
    assert client.get("/api/v1/tickets", headers=other).json() == {"total": 0, "results": []}
    assert client.get("/api/v1/tickets").status_code == 401


def test_staff_enter_a_phone_call_for_a_known_client(client, desk_people, sessions):
    tokens, _ = desk_people
    response = client.post(
        "/api/v1/tickets",
        json={"subject": "Called: scanner is offline", "body": "Says the light is red.",
              "channel": "phone", "requester_email": "Client@Org.test", "priority": "high"},
        headers=auth(tokens["dispatcher"]),
    )  # fmt: skip
    assert response.status_code == 201, response.text
    number = response.json()["number"]
    mine = client.get("/api/v1/tickets", headers=auth(tokens["client"])).json()
    assert [t["number"] for t in mine["results"]] == [number]
    with sessions() as s:
        ticket = s.scalar(select(Ticket).where(Ticket.number == number))
        requester = s.get(User, ticket.requester_id)
        assert (ticket.source, requester.email) == ("phone", "client@org.test")
        assert ticket.organisation_id == requester.organisation_id is not None
    refused = client.post(
        "/api/v1/tickets",
        json={"subject": "For someone", "body": "text", "requester_email": "x@y.test"},
        headers=auth(tokens["client"]),
    )
    assert refused.status_code == 403


# --- Every role against every action -------------------------------------------------------

# The status each action is tried from, and what it needs to be valid.
SETUP = {
    "reply": "open", "confirm": "resolved", "reject": "resolved", "classify": "new",
    "assign": "new", "take": "new", "answer": "open", "request_info": "open", "note": "open",
    "escalate": "open", "escalate_outside": "open", "outside_answered": "open",
    "resolve": "open", "send_solution": "resolved", "close": "resolved", "reopen": "closed",
    "set_equipment": "open",
}  # fmt: skip


def _bring_to(sessions, number: str, status: str, ids: dict, vendor_escalation: bool) -> dict:
    """Move the ticket to `status` through the desk, as the desk would; fields for the action."""
    with sessions.begin() as s:
        admin = desk.Actor(None, frozenset({"admin", "system"}), "staff")
        ticket = desk.get(s, _STAFF, number)
        if status != "new":
            desk.take(s, admin, ticket)
        if vendor_escalation:
            desk.escalate_outside(s, admin, ticket, ids["vendor"], "Ask the maker",
                                  promised_at=utcnow() + timedelta(days=2))  # fmt: skip
        if status in ("resolved", "closed"):
            desk.resolve(s, admin, ticket, "Do this.")
            ticket.solution_sent_at = None  # the dispatcher has still to send it
        if status == "closed":
            desk.close(s, admin, ticket)
        escalation = ticket.escalations[-1].id if ticket.escalations else None
    return {"escalation_id": escalation}


_STAFF = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)


def _fields(action: str, ids: dict, made: dict) -> dict:
    return {
        "assign": {"assignee_id": ids["engineer"]},
        "escalate": {"group_id": ids["group"], "text": "Needs tier 2"},
        "escalate_outside": {
            "outside_id": ids["vendor"], "text": "Maker's fault",
            "promised_at": (utcnow() + timedelta(days=5)).isoformat(),
        },
        "outside_answered": {"escalation_id": made["escalation_id"], "text": "Fixed in 2.1"},
        "classify": {"priority": "low"},
        "set_equipment": {"equipment_id": ""},
    }.get(action, {"text": "Some words"})  # fmt: skip


@pytest.mark.parametrize("action", sorted(SETUP))
def test_every_role_may_take_exactly_the_actions_the_table_gives_it(
    client, desk_people, sessions, action
):
    tokens, ids = desk_people
    who, _ = EXPECTED[action]
    for role in ROLES:
        number = _open(client, tokens, f"{action} by {role}")
        made = _bring_to(sessions, number, SETUP[action], ids, action == "outside_answered")
        response = _act(client, tokens[role], number, action, **_fields(action, ids, made))
        workflow_role = "requester" if role == "client" else role
        if role == "other_client":
            assert response.status_code == 404, (role, action, response.text)
        elif workflow_role in who:
            assert response.status_code == 200, (role, action, response.text)
        else:
            assert response.status_code == 403, (role, action, response.text)


def test_staff_find_tickets_by_words_of_their_conversation(client, desk_people):
    tokens, _ = desk_people
    number = _open(client, tokens, "Сканер не видит сеть")
    _open(client, tokens, "Принтер печатает полосами")
    _act(client, tokens["engineer"], number, "note", text="Похоже на сбой DHCP-сервера")
    staff = auth(tokens["engineer"])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the ticket index follows the outbox
        found = client.get("/api/v1/tickets", params={"q": "dhcp"}, headers=staff).json()
        if found["total"]:
            break
        time.sleep(0.05)
    assert [t["number"] for t in found["results"]] == [number]
    by_number = client.get("/api/v1/tickets", params={"q": number}, headers=staff).json()
    assert by_number["results"][0]["number"] == number
    client_search = client.get(
        "/api/v1/tickets", params={"q": "dhcp"}, headers=auth(tokens["client"])
    )
    assert client_search.status_code == 403


def test_a_fresh_desk_classifies_by_the_categories_its_migrations_made(client, desk_people):
    tokens, _ = desk_people
    categories = client.get("/api/v1/ticket-categories", headers=auth(tokens["dispatcher"]))
    assert {c["slug"] for c in categories.json()} == {
        "fault", "question", "service-request", "complaint"
    }  # fmt: skip
    number = _open(client, tokens)
    sorted_ = _act(client, tokens["dispatcher"], number, "classify", category="fault")
    assert sorted_.json()["category"] == "fault"
