"""`/healthz`, `/readyz` and `/metrics`: what a load balancer and a monitoring system rely on."""

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from indexer.documents import Document
from indexer.index import SearchIndex
from kb_service import outbox
from kb_service.app import create_app
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.db import utcnow
from kb_service.observability import CACHE_SECONDS, lag_of
from kb_service.outbox import OutboxEvent
from tests.builders import auth, make_token
from tickets import desk
from tickets.desk import NewTicket

METRICS_TOKEN = "a-long-random-metrics-token-for-tests"


@pytest.fixture
def observed(settings, sessions):
    settings = settings.model_copy(update={"metrics_token": METRICS_TOKEN, "ready_max_lag": 5})
    with TestClient(create_app(settings)) as client:
        yield client


def test_healthz_answers_anyone(observed):
    response = observed.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_when_the_index_keeps_up_and_not_when_it_lags(observed, sessions):
    assert _ready(observed) == 200
    observed.app.state.feed.stop()  # the feed of this node stops applying the outbox
    with sessions.begin() as s:
        s.add(OutboxEvent(topic="article.saved", key="kb-x", payload={},
                          created_at=utcnow() - timedelta(seconds=60)))  # fmt: skip
    response = observed.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["checks"]["articles"]["ok"] is False and body["checks"]["database"]["ok"]
    assert body["checks"]["articles"]["lag_events"] == 1


def _ready(client) -> int:
    deadline = time.monotonic() + 5
    while (status := client.get("/readyz").status_code) != 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    return status


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("wrong token", 401), ("client", 403), ("engineer", 403),
     ("manager", 200), ("admin", 200), ("scraper", 200)],
)  # fmt: skip
def test_metrics_are_for_the_scraper_managers_and_admins(observed, sessions, who, status):
    headers = {}
    if who == "scraper":
        headers = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    elif who == "wrong token":
        headers = {"Authorization": "Bearer not-the-token"}
    elif who != "anonymous":
        with sessions.begin() as s:
            headers = auth(make_token(s, [who]))
    assert observed.get("/metrics", headers=headers).status_code == status


def test_metrics_count_requests_by_route_and_the_desk_from_the_database(observed, sessions):
    search = 'spravka_http_requests_total{method="GET",route="/api/v1/search",status="200"}'
    searches = "spravka_search_duration_seconds_count"
    scraped = _scrape(observed)  # counters live as long as the process: compare with before
    before, searches_before = _value(scraped, search), _value(scraped, searches)
    with sessions.begin() as s:
        for priority in ("high", "high", "normal"):
            new = NewTicket(subject="Не печатает", body="Совсем", priority=priority,
                            channel="phone", requester_email="a@example.test")  # fmt: skip
            desk.open_ticket(s, new)
    observed.get("/api/v1/search", params={"q": "принтер"})
    observed.get("/api/v1/tickets/123456")  # an id in the path never becomes a label
    time.sleep(CACHE_SECONDS)  # the database's numbers are counted at most this often
    text = _scrape(observed)
    assert _value(text, search) == before + 1
    assert _value(text, searches) == searches_before + 1
    assert 'route="/api/v1/tickets/{number}"' in text and "123456" not in text
    assert "spravka_http_request_duration_seconds_bucket{" in text
    assert _value(text, 'spravka_open_tickets{priority="high"}') == 2
    assert _value(text, 'spravka_open_tickets{priority="normal"}') == 1
    assert _value(text, 'spravka_sla_breached_open_tickets{priority="high"}') == 0
    assert _value(text, 'spravka_emails{status="failed"}') == 0
    assert _value(text, "spravka_intake_quarantined") == 0
    assert 'spravka_index_lag_events{index="articles"}' in text


def test_the_desks_events_are_no_lag_of_the_article_index_in_any_process(sessions, tmp_path):
    # The writing process passes them by without a commit (SearchIndex.apply), so another
    # process's index reads an older position: its lag counts only the articles' events.
    with sessions.begin() as s:
        outbox.emit(s, ARTICLE_TOPIC, "a")
        outbox.emit(s, "ticket", "1")
    writer = SearchIndex(tmp_path / "ix")
    with sessions() as s:
        article, ticket = s.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)).all()
    doc = Document(id="a", title="Printer", body="", language="en", groups=("public",), products=())
    writer.apply([doc], position=article)
    writer.apply([], position=ticket)
    reader = SearchIndex(tmp_path / "ix")
    with sessions() as s:
        assert lag_of(s, writer, (ARTICLE_TOPIC,))[0] == 0
        assert lag_of(s, reader, (ARTICLE_TOPIC,))[0] == 0
        assert lag_of(s, reader, ("ticket",))[0] == 1
        with sessions.begin() as later:
            outbox.emit(later, ARTICLE_TOPIC, "b")
        assert lag_of(s, reader, (ARTICLE_TOPIC,))[0] == 1


def _scrape(client) -> str:
    return client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text


def _value(text: str, series: str) -> float:
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.rsplit(" ", 1)[0] == series]  # fmt: skip
    return values[0] if values else 0.0
