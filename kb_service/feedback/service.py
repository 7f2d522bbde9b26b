"""Recording article views and votes, and the most read articles a viewer may see."""

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kb_service.access import ANONYMOUS, Viewer, article_filter
from kb_service.activity import ActivityLog
from kb_service.articles.models import Article
from kb_service.articles.service import LOAD, get_article
from kb_service.articles.translated import shown_in
from kb_service.browser_session import ensure_visit
from kb_service.db import utcnow
from kb_service.feedback.models import ArticleDailyViews, ArticleFeedback

MAX_COMMENT = 4000


def record_view(
    activity: ActivityLog, viewer: Viewer, article_id: str, visit_id: str | None
) -> None:
    """Remember that the viewer opened a (visible) article in this visit."""
    activity.view(
        article_id=article_id,
        visit_id=visit_id,
        viewer_kind=viewer.kind,
        user_id=viewer.user_id,
        created_at=utcnow(),
    )


def view_replay(activity: ActivityLog, article_id: str):
    """What a reused anonymous article page records: a view in the reusing visitor's visit."""

    def replay(session: dict) -> dict[str, str]:
        record_view(activity, ANONYMOUS, article_id, ensure_visit(session))
        return {}

    return replay


def record_vote(
    session: Session,
    viewer: Viewer,
    article_id: str,
    visit_id: str,
    *,
    helpful: bool,
    comment: str = "",
) -> ArticleFeedback:
    """Record "did this help?" for a visible article; voting again in a visit replaces it."""
    article = get_article(session, viewer, article_id)
    vote = session.scalar(
        select(ArticleFeedback).where(
            ArticleFeedback.article_id == article.id, ArticleFeedback.visit_id == visit_id
        )
    )
    if vote is None:
        vote = ArticleFeedback(article_id=article.id, visit_id=visit_id)
        session.add(vote)
    vote.viewer_kind = viewer.kind
    vote.user_id = viewer.user_id
    vote.helpful = helpful
    vote.comment = comment.strip()[:MAX_COMMENT]
    vote.created_at = utcnow()
    session.flush()
    return vote


def vote_of_visit(session: Session, article_id: str, visit_id: str) -> ArticleFeedback | None:
    return session.scalar(
        select(ArticleFeedback).where(
            ArticleFeedback.article_id == article_id, ArticleFeedback.visit_id == visit_id
        )
    )


def popular_articles(
    session: Session,
    viewer: Viewer,
    *,
    limit: int = 6,
    now: datetime | None = None,
    days: int = 30,
    language: str | None = None,
) -> list[Article]:
    """The visible published articles opened most often in the last `days` UTC days; an
    article with a translation once, in ``language`` where the viewer may read it."""
    since = (now or utcnow()).date() - timedelta(days=days - 1)
    views = (
        select(ArticleDailyViews.article_id, func.sum(ArticleDailyViews.views).label("views"))
        .where(ArticleDailyViews.day >= since)
        .group_by(ArticleDailyViews.article_id)
        .subquery()
    )
    query = (
        select(Article)
        .join(views, views.c.article_id == Article.id)
        .where(article_filter(viewer), Article.status == "published")
        .options(*LOAD)
        .order_by(views.c.views.desc(), Article.id)
        .limit(2 * limit)  # a group of translations is at most two: enough to leave `limit`
    )
    return shown_in(session, viewer, list(session.scalars(query)), language, limit, LOAD)
