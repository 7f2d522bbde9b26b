"""Planned work: a visit, a task or an absence of one engineer, over a span of time."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.accounts.models import User
from kb_service.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from tickets.models import Ticket

VISIT, TASK, ABSENCE = "visit", "task", "absence"
KINDS = (VISIT, TASK, ABSENCE)


class PlannedWork(Base):
    """Time an engineer has set aside: a visit (to a client, usually for a ticket), a task
    (work at the desk, which may share its time with anything) or an absence."""

    __tablename__ = "planned_work"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        # The clash check and the calendars ask for one engineer's items around a time.
        Index("ix_planned_work_engineer_span", "engineer_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engineer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    # The ticket a visit serves; None for standalone work. A deleted ticket leaves the time
    # booked, so the engineer's day does not silently open up.
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True
    )
    # One of KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    # Aware UTC; shown in the desk's time zone (the default calendar's).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(300), default="")
    # For the desk only: never shown to the client.
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every change, so a dispatcher and the engineer editing at once cannot
    # overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    engineer: Mapped[User] = relationship(foreign_keys=[engineer_id], lazy="raise")
    ticket: Mapped["Ticket | None"] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}
