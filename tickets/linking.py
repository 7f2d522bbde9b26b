"""Tickets and the knowledge base: the articles suggested for a ticket, and the links staff
make between them ("used": it solved the ticket; "flagged": it is wrong or outdated;
"created": written from the ticket, see tickets/conversion.py).

Each link, flag and unlink writes a history row (staff only) and one outbox event, as every
desk action does; the link rows are what the knowledge measures count (shared/KCS.md).
Staff link only the articles they may read (kb_service.access decides), and every list of
links shown to someone holds only the articles that person may read: a client sees the
"used" articles of their solved ticket that are open to them, never the others.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer, can_read
from kb_service.articles import service as articles
from kb_service.articles.models import Article
from kb_service.db import utcnow
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.search.service import Hit, SearchService
from tickets import events, workflow
from tickets.models import Ticket, TicketArticle, TicketEvent

USED, CREATED, FLAGGED = "used", "created", "flagged"
RELATIONS = (USED, CREATED, FLAGGED)
FLAG_REASONS = ("wrong", "outdated")
# A ticket whose solution the client has (the resolution message is theirs to read).
SOLVED = ("resolved", "closed")
# The ticket history's actions of this module (the console names them: action.<name>).
HISTORY_ACTIONS = ("link_article", "flag_article", "unlink_article", "create_article")
SUGGESTIONS = 5
# The start of a long first message says what the problem is; the rest is logs and quotes.
QUERY_CHARS = 500
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Link:
    """A link as a page shows it: the article (readable by the viewer) and why it is there."""

    article: Article
    relation: str
    note: str
    by_id: int | None
    created_at: datetime

    @property
    def reason(self) -> str:
        return self.note.partition(": ")[0] if self.relation == FLAGGED else ""

    @property
    def comment(self) -> str:
        return self.note.partition(": ")[2] if self.relation == FLAGGED else self.note


def ticket_query(ticket: Ticket) -> str:
    """What the knowledge base is searched with for a ticket: its subject and first message."""
    return " ".join(f"{ticket.subject} {ticket.body[:QUERY_CHARS]}".split())


def suggest(search: SearchService, viewer: Viewer, ticket: Ticket) -> list[Hit]:
    """Articles matching the ticket that the viewer may read, the product's first."""
    text = ticket_query(ticket)
    product = ticket.product.code if ticket.product_id and ticket.product else None
    hits = search.similar(viewer, text, limit=SUGGESTIONS, product=product)
    if len(hits) < SUGGESTIONS and product:
        seen = frozenset(hit.id for hit in hits)
        hits += search.similar(viewer, text, limit=SUGGESTIONS - len(hits), exclude=seen)
    return hits


def find(session: Session, search: SearchService, viewer: Viewer, query: str) -> list[Hit]:
    """What the engineer typed, searched as they may see it (recorded like any search)."""
    if not query.strip():
        return []
    result, _ = search.search(session, viewer, query, limit=SUGGESTIONS)
    return result.hits


def links(session: Session, viewer: Viewer, ticket: Ticket) -> list[Link]:
    """The ticket's links to articles the viewer may read, oldest first."""
    rows = session.scalars(
        select(TicketArticle)
        .where(TicketArticle.ticket_id == ticket.id)
        .options(selectinload(TicketArticle.article).selectinload(Article.groups))
        .order_by(TicketArticle.created_at, TicketArticle.article_id)
    )
    return [
        Link(row.article, row.relation, row.note, row.by_id, row.created_at)
        for row in rows
        if can_read(viewer, row.article)
    ]


def used_articles(session: Session, viewer: Viewer, ticket: Ticket) -> list[Article]:
    """The articles that solved the ticket, those the viewer (its requester) may read."""
    return [
        link.article
        for link in links(session, viewer, ticket)
        if link.relation == USED and link.article.status == "published"
    ]


def solved_by(session: Session, requester: Viewer, ticket: Ticket) -> list[Article]:
    """What the client is shown with the solution: nothing before the ticket is solved."""
    if ticket.status not in SOLVED:
        return []
    return used_articles(session, requester, ticket)


def link(
    session: Session, viewer: Viewer, ticket: Ticket, article_id: str, now=None
) -> TicketArticle:
    """Record that the article solved the ticket ("used"); linking it again changes nothing."""
    _staff(viewer)
    article = articles.get_article(session, viewer, article_id)
    existing = session.get(TicketArticle, (ticket.id, article.id, USED))
    if existing is not None:
        return existing
    row = _add(session, viewer, ticket, article, USED, "", now or utcnow())
    _record(session, viewer, ticket, "link_article", article.id, USED, now)
    return row


def flag(
    session: Session,
    viewer: Viewer,
    ticket: Ticket,
    article_id: str,
    reason: str,
    comment: str = "",
    now=None,
) -> TicketArticle:
    """Flag an article met on the ticket as wrong or outdated, with a comment for its editor."""
    _staff(viewer)
    if reason not in FLAG_REASONS:
        raise Invalid(
            f"the reason is one of {', '.join(FLAG_REASONS)}",
            errors=[{"where": "reason", "message": "invalid"}],
        )
    comment = " ".join(comment.split())
    if len(comment) > MAX_COMMENT:
        raise Invalid("the comment is too long", errors=[{"where": "comment", "message": "long"}])
    article = articles.get_article(session, viewer, article_id)
    now = now or utcnow()
    note = f"{reason}: {comment}"
    row = session.get(TicketArticle, (ticket.id, article.id, FLAGGED))
    if row is None:
        row = _add(session, viewer, ticket, article, FLAGGED, note, now)
    else:
        row.note, row.by_id, row.created_at = note, viewer.user_id, now
    _record(session, viewer, ticket, "flag_article", article.id, FLAGGED, now, reason=note)
    return row


def unlink(session: Session, viewer: Viewer, ticket: Ticket, article_id: str, now=None) -> None:
    """Take back a "used" link (a mistake); "created" and flags stay as the record of work."""
    _staff(viewer)
    article = articles.get_article(session, viewer, article_id)
    row = session.get(TicketArticle, (ticket.id, article.id, USED))
    if row is None:
        raise NotFound(f"article {article_id!r} is not linked to ticket {ticket.number}")
    session.delete(row)
    session.flush()
    _record(session, viewer, ticket, "unlink_article", article.id, USED, now, unlinked=True)


def record_created(session: Session, viewer: Viewer, ticket: Ticket, article: Article, now=None):
    """Tie an article written from the ticket to it ("created")."""
    now = now or utcnow()
    row = _add(session, viewer, ticket, article, CREATED, "", now)
    _record(session, viewer, ticket, "create_article", article.id, CREATED, now)
    return row


def _add(session, viewer: Viewer, ticket: Ticket, article: Article, relation, note, now):
    row = TicketArticle(
        ticket_id=ticket.id,
        article_id=article.id,
        relation=relation,
        by_id=viewer.user_id,
        note=note,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _record(
    session,
    viewer: Viewer,
    ticket: Ticket,
    action: str,
    article_id: str,
    relation: str,
    now,
    *,
    reason: str = "",
    unlinked: bool = False,
) -> None:
    """The history row (staff only) and the outbox event of a link."""
    change = [article_id, None] if unlinked else [None, article_id]
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=viewer.user_id,
            action=action,
            changes={"article": change},
            reason=reason,
            is_internal=True,
            created_at=now or utcnow(),
        )
    )
    event = "article_unlinked" if unlinked else "article_linked"
    events.emit(session, ticket, event, viewer.user_id, article=article_id, relation=relation)
    session.flush()


def _staff(viewer: Viewer) -> None:
    if not viewer.has_any(workflow.STAFF):
        raise Forbidden("only the desk's staff link tickets and articles")
