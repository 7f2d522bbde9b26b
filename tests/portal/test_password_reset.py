"""Password reset by e-mail, end to end: the form, a real SMTP server, the link in the mail,
one use, expiry, the same answer for an unknown address, and other sessions ended."""

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts.models import PasswordReset
from kb_service.app import create_app
from tests.builders import make_user
from tests.portal.conftest import csrf_of, login
from tests.tickets.smtp_inbox import free_port, start_smtp

LINK = re.compile(r"http://portal\.example/password/reset/([A-Za-z0-9_-]+)")


@pytest.fixture
def inbox():
    port = free_port()
    controller, inbox = start_smtp(port)
    inbox.port = port
    yield inbox
    controller.stop()


@pytest.fixture
def mail_app(settings, sessions, inbox):
    changed = {"smtp_host": "127.0.0.1", "smtp_port": inbox.port, "smtp_starttls": False,
               "base_url": "http://portal.example", "password_reset_minutes": 30}  # fmt: skip
    return create_app(settings.model_copy(update=changed))


@pytest.fixture
def person(sessions):
    with sessions.begin() as s:
        make_user(s, ["client"], email="ann@reset.test", name="Ann", locale="en")


def browser(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def ask(client: TestClient, email: str):
    form = {"email": email, "csrf_token": csrf_of(client, "/password/forgot")}
    return client.post("/password/forgot", data=form)


def choose(client: TestClient, token: str, password: str, again: str | None = None):
    path = f"/password/reset/{token}"
    form = {"password": password, "again": again or password, "csrf_token": csrf_of(client, path)}
    return client.post(path, data=form)


def test_the_login_page_links_to_the_forgotten_password_form(mail_app):
    with browser(mail_app) as client:
        assert '/password/forgot"' in client.get("/login").text


def test_a_mailed_link_sets_a_new_password_once_and_ends_other_sessions(mail_app, person, inbox):
    with browser(mail_app) as elsewhere, browser(mail_app) as client:
        login(elsewhere, "ann@reset.test", "correct horse")
        assert elsewhere.get("/tickets").status_code == 200
        answer = ask(client, "Ann@Reset.test ")
        assert answer.status_code == 200 and answer.context["sent"]
        [message] = inbox.to("ann@reset.test")
        assert message["Auto-Submitted"] == "auto-generated"
        token = LINK.search(message.get_content()).group(1)
        assert "30 minutes" in message.get_content()

        assert client.get(f"/password/reset/{token}").context["state"] == "valid"
        assert choose(client, token, "new horse", "other horse").status_code == 422
        done = choose(client, token, "new horse battery")
        assert done.status_code == 303 and done.headers["location"].endswith("/login?reset=done")

        # The session opened before the reset is over; the new password works, the old not.
        assert elsewhere.get("/tickets").status_code == 303
        login(client, "ann@reset.test", "new horse battery")
        form = {"email": "ann@reset.test", "password": "correct horse"}
        form["csrf_token"] = csrf_of(elsewhere)
        assert elsewhere.post("/login", data=form).status_code == 401

        again = choose(client, token, "third horse battery")
        assert again.status_code == 410 and again.context["state"] == "used"
        assert "already" in client.get(f"/password/reset/{token}").text


def test_an_expired_link_is_refused(mail_app, person, inbox, sessions):
    with browser(mail_app) as client:
        ask(client, "ann@reset.test")
        token = LINK.search(inbox.to("ann@reset.test")[0].get_content()).group(1)
        with sessions.begin() as s:
            row = s.scalar(select(PasswordReset))
            row.expires_at = row.created_at + timedelta(minutes=30) - timedelta(hours=1)
        shown = client.get(f"/password/reset/{token}")
        assert shown.status_code == 410 and shown.context["state"] == "expired"
        assert choose(client, token, "new horse battery").status_code == 410
        login(client, "ann@reset.test", "correct horse")  # the password did not change


def test_an_unknown_address_gets_the_same_answer_and_no_mail(mail_app, person, inbox):
    with browser(mail_app) as client:
        unknown = ask(client, "nobody@reset.test")
        known = ask(client, "ann@reset.test")
        assert unknown.status_code == known.status_code == 200
        assert _text(unknown.text) == _text(known.text)
    assert inbox.to("nobody@reset.test") == []
    assert len(inbox.messages) == 1


def test_only_a_hash_of_the_token_is_stored(mail_app, person, inbox, sessions):
    with browser(mail_app) as client:
        ask(client, "ann@reset.test")
    token = LINK.search(inbox.messages[0][1].get_content()).group(1)
    with sessions() as s:
        stored = s.scalar(select(PasswordReset.token_hash))
    assert token not in stored and len(stored) == 64


def test_a_mistyped_link_says_so(mail_app):
    with browser(mail_app) as client:
        shown = client.get("/password/reset/not-a-token")
    assert shown.status_code == 404 and shown.context["state"] == "unknown"


def test_requests_for_one_address_are_throttled(mail_app, person, inbox):
    with browser(mail_app) as client:
        answers = [ask(client, "ann@reset.test").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 429, 429]
    assert len(inbox.to("ann@reset.test")) == 3


def _text(html: str) -> str:
    """The page without its per-request tokens."""
    return re.sub(r'value="[^"]*"', "", html)
