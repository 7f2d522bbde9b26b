"""The whole support process over HTTP and real SMTP: a request arrives by e-mail, the
dispatcher classifies and assigns it, the engineer escalates to a vendor and resolves; the
dispatcher and the client get their mail at an SMTP server; the client confirms by the
mailed link and the ticket closes. A second ticket closes by itself, a third is rejected."""

import re
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from kb_service.app import create_app
from kb_service.db import utcnow
from kb_service.storage import AttachmentStore
from tests.builders import make_token, make_user
from tests.live_server import free_port, serving
from tests.portal.conftest import TOKEN_RE
from tests.tickets.smtp_inbox import start_smtp
from tickets import followups
from tickets.intake import service as intake
from tickets.models import Ticket

LINK = re.compile(r"(http://127\.0\.0\.1:\d+/tickets/\d+/access/[\w.-]+)")


@pytest.fixture
def desk(settings, sessions):
    """A served desk that mails through a real SMTP server, and its people."""
    controller, inbox = start_smtp(free_port())
    port = free_port()
    settings = settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": controller.port,
            "smtp_starttls": False,
            "smtp_from": "desk@spravka.test",
            "base_url": f"http://127.0.0.1:{port}",
        }
    )
    with sessions.begin() as s:
        make_user(s, ("dispatcher",), email="dispatcher@spravka.test", password=None)
        tokens = {
            "dispatcher": make_token(s, ("dispatcher",), email="first-line@spravka.test"),
            "engineer": make_token(s, ("engineer",), email="engineer@spravka.test"),
            "admin": make_token(s, ("admin",), email="admin@spravka.test"),
        }
    with serving(create_app(settings), port=port) as url:
        yield settings, url, tokens, inbox
    controller.stop()


def _mail_in(sessions, settings, sender: str, subject: str, body: str) -> str:
    raw = (
        f"From: Ivan Petrov <{sender}>\r\nTo: support@spravka.test\r\nSubject: {subject}\r\n"
        f"Message-ID: <{abs(hash(subject))}@client.test>\r\nContent-Type: text/plain; "
        f"charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()
    with sessions.begin() as s:
        taken = intake.take(s, AttachmentStore.of(settings), raw, "-", intake.limits_of(settings))
    assert taken.outcome == "ticket"
    return taken.ticket


def _wait_for(inbox, address: str, count: int, timeout: float = 20) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(inbox.to(address)) >= count:
            return inbox.to(address)
        time.sleep(0.1)
    raise AssertionError(f"{address} got {len(inbox.to(address))} of {count} messages")


def _act(url, token, number, action, **data):
    response = requests.post(
        f"{url}/api/v1/tickets/{number}/{action}",
        json=data,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, (action, response.text)
    return response.json()


def _by_link(link: str, action: str, text: str = "") -> requests.Response:
    """The client opens the mailed link in a browser session and presses a button."""
    with requests.Session() as browser:
        page = browser.get(link)
        assert page.status_code == 200
        token = TOKEN_RE.search(page.text).group(1)
        return browser.post(f"{link}/{action}", data={"csrf_token": token, "body": text})


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _status(sessions, number: str) -> str:
    with sessions() as s:
        return s.scalar(select(Ticket.status).where(Ticket.number == number))


def test_request_by_mail_to_confirmation_closure_by_timeout_and_rejection(desk, sessions):
    settings, url, tokens, inbox = desk
    me = requests.get(
        f"{url}/api/v1/users/me", headers={"Authorization": f"Bearer {tokens['engineer']}"}
    )
    engineer_id = me.json()["id"]
    vendor = requests.post(
        f"{url}/api/v1/outside-organisations",
        json={"name": "Acme Printers", "kind": "manufacturer", "email": "support@acme.test"},
        headers={"Authorization": f"Bearer {tokens['admin']}"},
    ).json()

    # 1. The request arrives by e-mail; the client and the dispatchers are told.
    number = _mail_in(sessions, settings, "ivan@client.test", "Принтер не печатает",
                      "После обновления принтер LP-2040 перестал печатать.")  # fmt: skip
    [ack] = _wait_for(inbox, "ivan@client.test", 1)
    assert f"#{number}" in ack["Subject"] and LINK.search(_text(ack))
    _wait_for(inbox, "dispatcher@spravka.test", 1)

    # 2. The dispatcher classifies and assigns; 3. the engineer escalates and resolves.
    _act(url, tokens["dispatcher"], number, "classify", priority="high")
    _act(url, tokens["dispatcher"], number, "assign", assignee_id=engineer_id)
    _wait_for(inbox, "engineer@spravka.test", 1)
    promised = (utcnow() + timedelta(days=3)).isoformat()
    escalated = _act(url, tokens["engineer"], number, "escalate_outside", outside_id=vendor["id"],
                     text="Fuser fault after the update", reference="ACME-4411",
                     promised_at=promised)  # fmt: skip
    assert escalated["escalations"][0]["reference"] == "ACME-4411"
    assert escalated["resolution_due_at"] is not None  # the deadline promised to the client
    resolved = _act(url, tokens["engineer"], number, "resolve",
                    text="Установите прошивку 3.3.1 от производителя.")  # fmt: skip
    assert resolved["status"] == "resolved" and resolved["solution_sent_at"]

    # The dispatcher is told of the solution, the client receives it with the link.
    dispatcher_mail = _wait_for(inbox, "dispatcher@spravka.test", 2)
    assert any(number in m["Subject"] for m in dispatcher_mail[1:])
    solution = _wait_for(inbox, "ivan@client.test", 2)[-1]
    assert "прошивку 3.3.1" in _text(solution)

    # 4. The client confirms by the link: the ticket closes.
    confirmed = _by_link(LINK.search(_text(solution)).group(1), "confirm")
    assert confirmed.status_code == 200
    assert _status(sessions, number) == "closed"

    # A second ticket: solved, the client says nothing, and it closes when its time is up.
    second = _mail_in(sessions, settings, "olga@client.test", "Сканер не видит сеть",
                      "Сканер не подключается к Wi-Fi.")  # fmt: skip
    _act(url, tokens["engineer"], second, "resolve", text="Перезагрузите точку доступа.")
    _wait_for(inbox, "olga@client.test", 2)
    with sessions.begin() as s:  # the contract's working days pass
        ticket = s.scalar(select(Ticket).where(Ticket.number == second))
        ticket.close_due_at = utcnow() - timedelta(minutes=1)
    assert followups.close_unanswered(sessions, settings) == 1
    assert _status(sessions, second) == "closed"
    closed_mail = _wait_for(inbox, "olga@client.test", 3)[-1]
    assert second in closed_mail["Subject"]

    # A third ticket: the client rejects the solution, and it is open again.
    third = _mail_in(sessions, settings, "petr@client.test", "Не работает VPN",
                     "VPN отключается каждые 5 минут.")  # fmt: skip
    _act(url, tokens["dispatcher"], third, "assign", assignee_id=engineer_id)
    _act(url, tokens["engineer"], third, "resolve", text="Обновите клиент VPN.")
    offer = _wait_for(inbox, "petr@client.test", 2)[-1]
    rejected = _by_link(LINK.search(_text(offer)).group(1), "reject", "Обновил, не помогло.")
    assert rejected.status_code == 200
    assert _status(sessions, third) == "open"
    told = _wait_for(inbox, "engineer@spravka.test", 3)
    assert any("Обновил, не помогло." in _text(m) for m in told)
