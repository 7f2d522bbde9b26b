"""The editors' side of readers' votes: "not helpful" with the reader's words, until handled.

Engineers' flags on articles live with the tickets (tickets.flag_queue); the portal shows both
in one queue. Only curators work it, and only on articles they may see.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kb_service.access import CURATOR_ROLES, Viewer, article_filter
from kb_service.accounts.models import User
from kb_service.articles.models import Article
from kb_service.errors import Forbidden, NotFound
from kb_service.feedback.models import ArticleFeedback


@dataclass(frozen=True)
class Vote:
    feedback: ArticleFeedback
    article_id: str
    article_title: str
    reader: str | None  # the signed-in reader's name; None for an anonymous visitor
    handled_by: str | None


def require_curator(viewer: Viewer) -> None:
    if not viewer.has_any(CURATOR_ROLES):
        raise Forbidden("the feedback queue is for editors")


def votes(session: Session, viewer: Viewer, *, handled: bool, limit: int = 100) -> list[Vote]:
    """Unhelpful votes with a comment, newest first: open ones, or those already handled."""
    require_curator(viewer)
    reader, handler = aliased(User), aliased(User)
    query = (
        _queued(viewer, handled)
        .add_columns(Article.id, Article.title, reader.name, handler.name)
        .outerjoin(reader, reader.id == ArticleFeedback.user_id)
        .outerjoin(handler, handler.id == ArticleFeedback.handled_by_id)
        .order_by(ArticleFeedback.created_at.desc(), ArticleFeedback.id.desc())
        .limit(limit)
    )
    return [Vote(*row) for row in session.execute(query)]


def count_votes(session: Session, viewer: Viewer, *, handled: bool) -> int:
    """How many votes `votes` would list without a limit."""
    require_curator(viewer)
    return session.scalar(select(func.count()).select_from(_queued(viewer, handled).subquery()))


def _queued(viewer: Viewer, handled: bool):
    state = (
        ArticleFeedback.handled_at.isnot(None) if handled else ArticleFeedback.handled_at.is_(None)
    )
    return (
        select(ArticleFeedback)
        .join(Article, Article.id == ArticleFeedback.article_id)
        .where(
            article_filter(viewer),
            ArticleFeedback.helpful.is_(False),
            ArticleFeedback.comment != "",
            state,
        )
    )


def mark_vote_handled(session: Session, viewer: Viewer, vote_id: int, now: datetime) -> None:
    """Take a vote off the open queue, remembering who dealt with it."""
    require_curator(viewer)
    vote = session.scalar(
        select(ArticleFeedback)
        .join(Article, Article.id == ArticleFeedback.article_id)
        .where(ArticleFeedback.id == vote_id, article_filter(viewer))
    )
    if vote is None:
        raise NotFound("no such vote")
    if vote.handled_at is None:
        vote.handled_at, vote.handled_by_id = now, viewer.user_id
        session.flush()
