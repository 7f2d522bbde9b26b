"""Article views and votes, and popular articles within visibility."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from kb_service.access import ANONYMOUS
from kb_service.activity import ActivityLog
from kb_service.db import utcnow
from kb_service.errors import NotFound
from kb_service.feedback.service import popular_articles, record_view, record_vote
from tests.builders import make_article


@pytest.fixture
def viewed(sessions):
    """Views of a, b and an internal article, written the way the app writes them."""
    with sessions.begin() as s:
        for article_id in ("a", "b", "c"):
            make_article(s, id=article_id)
        make_article(s, id="secret", groups=["internal"])
    activity = ActivityLog(sessions)
    for article_id, times in (("a", 1), ("b", 3), ("secret", 5)):
        for _ in range(times):
            record_view(activity, ANONYMOUS, article_id, "v")
        activity.flush()
    return activity


def test_popular_articles_are_the_most_viewed_visible_ones(viewed, session):
    assert [a.id for a in popular_articles(session, ANONYMOUS)] == ["b", "a"]


def test_popular_articles_count_the_last_30_days_only(viewed, session):
    later = utcnow() + timedelta(days=29)
    assert [a.id for a in popular_articles(session, ANONYMOUS, now=later)] == ["b", "a"]
    assert popular_articles(session, ANONYMOUS, now=later + timedelta(days=1)) == []


def test_popular_articles_read_daily_counts_not_every_view(viewed, session):
    statements = []
    engine = session.get_bind()
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        popular_articles(session, ANONYMOUS)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert any("article_daily_view" in s for s in statements)
    assert not any("article_view" in s for s in statements)


def test_a_vote_needs_a_visible_article(session):
    make_article(session, id="secret", groups=["internal"])
    with pytest.raises(NotFound):
        record_vote(session, ANONYMOUS, "secret", "v", helpful=True)
