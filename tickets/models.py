"""Tickets, their conversation and attachments, and the ask-form visits that led (or not) to them.

A minimal model for the self-service portal; the service-desk issue extends it.
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.accounts.models import Organisation, User
from kb_service.articles.models import Article
from kb_service.catalogue.models import Product
from kb_service.db import Base, UTCDateTime, utcnow

# The service desk's migration branch ("tickets"), run after the core's by the assembler.
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the client and the desk call the ticket ("10042"); derived from the id on creation.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    requester_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # Always set: the signed-in requester's address, or the one an anonymous visitor gave.
    requester_email: Mapped[str] = mapped_column(String(254), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # Where it came in: "portal" here; e-mail and the API come with the intake issue.
    source: Mapped[str] = mapped_column(String(16), default="portal")
    # The article the client read before pressing "Still need help?", if any.
    article_id: Mapped[str | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"))
    # What the client searched, opened and was offered in the visit that ended in this ticket.
    trail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester: Mapped[User | None] = relationship(lazy="raise")
    product: Mapped[Product | None] = relationship(lazy="raise")
    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    article: Mapped[Article | None] = relationship(lazy="raise")
    messages: Mapped[list["TicketMessage"]] = relationship(
        lazy="raise", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["TicketAttachment"]] = relationship(
        lazy="raise", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )


class TicketMessage(Base):
    """One turn of the conversation; the answer that resolves a ticket is marked."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # "client" or "staff": who spoke, even after the author's account is gone.
    author_kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    is_resolution: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class TicketAttachment(Base):
    """A file sent with a ticket; kept in the database so every node of a cluster has it."""

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AskVisit(Base):
    """One opening of the ask form, and how it ended: a deflection, a ticket, or nothing."""

    __tablename__ = "ask_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The form's unguessable handle, so one visitor cannot act on another's visit.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # The portal visit: links the ask form to the searches and article views before it.
    visit_id: Mapped[str] = mapped_column(String(64), index=True)
    viewer_kind: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    # The article whose "Still need help?" opened the form.
    article_id: Mapped[str | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"))
    # None while open; "deflected" ("this solved my problem") or "ticket".
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    solved_article_id: Mapped[str | None] = mapped_column(
        ForeignKey("article.id", ondelete="SET NULL")
    )
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article | None] = relationship(foreign_keys=[article_id], lazy="raise")
    suggestions: Mapped[list["AskSuggestion"]] = relationship(
        lazy="raise", order_by="AskSuggestion.id", cascade="all, delete-orphan"
    )


class AskSuggestion(Base):
    """An article suggested live in the ask form: when first shown, and whether it was opened."""

    __tablename__ = "ask_suggestion"
    __table_args__ = (UniqueConstraint("ask_visit_id", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_visit_id: Mapped[int] = mapped_column(ForeignKey("ask_visit.id", ondelete="CASCADE"))
    article_id: Mapped[str] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"))
    # The client's text that first brought it up, cut short.
    query: Mapped[str] = mapped_column(String(500))
    rank: Mapped[int] = mapped_column(Integer)
    times_shown: Mapped[int] = mapped_column(Integer, default=1)
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    clicked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    article: Mapped[Article] = relationship(lazy="raise")
