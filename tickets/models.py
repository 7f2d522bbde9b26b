"""The service desk's records: tickets with their conversation, history and escalations,
the support groups and categories they are sorted into, outside organisations they are
escalated to, and the ask-form visits that led (or not) to them.

Each room of the desk keeps its own models beside its service (contracts/, notifications/,
intake/, planning/); they are loaded at the end of this module so the metadata is whole.
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.accounts.models import Organisation, User
from kb_service.articles.models import Article
from kb_service.catalogue.models import Equipment, Product
from kb_service.db import Base, UTCDateTime, utcnow

PRIORITIES = ("low", "normal", "high", "urgent")
CHANNELS = ("portal", "email", "api", "phone")

# The service desk's migration branch ("tickets"), run after the core's by the assembler.
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


class Ticket(Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    # What the client and the desk call the ticket ("10042"); derived from the id on creation.
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The `id` of an imported ticket (`spravka import tickets`): a second import updates it.
    import_id: Mapped[str | None] = mapped_column(String(100), unique=True)
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
    # The channel it came in by: one of CHANNELS.
    source: Mapped[str] = mapped_column(String(16), default="portal")
    # Who the request is from when that person has no account (e-mail, a phone call).
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    requester_phone: Mapped[str] = mapped_column(String(40), default="")
    # The language the requester is written to in ("ru" or "en").
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    priority: Mapped[str] = mapped_column(String(16), default="normal", index=True)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_category.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_group.id", ondelete="SET NULL"), index=True
    )
    # Set once the dispatcher has looked at it and sorted it (category, product, priority).
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The service contract whose terms set the deadlines (None: the default terms).
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_contract.id", ondelete="SET NULL")
    )
    # Deadlines of the contract's terms, kept computed for the queues (tickets/sla.py).
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    sla_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The solution went to the client at this time; the ticket closes by itself at close_due_at.
    solution_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Bumped by every change, so two agents saving at once cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The installed item the request is about (the client's, or chosen by the desk); its
    # product becomes the ticket's, and the desk sees its warranty and contract.
    equipment_id: Mapped[str | None] = mapped_column(
        ForeignKey("equipment.id", ondelete="SET NULL"), index=True
    )
    # The article the client read before pressing "Still need help?", if any.
    article_id: Mapped[str | None] = mapped_column(ForeignKey("article.id", ondelete="SET NULL"))
    # What the client searched, opened and was offered in the visit that ended in this ticket.
    trail: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed for the reports, which count tickets resolved or closed in a period.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id], lazy="raise")
    product: Mapped[Product | None] = relationship(lazy="raise")
    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    equipment: Mapped[Equipment | None] = relationship(lazy="raise")
    article: Mapped[Article | None] = relationship(lazy="raise")
    category: Mapped["TicketCategory | None"] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="raise")
    group: Mapped["SupportGroup | None"] = relationship(lazy="raise")
    messages: Mapped[list["TicketMessage"]] = relationship(
        lazy="raise", order_by="TicketMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["TicketAttachment"]] = relationship(
        lazy="raise", order_by="TicketAttachment.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["TicketEvent"]] = relationship(
        lazy="raise", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    escalations: Mapped[list["Escalation"]] = relationship(
        lazy="raise", order_by="Escalation.id", cascade="all, delete-orphan"
    )
    articles: Mapped[list["TicketArticle"]] = relationship(
        lazy="raise", order_by="TicketArticle.created_at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class TicketMessage(Base):
    """One turn of the conversation; the answer that resolves a ticket is marked."""

    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # "client", "staff" or "system": who spoke, even after the author's account is gone.
    author_kind: Mapped[str] = mapped_column(String(16))
    # The sender's address when the message came by e-mail.
    author_email: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text)
    is_resolution: Mapped[bool] = mapped_column(Boolean, default=False)
    # An internal note: staff only, never shown or sent to the client.
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="portal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(lazy="raise")


class TicketAttachment(Base):
    """A file sent with a ticket or one of its messages.

    Its bytes live in the attachment store by content hash (kb_service/storage.py), not in the
    database; `content` only holds files saved before the store existed.
    """

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # Internal attachments go with internal notes: staff only.
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TicketEvent(Base):
    """One change of a ticket, for its history: who, when, what (field: [before, after])."""

    __tablename__ = "ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # The action of the workflow ("assign", "resolve", ...) or "system" jobs' ("auto_close").
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    # Shown to the client too (status changes), or staff only (assignment, notes).
    is_internal: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped[User | None] = relationship(lazy="raise")


# The categories migration t0002 gives a fresh desk (editable through the API).
SEEDED_CATEGORIES = ("fault", "question", "service-request", "complaint")


class TicketCategory(Base):
    """What kind of request it is (a fault, a question, a request for a visit, ...)."""

    __tablename__ = "ticket_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


support_group_member = Table(
    "support_group_member",
    Base.metadata,
    Column("group_id", ForeignKey("support_group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class SupportGroup(Base):
    """A team of the desk that tickets are assigned to; tier 1 is the first line."""

    __tablename__ = "support_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    tier: Mapped[int] = mapped_column(Integer, default=1)
    email: Mapped[str] = mapped_column(String(254), default="")

    members: Mapped[list[User]] = relationship(secondary=support_group_member, lazy="raise")


class OutsideOrganisation(Base):
    """A vendor, manufacturer or dealer that tickets are escalated to."""

    __tablename__ = "outside_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # "vendor", "manufacturer" or "dealer".
    kind: Mapped[str] = mapped_column(String(16), default="vendor")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class Escalation(Base):
    """A ticket handed up: to a colleague or group of a higher tier, or to an outside firm.

    An outside escalation carries the firm's reference and the date it promised; the desk
    reminds before that date and alerts once it passes without an answer.
    """

    __tablename__ = "escalation"
    __table_args__ = (Index("ix_escalation_open_promise", "resolved_at", "promised_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    # "internal" or "external".
    kind: Mapped[str] = mapped_column(String(16))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    to_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    to_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_group.id", ondelete="SET NULL")
    )
    outside_id: Mapped[int | None] = mapped_column(
        ForeignKey("outside_organisation.id", ondelete="RESTRICT")
    )
    reference: Mapped[str] = mapped_column(String(200), default="")
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the outside firm answered (or the escalation was withdrawn).
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User | None] = relationship(foreign_keys=[by_id], lazy="raise")
    to_user: Mapped[User | None] = relationship(foreign_keys=[to_user_id], lazy="raise")
    to_group: Mapped[SupportGroup | None] = relationship(lazy="raise")
    outside: Mapped[OutsideOrganisation | None] = relationship(lazy="raise")


class TicketArticle(Base):
    """An article tied to a ticket: "used" (it solved it), "created" from it, or "flagged"."""

    __tablename__ = "ticket_article"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    article_id: Mapped[str] = mapped_column(
        ForeignKey("article.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A "flagged" link in the editors' feedback queue: set once an editor has dealt with it.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    article: Mapped[Article] = relationship(lazy="raise")


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


from tickets import mining_models as _mining  # noqa: E402,F401
from tickets.contracts import models as _contracts  # noqa: E402,F401
from tickets.intake import models as _intake  # noqa: E402,F401
from tickets.notifications import models as _notifications  # noqa: E402,F401
from tickets.planning import models as _planning  # noqa: E402,F401
