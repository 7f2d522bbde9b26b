"""Responses kept for anonymous visitors (kb_service/response_cache.py): reused, never shared
across access keys, each visitor with their own tokens, activity still recorded, and gone
as soon as the index changes."""

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kb_service import outbox
from kb_service.feedback.models import ArticleView
from kb_service.response_cache import ResponseCache
from kb_service.search.models import SearchEvent
from tests.builders import make_article, make_ticket, make_token
from tests.portal.conftest import TOKEN_RE, csrf_of, login
from tickets import events as ticket_events

RUSSIAN = {"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}  # as the portal fixture
EVENT_RE = re.compile(r"[?&](?:amp;)?s=(\d+)")


def cache_of(app) -> ResponseCache:
    layer = app.middleware_stack
    while not isinstance(layer, ResponseCache):
        layer = layer.app
    return layer


def visitor(app) -> TestClient:
    """Another browser: a cookie jar of its own."""
    return TestClient(app, headers=RUSSIAN)


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_two_visitors_share_a_page_but_each_gets_their_own_csrf_token(portal):
    cache = cache_of(portal.app)
    first = portal.get("/")
    other = visitor(portal.app)
    second = other.get("/")
    assert cache.hits >= 1
    mine, theirs = TOKEN_RE.search(first.text), TOKEN_RE.search(second.text)
    assert mine and theirs and mine.group(1) != theirs.group(1)
    assert second.text.replace(theirs.group(1), mine.group(1)) == first.text
    # Each token is the one of its own session: a form posted with it is accepted.
    assert csrf_of(other, "/") == theirs.group(1)
    response = other.post("/language", data={"locale": "en", "csrf_token": theirs.group(1)})
    assert response.status_code < 400


def test_a_reused_page_keeps_the_visitors_session(portal):
    portal.get("/")
    token = csrf_of(portal, "/")
    assert csrf_of(portal, "/") == token  # a hit does not rotate an existing token


def test_the_etag_is_of_the_visitors_own_page(portal):
    first = portal.get("/")
    again = portal.get("/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    other = visitor(portal.app).get("/", headers={"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200 and other.headers["etag"] != first.headers["etag"]


def test_a_signed_in_client_never_gets_an_anonymous_page_nor_gives_one(portal):
    anonymous = visitor(portal.app)
    before = anonymous.get("/search", params={"q": "премиальная"})
    assert "Премиальная поддержка" not in before.text
    login(portal, "client@demo.spravka", "demo-client-pass")
    for _ in range(2):
        page = portal.get("/search", params={"q": "премиальная"})
        assert "Премиальная поддержка" in page.text
    after = anonymous.get("/search", params={"q": "премиальная"})
    assert "Премиальная поддержка" not in after.text
    home = portal.get("/")
    assert "client@demo.spravka" in home.text or home.context["account"] is not None
    assert anonymous.get("/").context["account"] is None


@pytest.mark.parametrize("path", ["/articles/kb-0051", "/articles/kb-0005"])
def test_a_restricted_article_is_never_served_from_the_cache(portal, path):
    login(portal, "engineer@demo.spravka", "demo-engineer-pass")
    assert portal.get(path).status_code == 200
    assert portal.get(path).status_code == 200
    for _ in range(2):
        assert visitor(portal.app).get(path).status_code == 404


def test_bearer_callers_are_not_served_anonymous_results(portal, sessions):
    with sessions.begin() as s:
        engineer = make_token(s, ["engineer"])
    anonymous = portal.get("/api/v1/search", params={"q": "сервисное меню"}).json()
    assert "kb-0005" not in {r["id"] for r in anonymous["results"]}
    staff = portal.get(
        "/api/v1/search",
        params={"q": "сервисное меню"},
        headers={"Authorization": f"Bearer {engineer}"},
    ).json()
    assert "kb-0005" in {r["id"] for r in staff["results"]}


def test_each_reused_search_is_recorded_with_its_own_id(portal, sessions):
    cache = cache_of(portal.app)
    ids = [portal.get("/api/v1/search", params={"q": "принтер"}).json()["search_id"]]
    ids.append(
        visitor(portal.app).get("/api/v1/search", params={"q": "принтер"}).json()["search_id"]
    )
    assert cache.hits >= 1 and len(set(ids)) == 2 and all(ids)
    portal.app.state.activity.flush()
    with sessions() as s:
        assert s.get(SearchEvent, ids[0]) and s.get(SearchEvent, ids[1])


def test_reused_result_pages_link_to_the_visitors_own_search(portal, sessions):
    first = portal.get("/search", params={"q": "принтер"})
    other = visitor(portal.app)
    second = other.get("/search", params={"q": "принтер"})
    mine, theirs = set(EVENT_RE.findall(first.text)), set(EVENT_RE.findall(second.text))
    assert len(mine) == 1 and len(theirs) == 1 and mine != theirs
    # The other visitor's click counts for their own search.
    event_id = int(theirs.pop())
    other.get(f"/articles/kb-0001?s={event_id}")
    portal.app.state.activity.flush()
    with sessions() as s:
        assert s.get(SearchEvent, event_id).clicked_article_id == "kb-0001"


def test_each_reused_article_page_counts_a_view(portal, sessions):
    for client in (portal, visitor(portal.app), visitor(portal.app)):
        assert client.get("/articles/kb-0001").status_code == 200
    assert cache_of(portal.app).hits >= 2
    portal.app.state.activity.flush()
    assert count(sessions, ArticleView) == 3


def test_a_visit_that_voted_sees_its_vote(portal):
    visitor(portal.app).get("/articles/kb-0001")  # kept, without a vote
    token = csrf_of(portal, "/articles/kb-0001")
    portal.post("/articles/kb-0001/feedback", data={"helpful": "no", "csrf_token": token})
    assert portal.get("/articles/kb-0001").context["vote"] is not None
    assert visitor(portal.app).get("/articles/kb-0001").context["vote"] is None


def test_a_withdrawn_article_leaves_the_cache_with_the_index(portal, sessions):
    with sessions.begin() as s:
        editor = make_token(s, ["editor"])
    auth = {"Authorization": f"Bearer {editor}"}
    assert portal.get("/articles/kb-0001").status_code == 200
    assert portal.get("/articles/kb-0001").status_code == 200
    version = portal.get("/api/v1/articles/kb-0001", headers=auth).json()["version"]
    changed = portal.patch(
        "/api/v1/articles/kb-0001",
        json={"groups": ["internal"]},
        headers={**auth, "If-Match": f'"{version}"'},
    )
    assert changed.status_code == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if visitor(portal.app).get("/articles/kb-0001").status_code == 404:
            break
        time.sleep(0.05)
    assert visitor(portal.app).get("/articles/kb-0001").status_code == 404
    found = portal.get("/api/v1/search", params={"q": "kb-0001"}).json()
    assert "kb-0001" not in {r["id"] for r in found["results"]}


def test_a_published_article_is_found_although_its_query_was_kept(portal, sessions):
    with sessions.begin() as s:
        editor = make_token(s, ["editor"])
    auth = {"Authorization": f"Bearer {editor}"}
    assert portal.get("/api/v1/search", params={"q": "zqfreshword"}).json()["total"] == 0
    body = {"id": "fresh", "title": "Zqfreshword", "language": "en", "body": "About it."}
    assert portal.post("/api/v1/articles", json=body, headers=auth).status_code == 201
    portal.post("/api/v1/articles/fresh/publish", headers=auth)
    started = time.monotonic()
    while time.monotonic() - started < 5:
        if portal.get("/api/v1/search", params={"q": "zqfreshword"}).json()["total"]:
            break
        time.sleep(0.02)
    assert time.monotonic() - started < 5


def test_desk_events_leave_kept_pages_and_an_article_save_replaces_them(portal, sessions):
    cache = cache_of(portal.app)
    portal.get("/search", params={"q": "принтер"})
    with sessions.begin() as s:  # what every ticket created, answered or moved writes
        ticket_events.emit(s, make_ticket(s, email="client@example.test"), "created")
    with sessions() as s:
        ticket_event = outbox.last_position(s)
    index = portal.app.state.search.index
    deadline = time.monotonic() + 5
    while index.position < ticket_event:  # the index feed has passed it by
        assert time.monotonic() < deadline
        time.sleep(0.02)
    index.refresh()  # as the feed thread would after a commit
    hits = cache.hits
    visitor(portal.app).get("/search", params={"q": "принтер"})
    assert cache.hits == hits + 1
    with sessions.begin() as s:
        make_article(s, id="zq-fresh", title="Zqfresh")
    misses = cache.misses
    visitor(portal.app).get("/search", params={"q": "принтер"})
    assert cache.misses == misses + 1
