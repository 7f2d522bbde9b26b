"""A webhook, and one delivery of one event to it from planning until it is delivered."""

from datetime import datetime

from sqlalchemy import (
    JSON,
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

STATUSES = ("pending", "delivered", "failed")


class Webhook(Base):
    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Public event names (events.EVENTS) the receiver asked for.
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Kept as given, not hashed: every delivery is signed with it (shown once to the admin).
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # The outbox position when it was registered: it is told of later events only.
    after_event: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one webhook: the body as planned, and the outcome of its last attempt."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The planner can never plan one event for one webhook twice, whatever crashes.
        UniqueConstraint("outbox_event_id", "webhook_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhook.id", ondelete="CASCADE"), index=True
    )
    # Not a foreign key: the outbox may be pruned long after its events were delivered.
    outbox_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    event: Mapped[str] = mapped_column(String(40))
    # The exact bytes sent (as text), so every attempt carries the same body and signature.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # How long the last attempt took, in milliseconds.
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
