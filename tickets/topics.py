"""What editors do with mined topics: read them with their evidence, turn one into a draft
article (or a standard answer) in one step, or dismiss it.

Turning a topic into an article links every one of its tickets to the article as "created",
so they count as covered (KCS: article creation from work) and leave mining for good.
"""

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kb_service.access import CURATOR_ROLES, INTERNAL, Viewer
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleCreate
from kb_service.articles.service import create_article
from kb_service.db import utcnow
from kb_service.errors import Conflict, Forbidden, NotFound
from tickets.mining_models import ARTICLE, DISMISSED, OPEN, MinedTicket, MinedTopic
from tickets.models import Ticket, TicketArticle

# Editors curate the knowledge base; managers and admins stand in for them.
EDITORS = CURATOR_ROLES
# A draft made from tickets starts visible to staff only: its text came from clients.
DRAFT_GROUPS = [INTERNAL]


@dataclass(frozen=True)
class Evidence:
    number: str  # as the desk shows it (the console's ticket page)
    import_id: str | None
    subject: str

    @property
    def reference(self) -> str:
        """The id `spravka mine --json` names it by: the import id, else the number."""
        return self.import_id or self.number


@dataclass(frozen=True)
class Topic:
    topic: MinedTopic
    tickets: list[Evidence]


def require_editor(viewer: Viewer) -> None:
    if not viewer.has_any(EDITORS):
        raise Forbidden("mined topics are for editors")


def open_topics(session: Session, limit: int | None = None) -> list[Topic]:
    """Open topics, largest first, each with its tickets (oldest first)."""
    query = select(MinedTopic).where(MinedTopic.state == OPEN)
    topics = list(
        session.scalars(query.order_by(MinedTopic.size.desc(), MinedTopic.id).limit(limit))
    )
    evidence: dict[int, list[Evidence]] = {t.id: [] for t in topics}
    rows = session.execute(
        select(MinedTicket.topic_id, Ticket.number, Ticket.import_id, Ticket.subject)
        .join(Ticket, Ticket.id == MinedTicket.ticket_id)
        .where(MinedTicket.topic_id.in_(list(evidence)))
        .order_by(Ticket.id)
    )
    for topic_id, number, import_id, subject in rows:
        evidence[topic_id].append(Evidence(number, import_id, subject))
    return [Topic(t, evidence[t.id]) for t in topics]


def clusters(session: Session, limit: int | None = None) -> dict:
    """The open topics as `spravka mine --json` prints them (DESIGN.md), largest first."""
    return {
        "clusters": [
            {
                "tickets": [e.reference for e in topic.tickets],
                "title": topic.topic.title,
                "draft": topic.topic.draft,
                "size": topic.topic.size,
            }
            for topic in open_topics(session, limit)
        ]
    }


def turn_into_article(
    session: Session, viewer: Viewer, topic_id: int, standard_answer: bool = False
) -> Article:
    """A draft article from the topic, by this editor, linked to all its tickets as created."""
    topic = _open_topic(session, viewer, topic_id)
    data = ArticleCreate(
        title=topic.title, body=topic.draft, language=topic.language, groups=DRAFT_GROUPS
    )
    article = create_article(session, viewer, data)
    if standard_answer:
        # Not part of the versioned text: set without bumping the draft's version.
        session.execute(
            update(Article).where(Article.id == article.id).values(standard_answer=True)
        )
        session.refresh(article, ["standard_answer"])
    tickets = session.scalars(select(MinedTicket.ticket_id).where(MinedTicket.topic_id == topic.id))
    for ticket_id in tickets.all():
        session.add(
            TicketArticle(
                ticket_id=ticket_id, article_id=article.id, relation="created", by_id=viewer.user_id
            )
        )
    _act(topic, viewer, ARTICLE)
    topic.article_id = article.id
    session.flush()
    return article


def dismiss(session: Session, viewer: Viewer, topic_id: int) -> MinedTopic:
    """Not worth an article: the topic and its tickets leave mining."""
    topic = _open_topic(session, viewer, topic_id)
    _act(topic, viewer, DISMISSED)
    session.flush()
    return topic


def _open_topic(session: Session, viewer: Viewer, topic_id: int) -> MinedTopic:
    require_editor(viewer)
    topic = session.get(MinedTopic, topic_id, with_for_update=True)
    if topic is None:
        raise NotFound(f"no mined topic {topic_id}")
    if topic.state != OPEN:
        raise Conflict(f"topic {topic_id} was already acted on ({topic.state})")
    return topic


def _act(topic: MinedTopic, viewer: Viewer, state: str) -> None:
    topic.state = state
    topic.acted_by_id = viewer.user_id
    topic.updated_at = utcnow()
