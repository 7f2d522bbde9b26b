"""Topics mined from solved tickets: a proposed article for the editors, with its evidence.

A topic keeps its id while its group lasts, so an editor's link or a note about it stays
good across regroupings; once an editor acts on it (an article, or dismissed) mining never
touches it again.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow

OPEN, ARTICLE, DISMISSED = "open", "article", "dismissed"
STATES = (OPEN, ARTICLE, DISMISSED)


class MinedTopic(Base):
    __tablename__ = "mined_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Proposed: the subject of the ticket nearest the group's centre.
    title: Mapped[str] = mapped_column(String(300))
    # Proposed article body (Markdown): the problem and the best solutions of its tickets.
    draft: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    # "ru" or "en": the language most of its tickets are written in.
    language: Mapped[str] = mapped_column(String(2))
    # One of STATES; only open topics are regrouped.
    state: Mapped[str] = mapped_column(String(16), default=OPEN, index=True)
    # The article an editor made of it.
    article_id: Mapped[str | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"))
    acted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MinedTicket(Base):
    """A ticket's place in a topic: the evidence. A ticket is in one topic at most."""

    __tablename__ = "mined_ticket"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("mined_topic.id", ondelete="CASCADE"), index=True
    )
