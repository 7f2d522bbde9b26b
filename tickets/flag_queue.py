"""Engineers' flags on articles ("wrong", "outdated": a "flagged" link with the reason in its
note) as the editors' feedback queue reads them, until an editor marks one handled."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from kb_service.access import Viewer, article_filter
from kb_service.accounts.models import User
from kb_service.articles.models import Article
from kb_service.errors import NotFound
from kb_service.feedback.queue import require_curator
from tickets.models import Ticket, TicketArticle

FLAGGED = "flagged"


@dataclass(frozen=True)
class Flag:
    link: TicketArticle
    ticket_number: str
    article_title: str
    engineer: str | None
    handled_by: str | None


def flags(session: Session, viewer: Viewer, *, handled: bool, limit: int = 100) -> list[Flag]:
    """Flags on articles the viewer may see, newest first: open ones, or handled ones."""
    require_curator(viewer)
    engineer, handler = aliased(User), aliased(User)
    query = (
        _queued(viewer, handled)
        .add_columns(Ticket.number, Article.title, engineer.name, handler.name)
        .join(Ticket, Ticket.id == TicketArticle.ticket_id)
        .outerjoin(engineer, engineer.id == TicketArticle.by_id)
        .outerjoin(handler, handler.id == TicketArticle.handled_by_id)
        .order_by(TicketArticle.created_at.desc(), TicketArticle.ticket_id.desc())
        .limit(limit)
    )
    return [Flag(*row) for row in session.execute(query)]


def count_flags(session: Session, viewer: Viewer, *, handled: bool) -> int:
    """How many flags `flags` would list without a limit."""
    require_curator(viewer)
    return session.scalar(select(func.count()).select_from(_queued(viewer, handled).subquery()))


def _queued(viewer: Viewer, handled: bool):
    state = TicketArticle.handled_at.isnot(None) if handled else TicketArticle.handled_at.is_(None)
    return (
        select(TicketArticle)
        .join(Article, Article.id == TicketArticle.article_id)
        .where(TicketArticle.relation == FLAGGED, article_filter(viewer), state)
    )


def mark_flag_handled(
    session: Session, viewer: Viewer, ticket_id: int, article_id: str, now: datetime
) -> None:
    """Take a flag off the open queue, remembering who dealt with it."""
    require_curator(viewer)
    link = session.scalar(
        select(TicketArticle)
        .join(Article, Article.id == TicketArticle.article_id)
        .where(
            TicketArticle.ticket_id == ticket_id,
            TicketArticle.article_id == article_id,
            TicketArticle.relation == FLAGGED,
            article_filter(viewer),
        )
    )
    if link is None:
        raise NotFound("no such flag")
    if link.handled_at is None:
        link.handled_at, link.handled_by_id = now, viewer.user_id
        session.flush()
