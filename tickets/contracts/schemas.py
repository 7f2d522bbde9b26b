"""What the calendars and contracts API accepts and returns."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kb_service.hostile_input import DB_INT_MAX, NulFree
from tickets import sla
from tickets.contracts.hours import format_hours, format_week, parse_hours, parse_week
from tickets.models import PRIORITIES

# [["09:00", "13:00"], ["14:00", "18:00"]]: working intervals of one day, "24:00" ends it.
WrittenHours = list[tuple[str, str]]


class CalendarIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    time_zone: str = Field(max_length=64, examples=["Europe/Moscow"])
    # {"mon": [["09:00", "18:00"]], ...}; a weekday left out is not worked.
    week: dict[str, WrittenHours]

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        sla.check_zone(zone)
        return zone

    @field_validator("week")
    @classmethod
    def _week(cls, week: dict[str, WrittenHours]) -> dict[str, WrittenHours]:
        return format_week(parse_week(week))


class DayIn(NulFree):
    """A holiday (no hours), or a working day with its hours."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(pattern="^(holiday|workday)$")
    hours: WrittenHours = Field(default_factory=list)
    name: str = Field("", max_length=200)

    @model_validator(mode="after")
    def _hours_fit_the_kind(self) -> "DayIn":
        self.hours = format_hours(parse_hours(self.hours))
        if (self.kind == "workday") != bool(self.hours):
            raise ValueError("a workday has working hours and a holiday has none")
        return self


class DayOut(BaseModel):
    date: date
    kind: str
    hours: WrittenHours
    name: str


class CalendarOut(BaseModel):
    id: int
    name: str
    time_zone: str
    week: dict[str, WrittenHours]
    days: list[DayOut]
    updated_at: datetime


class TermIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response_minutes: int = Field(gt=0, le=366 * 24 * 60)
    resolution_minutes: int = Field(gt=0, le=366 * 24 * 60)

    @model_validator(mode="after")
    def _response_first(self) -> "TermIn":
        if self.response_minutes > self.resolution_minutes:
            raise ValueError("the response cannot be due after the resolution")
        return self


class ContractIn(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    # None only for the default contract, which the migration made.
    organisation_id: int | None = Field(ge=1, le=DB_INT_MAX)
    name: str = Field(min_length=1, max_length=200)
    level: str = Field("basic", pattern="^[a-z][a-z0-9_-]{0,31}$")
    starts_on: date
    ends_on: date | None = None
    calendar_id: int = Field(ge=1, le=DB_INT_MAX)
    # Business minutes per priority; every priority of the desk must have its terms.
    terms: dict[str, TermIn]
    auto_notify_client: bool = True
    auto_close_days: int = Field(
        5,
        ge=1,
        le=90,
        description="Working days an unanswered solution waits before the ticket closes.",
    )

    @field_validator("terms")
    @classmethod
    def _every_priority(cls, terms: dict[str, TermIn]) -> dict[str, TermIn]:
        if set(terms) != set(PRIORITIES):
            raise ValueError(f"give terms for exactly the priorities {', '.join(PRIORITIES)}")
        return terms

    @model_validator(mode="after")
    def _ends_after_start(self) -> "ContractIn":
        if self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("a contract cannot end before it starts")
        return self


class ContractPatch(NulFree):
    """The fields to change; the result is checked as a whole, as ContractIn."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = None
    level: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    calendar_id: int | None = Field(None, ge=1, le=DB_INT_MAX)
    terms: dict[str, TermIn] | None = None
    auto_notify_client: bool | None = None
    auto_close_days: int | None = Field(None, ge=1, le=90)


class ContractOut(BaseModel):
    id: int
    # None for the default contract: the terms of clients without a contract.
    organisation_id: int | None
    organisation: str | None
    name: str
    level: str
    starts_on: date
    ends_on: date | None
    calendar_id: int
    terms: dict[str, TermIn]
    auto_notify_client: bool
    auto_close_days: int
    # Send it back as `If-Match` to change the contract (also the `ETag` of GET).
    version: int
    created_at: datetime
