"""CSRF on every form, throttled logins, safe article HTML, error pages and security headers."""

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kb_service.accounts.throttle import ACCOUNT_AT_ADDRESS
from kb_service.app import create_app
from portal.views import account, articles, ask, home, products, search, tickets
from portal.views.console import new_ticket, overview, queue, ticket
from tests.builders import make_article, make_user
from tests.portal.conftest import csrf_of, login


def _portal_posts(app) -> list[str]:
    """Every POST route of the portal's routers (all of which the app includes)."""
    return [
        route.path
        for module in PORTAL_VIEWS + CONSOLE_VIEWS
        for route in module.router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]


PORTAL_VIEWS = (account, articles, ask, home, products, search, tickets)
CONSOLE_VIEWS = (queue, ticket, new_ticket, overview)


def _concrete(path: str) -> str:
    return (path.replace("{article_id}", "kb-0001").replace("{token}", "x")
            .replace("{number}", "10001").replace("{action}", "reply"))  # fmt: skip


def test_the_portal_has_the_expected_forms(app):
    assert set(_portal_posts(app)) >= {"/login", "/logout", "/language", "/ask", "/ask/suggest",
                                       "/ask/{token}/solved", "/articles/{article_id}/feedback",
                                       "/tickets/{number}/{action}", "/console/new",
                                       "/console/tickets/{number}/{action}"}  # fmt: skip


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_every_form_rejects_a_missing_or_wrong_csrf_token(app, portal, token):
    csrf_of(portal)  # the session has a token; the request below does not send it
    for path in _portal_posts(app):
        data = {"csrf_token": token} if token else {}
        response = portal.post(_concrete(path), data=data, follow_redirects=False)
        assert response.status_code == 403, path
        assert response.template.name == "error.html"
        assert response.context["kind"] == "csrf"
        assert "Форма устарела" in response.text


def test_an_htmx_request_may_send_the_token_as_a_header(portal):
    token = csrf_of(portal)
    response = portal.post(
        "/language", data={"locale": "en", "next": "/"}, headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303


def test_login_and_logout(portal):
    response = portal.post("/login", data={"email": "client@demo.spravka",
                           "password": "demo-client-pass", "csrf_token": csrf_of(portal)},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    assert response.headers["location"] == "/tickets"
    assert portal.get("/tickets").template.name == "tickets/index.html"
    portal.post("/logout", data={"csrf_token": csrf_of(portal, "/")})
    assert portal.get("/tickets", follow_redirects=False).status_code == 303


def test_the_session_cookie_is_http_only_and_same_site_lax(portal):
    cookie = portal.get("/").headers.get("set-cookie", "")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()


def _attempt(client, password, email="client@demo.spravka"):
    return client.post("/login", data={"email": email, "password": password,
                       "csrf_token": csrf_of(client)}, follow_redirects=False)  # fmt: skip


def test_repeated_failed_logins_are_throttled(portal):
    for _ in range(ACCOUNT_AT_ADDRESS.free):
        assert _attempt(portal, "wrong").status_code == 401
    response = _attempt(portal, "demo-client-pass")
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.text


def test_failures_from_another_address_do_not_slow_the_owner(app, demo):
    with TestClient(app, client=("203.0.113.7", 40000)) as attacker:
        for _ in range(ACCOUNT_AT_ADDRESS.free + 3):
            assert _attempt(attacker, "guess").status_code in (401, 429)
        assert _attempt(attacker, "demo-client-pass").status_code == 429
    with TestClient(app, client=("198.51.100.2", 40000)) as owner:
        assert _attempt(owner, "demo-client-pass").status_code == 303


def test_failures_count_in_every_process(settings, demo):
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as one, TestClient(second) as other:
        for _ in range(ACCOUNT_AT_ADDRESS.free):
            assert _attempt(one, "wrong").status_code == 401
        assert _attempt(other, "demo-client-pass").status_code == 429


def test_open_redirects_are_refused(portal):
    token = csrf_of(portal)
    response = portal.post("/language", data={"locale": "en", "next": "//evil.test/",
                           "csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert response.headers["location"] == "/"


def test_article_html_cannot_run_script(sessions, app):
    from fastapi.testclient import TestClient

    with sessions.begin() as s:
        hostile = (
            "Hi <script>alert(1)</script> <img src=x onerror=alert(2)> "
            '<a href="javascript:alert(3)">x</a> <iframe src="https://evil.test"></iframe>'
        )
        make_article(s, id="xss", title="Hostile", body=hostile)
    with TestClient(app) as client:
        response = client.get("/articles/xss")
    body = response.text.split('<div class="article-body">')[1].split("</div>")[0]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body
    assert "<iframe" not in body
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_portal_errors_are_pages_and_api_errors_problem_json(portal):
    page = portal.get("/articles/kb-0005")  # internal: for anonymous it does not exist
    assert page.status_code == 404 and page.template.name == "error.html"
    assert "Сервисное меню" not in page.text
    api = portal.get("/api/v1/articles/kb-0005")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert portal.get("/no/such/page").template.name == "error.html"


def test_a_staff_session_reaches_the_console_and_a_client_does_not(sessions, app):
    from fastapi.testclient import TestClient

    from tests.portal.conftest import login

    with sessions.begin() as s:
        make_user(s, ["engineer"], email="eng@x.test")
        make_user(s, ["client"], organisation="Org", email="cli@x.test")
    with TestClient(app) as staff, TestClient(app) as client:
        login(staff, "eng@x.test", "correct horse")
        login(client, "cli@x.test", "correct horse")
        assert staff.get("/console").template.name == "console/queue.html"
        assert client.get("/console").status_code == 403


def test_an_unexpected_error_is_an_error_page(settings, sessions, monkeypatch):
    from fastapi.testclient import TestClient

    from kb_service.app import create_app
    from portal.views import home

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(home, "families", broken)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert "boom" not in response.text and "<html" in response.text


def test_api_writes_riding_on_the_portal_cookie_need_the_csrf_token(portal):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    body = {"title": "Forged", "body": "x", "language": "en"}
    forged = portal.post("/api/v1/articles", json=body)
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"
    token = csrf_of(portal, "/")
    assert (
        portal.post("/api/v1/articles", json=body, headers={"X-CSRF-Token": token}).status_code
        == 201
    )
    assert portal.get("/api/v1/articles/kb-0001").status_code == 200


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_authorization_header_does_not_skip_the_csrf_check(portal, blank):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    body = {"title": "Forged", "body": "x", "language": "en"}
    forged = portal.post("/api/v1/articles", json=body, headers={"Authorization": blank})
    assert forged.status_code == 403, forged.text
