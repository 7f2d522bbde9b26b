"""My tickets: the list, the conversation, and confirming or rejecting the answer."""

from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts.models import User
from kb_service.accounts.service import viewer_for
from tests.portal.conftest import csrf_of, login
from tickets import desk
from tickets.models import Ticket


def _ticket_for_client(portal) -> str:
    login(portal, "client@demo.spravka", "demo-client-pass")
    ask = portal.get("/ask").context["ask"].token
    data = {"ask": ask, "csrf_token": csrf_of(portal, "/ask"), "subject": "Нет лицензии",
            "body": "Ошибка LIC-1007 при запуске"}  # fmt: skip
    location = portal.post("/ask", data=data, follow_redirects=False).headers["location"]
    return location.rsplit("/", 1)[-1]


def _resolve(sessions, number: str) -> None:
    with sessions.begin() as s:
        engineer = s.scalar(select(User).where(User.email == "engineer@demo.spravka"))
        viewer = viewer_for(s, engineer)
        ticket = desk.get(s, viewer, number)
        desk.resolve(s, desk.actor_for(viewer, ticket), ticket, "Перезапустите TULicense.")


def test_my_tickets_lists_the_clients_tickets_with_status(portal):
    number = _ticket_for_client(portal)
    response = portal.get("/tickets")
    assert response.template.name == "tickets/index.html"
    assert [t.number for t in response.context["tickets"]] == [number]
    assert "Новое" in response.text


def test_the_client_confirms_the_answer_of_a_resolved_ticket(portal, sessions):
    number = _ticket_for_client(portal)
    _resolve(sessions, number)
    page = portal.get(f"/tickets/{number}")
    assert "Перезапустите TULicense." in page.text and "confirm" in page.context["actions"]
    portal.post(f"/tickets/{number}/confirm", data={"csrf_token": csrf_of(portal, "/tickets")})
    with sessions() as s:
        assert s.scalar(select(Ticket.status).where(Ticket.number == number)) == "closed"


def test_the_client_rejects_the_answer_with_a_comment(portal, sessions):
    number = _ticket_for_client(portal)
    _resolve(sessions, number)
    portal.post(f"/tickets/{number}/reject",
                data={"body": "Не помогло", "csrf_token": csrf_of(portal, "/tickets")})  # fmt: skip
    page = portal.get(f"/tickets/{number}")
    assert page.context["ticket"].status == "open"
    assert page.context["ticket"].messages[-1].body == "Не помогло"


def test_a_client_cannot_confirm_what_is_not_resolved(portal):
    number = _ticket_for_client(portal)
    response = portal.post(f"/tickets/{number}/confirm",
                           data={"csrf_token": csrf_of(portal, "/tickets")})  # fmt: skip
    assert response.status_code == 409


def test_another_client_cannot_see_the_ticket(portal, app, sessions):
    from tests.builders import make_user

    number = _ticket_for_client(portal)
    with sessions.begin() as s:
        make_user(s, ["client"], organisation="Other", email="other@x.test")
    with TestClient(app) as other:
        login(other, "other@x.test", "correct horse")
        assert other.get(f"/tickets/{number}").status_code == 404
        assert other.get("/tickets").context["tickets"] == []
