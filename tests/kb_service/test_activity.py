"""Searches, views and token use are queued by requests and written by a background thread."""

import time
from datetime import timedelta

from sqlalchemy import delete, event, func, select

from kb_service.access import ANONYMOUS
from kb_service.accounts.models import ApiToken
from kb_service.accounts.service import token_use_due
from kb_service.activity import ActivityLog
from kb_service.articles.models import Article
from kb_service.db import utcnow
from kb_service.feedback.models import ArticleDailyViews, ArticleView
from kb_service.feedback.service import record_view
from kb_service.search.models import SearchEvent
from tests.builders import make_article, make_token


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_the_background_thread_writes_queued_views_about_once_a_second(sessions):
    with sessions.begin() as s:
        make_article(s, id="a")
    activity = ActivityLog(sessions, interval=0.05)
    activity.start()
    try:
        record_view(activity, ANONYMOUS, "a", "v")
        deadline = time.monotonic() + 5
        while _count(sessions, ArticleView) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _count(sessions, ArticleView) == 1
        record_view(activity, ANONYMOUS, "a", "v")
    finally:
        activity.stop()  # writes what is still queued
    with sessions() as s:
        assert s.scalar(select(ArticleDailyViews.views)) == 2


def test_a_view_of_an_article_deleted_meanwhile_does_not_lose_the_batch(sessions):
    with sessions.begin() as s:
        make_article(s, id="a")
        make_article(s, id="gone")
    activity = ActivityLog(sessions)
    record_view(activity, ANONYMOUS, "gone", "v")
    record_view(activity, ANONYMOUS, "a", "v")
    with sessions.begin() as s:
        s.execute(delete(Article).where(Article.id == "gone"))
    activity.flush()
    with sessions() as s:
        assert s.scalars(select(ArticleView.article_id)).all() == ["a"]


def test_a_token_use_is_worth_writing_once_a_minute():
    now = utcnow()
    assert token_use_due(None, now)
    assert not token_use_due(now - timedelta(seconds=59), now)
    assert token_use_due(now - timedelta(minutes=1), now)


def test_api_calls_queue_the_token_use_instead_of_writing_it(app, client, sessions):
    with sessions.begin() as s:
        token = make_token(s)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/search", params={"q": "x"}, headers=headers).status_code == 200
    with sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at)) is None
    app.state.activity.flush()
    with sessions() as s:
        first = s.scalar(select(ApiToken.last_used_at))
    assert first is not None
    client.get("/api/v1/search", params={"q": "x"}, headers=headers)
    app.state.activity.flush()
    with sessions() as s:
        assert s.scalar(select(ApiToken.last_used_at)) == first


def test_a_busy_second_is_written_in_a_few_statements_and_loses_nothing(sessions):
    # One statement per row would let go of the GIL at every row and hold SQLite's write
    # lock for seconds under load (bench/RESULTS.md, issue 9).
    with sessions.begin() as s:
        make_article(s, id="a")
    activity = ActivityLog(sessions)
    for n in range(1_200):
        activity.search(visit_id="v", viewer_kind="anonymous", user_id=None, query=f"q{n}",
                        result_count=1, created_at=utcnow())  # fmt: skip
        record_view(activity, ANONYMOUS, "a", f"v{n}")
    statements = []
    engine = sessions.kw["bind"]
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - the statement's text
    event.listen(engine, "before_cursor_execute", listen)
    try:
        activity.flush()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) <= 9  # 3 statements each for searches, views and daily counts
    assert _count(sessions, SearchEvent) == _count(sessions, ArticleView) == 1_200
    with sessions() as s:
        assert s.scalar(select(ArticleDailyViews.views)) == 1_200
