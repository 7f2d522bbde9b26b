"""The outbox: changes others must react to, written in the same transaction as the change.

Consumers read rows in id order, remember their position and are idempotent, so a crash or a
restart loses nothing and repeats nothing visible.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    Select,
    String,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kb_service.db import Base, UTCDateTime, utcnow

# Serialises outbox writers on PostgreSQL so that ids commit in order: a consumer that
# remembers "the last id I saw" can then never skip a row committed late with a lower id.
OUTBOX_LOCK_KEY = 0x5350524B


class OutboxEvent(Base):
    __tablename__ = "outbox_event"
    # The newest event of a topic is one probe (`last_position(session, topic)`).
    __table_args__ = (Index("ix_outbox_event_topic_id", "topic", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    topic: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxCursor(Base):
    """Position of a consumer whose state lives in the database (the notifier, webhooks)."""

    __tablename__ = "outbox_cursor"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)


def emit(session: Session, topic: str, key: str, payload: dict | None = None) -> None:
    """Record an event in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
    session.add(OutboxEvent(topic=topic, key=key, payload=payload or {}))


def emit_selected(session: Session, topic: str, events: Select) -> None:
    """Record an event for each (key, payload) row `events` selects, in the caller's transaction.

    The rows go from table to table inside the database, however many there are.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK_KEY})
    key, payload = events.selected_columns
    rows = events.with_only_columns(
        literal(topic, String()), key, payload, literal(utcnow(), UTCDateTime())
    )
    target = ["topic", "key", "payload", "created_at"]
    session.execute(insert(OutboxEvent.__table__).from_select(target, rows))


def read_after(session: Session, position: int, limit: int = 500) -> Sequence[OutboxEvent]:
    """Events after `position`, oldest first."""
    query = select(OutboxEvent).where(OutboxEvent.id > position).order_by(OutboxEvent.id)
    return session.scalars(query.limit(limit)).all()


def last_position(session: Session, *topics: str) -> int:
    """The newest event's id (0 when none), or the newest among the events of ``topics``: one
    index probe per topic, in one statement."""
    if not topics:
        return session.scalar(select(func.coalesce(func.max(OutboxEvent.id), 0))) or 0
    newest = union_all(
        *(
            select(func.max(OutboxEvent.id).label("id")).where(OutboxEvent.topic == t)
            for t in topics
        )
    ).subquery()
    return session.scalar(select(func.coalesce(func.max(newest.c.id), 0))) or 0


def behind(sessions: sessionmaker[Session], consumer: str) -> bool:
    """Whether the outbox grew past the consumer's cursor: a read, so that an idle consumer
    takes no write lock."""
    with sessions() as session:
        query = select(OutboxCursor.position).where(OutboxCursor.consumer == consumer)
        position = session.scalar(query) or 0
        newer = select(OutboxEvent.id).where(OutboxEvent.id > position).limit(1)
        return session.scalar(newer) is not None


def locked_cursor(session: Session, consumer: str) -> OutboxCursor | None:
    """The consumer's cursor row, made if missing and locked until commit; None while another
    worker running the consumer holds it, which then skips its round rather than wait (a long
    batch would run the waiting workers into the lock time-out). On SQLite the insert takes
    the database's write lock, which lasts until commit too, and a second worker waits for it.
    """
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert_into = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert_into(OutboxCursor)
        .values(consumer=consumer, position=0)
        .on_conflict_do_nothing(index_elements=["consumer"])
    )
    query = (
        select(OutboxCursor)
        .where(OutboxCursor.consumer == consumer)
        .with_for_update(skip_locked=True)
    )
    return session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
