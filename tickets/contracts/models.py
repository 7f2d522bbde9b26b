"""Calendars of working hours and organisations' service contracts.

A fresh installation has a calendar and a contract both named DEFAULT (migration t0003): the
default contract (no organisation) holds the terms of clients without a contract of their own.
Both are ordinary rows, edited through the API like any other.
"""

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.accounts.models import Organisation
from kb_service.db import Base, UTCDateTime, utcnow

DEFAULT = "default"
DAY_KINDS = ("holiday", "workday")


class Calendar(Base):
    """Working hours per weekday in a time zone, and the dates that differ (CalendarDay)."""

    __tablename__ = "calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # An IANA zone ("Europe/Moscow"): the hours are wall-clock times there.
    time_zone: Mapped[str] = mapped_column(String(64))
    # {"mon": [["09:00", "18:00"]], ...}; a weekday left out is not worked.
    week: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    days: Mapped[list["CalendarDay"]] = relationship(
        lazy="raise", order_by="CalendarDay.day", cascade="all, delete-orphan"
    )


class CalendarDay(Base):
    """A date that is not like its weekday: a holiday, or a working day with its own hours
    (a Saturday worked in exchange for a bridge day, a shortened pre-holiday day)."""

    __tablename__ = "calendar_day"
    __table_args__ = (UniqueConstraint("calendar_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column("date", Date)
    # One of DAY_KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    # A working day's hours, [["09:00", "17:00"]]; empty on a holiday.
    hours: Mapped[list] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(200), default="")


class ServiceContract(Base):
    """What an organisation is owed: terms per priority, counted in a calendar, over a period."""

    __tablename__ = "service_contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None only for the default contract, whose terms serve clients without one.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    # The service level ("basic", "premium"): what the client is entitled to beyond deadlines.
    level: Mapped[str] = mapped_column(String(32), default="basic")
    starts_on: Mapped[date] = mapped_column(Date)
    # The last day in force; None: until further notice.
    ends_on: Mapped[date | None] = mapped_column(Date)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id", ondelete="RESTRICT"))
    # {priority: {"response_minutes": 60, "resolution_minutes": 480}}, in business minutes.
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    # Whether the desk tells the client of a solution by itself (the organisation's choice).
    auto_notify_client: Mapped[bool] = mapped_column(Boolean, default=True)
    # A solution the client has not answered closes the ticket after this many working days.
    auto_close_days: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every change, so two managers editing the terms cannot overwrite each other.
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    calendar: Mapped[Calendar] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_default(self) -> bool:
        return self.organisation_id is None
