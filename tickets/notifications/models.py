"""The notifications planned from the outbox, and what each person chose to receive."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow

STATUSES = ("pending", "sent", "failed")


class Notification(Base):
    """One message to one address about one outbox event, from planning until it is sent."""

    __tablename__ = "notification"
    __table_args__ = (
        # The planner can never plan one event for one address twice, whatever crashes.
        UniqueConstraint("outbox_event_id", "recipient"),
        # The sender's claim: due pending rows, oldest first.
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Not a foreign key: the outbox may be pruned long after its events were planned.
    outbox_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    recipient: Mapped[str] = mapped_column(String(254))
    # The account written to; None for a requester known only by address.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8))
    # The outbox event ("created", "assigned", ...) and the template it was told with.
    event: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(400))
    body: Mapped[str] = mapped_column(Text)
    # Ours, so that replies (In-Reply-To, References) lead the intake back to the ticket.
    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    # The thread of the ticket: every message about it refers to this one id.
    thread_id: Mapped[str] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A sender holds the row until claimed_until; a sender that died lets it go by itself.
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class NotificationPreference(Base):
    """A person's choice about one event; without a row, the event is sent."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
