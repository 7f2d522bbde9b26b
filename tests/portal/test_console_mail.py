"""The console's mail: without an SMTP server, what would have been sent is read here."""

from email import message_from_bytes
from email.policy import default

import pytest
from fastapi.testclient import TestClient

from kb_service.db import session_scope
from tests.builders import make_ticket, make_user
from tests.portal.conftest import csrf_of, login
from tickets.events import emit
from tickets.notifications import planner, sender


@pytest.fixture
def browser(app):
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


def _mailed(sessions, settings) -> None:
    with session_scope(sessions) as s:
        make_user(s, ["admin"], email="admin@example.test")
        make_user(s, ["manager"], email="manager@example.test")
        ticket = make_ticket(s, email="visitor@example.test", locale="en", subject="Paper jam")
        emit(s, ticket, "created", None, channel="portal")
    planner.plan(sessions, settings)
    sender.send_due(sessions, settings)


def test_an_administrator_reads_the_demos_mail(browser, sessions, settings):
    _mailed(sessions, settings)
    assert len(list(settings.mail_path.glob("*.eml"))) == 1
    login(browser, "admin@example.test", "correct horse")
    page = browser.get("/console/mail")
    assert page.template.name == "console/mail.html" and page.context["to_folder"]
    [message] = page.context["mail"]
    assert message.recipient == "visitor@example.test" and message.status == "sent"
    assert "Request received: Paper jam" in page.text
    shown = browser.get(f"/console/mail/{message.id}")
    assert "/access/" in shown.text and shown.context["message"].id == message.id


@pytest.mark.parametrize("who", [None, "manager@example.test"])
def test_nobody_else_reads_the_mail(browser, sessions, settings, who):
    _mailed(sessions, settings)
    if who:
        login(browser, who, "correct horse")
    assert browser.get("/console/mail").status_code == 403
    assert browser.get("/console/mail/1").status_code == 403


def test_a_demo_visitors_ticket_is_acknowledged_and_its_mailed_link_opens_it(
    browser, sessions, settings
):
    ask = browser.get("/ask").context["ask"].token
    text = {"subject": "Paper jam", "body": "The tray jams on every page."}
    form = {"ask": ask, "csrf_token": csrf_of(browser, "/ask"), "email": "visitor@example.test"}
    assert browser.post("/ask", data=form | text).template.name == "ask/sent.html"
    planner.plan(sessions, settings)  # the embedded worker may have done it already
    sender.send_due(sessions, settings)
    [mail] = [m for m in settings.mail_path.glob("*.eml") if b"To: visitor@" in m.read_bytes()]
    message = message_from_bytes(mail.read_bytes(), policy=default)
    link = next(line for line in message.get_content().splitlines() if "/access/" in line)
    page = browser.get(link.replace(settings.base_url, ""))
    assert page.template.name == "tickets/link.html" and "The tray jams" in page.text
