"""A person chooses the notifications they get, from the link at the foot of every mail."""

import pytest
from fastapi.testclient import TestClient

from kb_service.db import session_scope
from tests.builders import make_user
from tests.portal.conftest import csrf_of, login


@pytest.fixture
def browser(app):
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        yield client


def test_a_client_turns_off_replies_and_keeps_closure(browser, sessions):
    with session_scope(sessions) as s:
        make_user(s, ["client"], email="ann@example.test")
    login(browser, "ann@example.test", "correct horse")
    page = browser.get("/account/notifications")
    assert page.template.name == "account/notifications.html"
    assert page.context["choices"] == {"replied": True, "closed": True}
    token = csrf_of(browser, "/account/notifications")
    saved = browser.post("/account/notifications", data={"events": ["closed"], "csrf_token": token})
    assert saved.context["choices"] == {"replied": False, "closed": True}
    assert browser.get("/account/notifications").context["choices"]["replied"] is False


def test_staff_choose_among_the_desks_events(browser, sessions):
    with session_scope(sessions) as s:
        make_user(s, ["engineer"], email="eve@example.test")
    login(browser, "eve@example.test", "correct horse")
    choices = browser.get("/account/notifications").context["choices"]
    assert {"assigned", "client_replied", "sla_warning"} <= choices.keys()
    assert "sla_breached" not in choices  # always sent


def test_an_anonymous_visitor_is_sent_to_sign_in(browser):
    response = browser.get("/account/notifications", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login?next=/account/notifications")
