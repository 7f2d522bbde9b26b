"""What every report measure is made of: the period, the scope, a rate that shows its two
counts, and the spread of a list of durations.

Pure: no database, no clock. tickets/kcs.py and tickets/desk_measures.py build on these.
"""

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, case, func, select, true, union
from sqlalchemy.orm import Session

from kb_service.errors import Invalid
from tickets.models import Ticket

SCOPES = ("desk", "team", "person")
PERIODS = ("week", "30d", "quarter", "custom")
# Weekly charts of a longer period would have hundreds of bars; a year is the most asked for.
LONGEST = timedelta(days=366)


@dataclass(frozen=True)
class Period:
    """[start, end): an event exactly at `end` belongs to the next period."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a period takes aware UTC datetimes")
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @property
    def last_day(self) -> date:
        """The last day the period touches (its end itself is excluded)."""
        return (self.end - timedelta(microseconds=1)).date()

    def holds(self, column) -> ColumnElement[bool]:
        return (column >= self.start) & (column < self.end)

    def weeks(self) -> list["Period"]:
        """The period cut into weeks from its start (the last one may be shorter)."""
        cuts, at = [], self.start
        while at < self.end:
            cuts.append(Period(at, min(at + timedelta(days=7), self.end)))
            at += timedelta(days=7)
        return cuts


@dataclass(frozen=True)
class Scope:
    """The whole desk, one support group (`team`) or one person, by id."""

    kind: Literal["desk", "team", "person"] = "desk"
    id: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}")
        if (self.kind == "desk") != (self.id is None):
            raise ValueError("a team or person scope names its id; the desk scope none")

    @property
    def is_desk(self) -> bool:
        return self.kind == "desk"

    def tickets(self) -> ColumnElement[bool]:
        """Tickets of the scope: their current group, or their current assignee."""
        if self.kind == "team":
            return Ticket.group_id == self.id
        if self.kind == "person":
            return Ticket.assignee_id == self.id
        return true()


DESK = Scope()


def any_of(*conditions) -> ColumnElement[bool]:
    """Tickets meeting any of the conditions, each one read by its own index.

    An OR over different columns makes SQLite read the whole table (1.1 s at 100,000 tickets
    for the workload); a union of ids through the indexes takes 0.14 s."""
    ids = union(*(select(Ticket.id).where(c) for c in conditions)).subquery()
    return Ticket.id.in_(select(ids.c.id))


@dataclass(frozen=True)
class Rate:
    """numerator / denominator, both shown; no denominator is "no data", never an error."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class Spread:
    """How long something took over `count` cases: the median and the 90th percentile."""

    count: int
    median: timedelta | None
    p90: timedelta | None


def rate_of(session: Session, numerator, where) -> Rate:
    """Rows meeting `where`, and of them those meeting `numerator`, in one count."""
    hit, total = session.execute(
        select(func.count(case((numerator, 1))), func.count()).where(where)
    ).one()
    return Rate(hit, total)


def spread(durations: list[timedelta]) -> Spread:
    """Median and 90th percentile (nearest rank, so always a real case) of durations."""
    if not durations:
        return Spread(0, None, None)
    ordered = sorted(durations)
    return Spread(len(ordered), _median(ordered), ordered[_rank(len(ordered), 0.9)])


def _median(ordered: list[timedelta]) -> timedelta:
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _rank(count: int, share: float) -> int:
    # Nearest rank: the smallest value with at least `share` of the cases at or below it.
    return max(0, math.ceil(round(count * share, 9)) - 1)


def named_period(name: str, now: datetime, first: date | None = None, last: date | None = None):
    """This week (from Monday), the last 30 days (with today), this quarter, or the days from
    `first` to `last` inclusive; UTC days. Bad input is `Invalid`."""
    today = now.astimezone(UTC).date()
    if name == "week":
        first, last = today - timedelta(days=today.weekday()), today
    elif name == "30d":
        first, last = today - timedelta(days=29), today
    elif name == "quarter":
        first, last = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), today
    elif name != "custom":
        raise Invalid(f"period must be one of {', '.join(PERIODS)}")
    if first is None or last is None:
        raise Invalid("a custom period needs its first and last day")
    if last < first:
        raise Invalid("the last day comes before the first")
    if last - first >= LONGEST:
        raise Invalid("a period is at most a year")
    return Period(_midnight(first), _midnight(last + timedelta(days=1)))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)
