"""The outbox is written in the same transaction as the article change."""

import pytest
from sqlalchemy import func, select

from kb_service import outbox
from kb_service.articles import service
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleCreate
from kb_service.outbox import OutboxEvent
from tests.builders import make_viewer


def test_every_article_save_writes_one_event(sessions):
    with sessions.begin() as s:
        editor = make_viewer(s, ["editor"])
        article = service.create_article(
            s, editor, ArticleCreate(id="x", title="T", body="B", language="en")
        )
        service.set_status(s, editor, "x", "published", article.version)
        service.set_status(s, editor, "x", "archived", None)
    with sessions() as s:
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
        assert [(e.topic, e.key, e.payload["status"]) for e in events] == [
            ("article.saved", "x", "draft"),
            ("article.saved", "x", "published"),
            ("article.saved", "x", "archived"),
        ]
        assert outbox.last_position(s) == events[-1].id
        assert [e.id for e in outbox.read_after(s, events[0].id)] == [e.id for e in events[1:]]


def test_a_rolled_back_change_leaves_no_event(sessions):
    with pytest.raises(RuntimeError), sessions.begin() as s:
        editor = make_viewer(s, ["editor"])
        service.create_article(s, editor, ArticleCreate(id="y", title="T", body="B", language="en"))
        raise RuntimeError("crash before commit")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 0
        assert s.get(Article, "y") is None


def test_the_newest_event_of_a_topic(sessions):
    with sessions.begin() as s:
        for topic in ("article.saved", "ticket", "article.saved", "ticket"):
            outbox.emit(s, topic, "k")
    with sessions() as s:
        ids = s.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)).all()
        assert outbox.last_position(s, "article.saved") == ids[2]
        assert outbox.last_position(s, "ticket") == ids[3] == outbox.last_position(s)
        assert outbox.last_position(s, "webhook") == 0
        assert outbox.last_position(s, "webhook", "article.saved") == ids[2]
        assert outbox.last_position(s, "article.saved", "ticket") == ids[3]
