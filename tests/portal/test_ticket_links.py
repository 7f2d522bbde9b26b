"""The requester's link from our mail: read and answer without an account, and the only way an
anonymous ticket joins the account with its address (finding 9)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.db import session_scope
from kb_service.outbox import OutboxEvent
from tests.builders import make_ticket, make_user
from tests.portal.conftest import csrf_of, login
from tickets.models import Ticket, TicketMessage
from tickets.notifications import links


@pytest.fixture
def browser(app):
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


def _anonymous_ticket(sessions, settings, email="visitor@example.test", **fields):
    with session_scope(sessions) as s:
        ticket = make_ticket(s, email=email, locale="en", **fields)
        s.add(
            TicketMessage(
                ticket_id=ticket.id, author_kind="staff", body="Secret note", is_internal=True
            )
        )
        s.add(TicketMessage(ticket_id=ticket.id, author_kind="staff", body="Open the tray."))
        s.flush()
        return ticket.number, links.access_url(settings, ticket).split("localhost:8000", 1)[1]


def test_the_mailed_paths_are_the_portals(app):
    assert app.url_path_for("portal.ticket", number="10001") == links.TICKET_PATH.format(
        number="10001"
    )
    assert app.url_path_for("portal.article", article_id="kb-1") == links.ARTICLE_PATH.format(
        article_id="kb-1"
    )


def test_the_link_lets_an_anonymous_requester_read_and_reply(browser, sessions, settings):
    number, path = _anonymous_ticket(sessions, settings)
    page = browser.get(path)
    assert page.status_code == 200 and page.template.name == "tickets/link.html"
    assert "Open the tray." in page.text and "Secret note" not in page.text
    form = {"body": "Still jams", "csrf_token": csrf_of(browser, path)}
    sent = browser.post(f"{path}/reply", data=form, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith(path)
    assert "Still jams" in browser.get(path).text
    with sessions() as s:
        payloads = [e.payload for e in s.scalars(select(OutboxEvent))]
        message = s.scalar(select(TicketMessage).where(TicketMessage.body == "Still jams"))
    assert (message.author_kind, message.author_email) == ("client", "visitor@example.test")
    assert payloads[-1] == {
        "event": "client_replied",
        "ticket": message.ticket_id,
        "number": number,
        "actor": None,
        "message": message.id,
    }


def test_the_link_holder_confirms_the_solution(browser, sessions, settings):
    number, path = _anonymous_ticket(sessions, settings, status="resolved")
    assert "confirm" in browser.get(path).context["actions"]
    browser.post(f"{path}/confirm", data={"csrf_token": csrf_of(browser, path)})
    with sessions() as s:
        assert s.scalar(select(Ticket.status).where(Ticket.number == number)) == "closed"
        events = [e.payload["event"] for e in s.scalars(select(OutboxEvent))]
    assert events[-1] == "closed"


@pytest.mark.parametrize("change", ["token", "number", "address"])
def test_a_tampered_link_shows_nothing(browser, sessions, settings, change):
    number, path = _anonymous_ticket(sessions, settings)
    other, _ = _anonymous_ticket(sessions, settings)
    if change == "token":
        path = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    elif change == "number":
        path = path.replace(f"/tickets/{number}/", f"/tickets/{other}/")
    else:
        with session_scope(sessions) as s:
            ticket = s.scalar(select(Ticket).where(Ticket.number == number))
            ticket.requester_email = "someone-else@example.test"
    assert browser.get(path).status_code == 404
    reply = browser.post(f"{path}/reply", data={"body": "x", "csrf_token": csrf_of(browser)})
    assert reply.status_code == 404


def test_an_anonymous_ticket_joins_the_account_with_its_address_only_through_the_link(
    browser, sessions, settings
):
    with session_scope(sessions) as s:
        make_user(s, ["client"], "Org A", email="ann@example.test")
    number, path = _anonymous_ticket(sessions, settings, email="ann@example.test")
    login(browser, "ann@example.test", "correct horse")
    assert browser.get("/tickets").context["tickets"] == []  # typed by anyone: not hers yet
    opened = browser.get(path, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].endswith(f"/tickets/{number}")
    assert [t.number for t in browser.get("/tickets").context["tickets"]] == [number]
    assert browser.get(path, follow_redirects=False).status_code == 303  # read signed in now


def test_another_account_opening_the_link_does_not_take_the_ticket(browser, sessions, settings):
    with session_scope(sessions) as s:
        make_user(s, ["client"], email="mallory@example.test")
    number, path = _anonymous_ticket(sessions, settings, email="ann@example.test")
    login(browser, "mallory@example.test", "correct horse")
    assert browser.get(path).status_code == 200
    assert browser.get("/tickets").context["tickets"] == []
    with sessions() as s:
        assert s.scalar(select(Ticket.requester_id).where(Ticket.number == number)) is None
