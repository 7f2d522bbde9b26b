"""Service-level deadlines: pure functions of a calendar, the terms and a ticket's history.

No database and no clock: aware datetimes in, aware UTC datetimes out. Business time is real
elapsed time inside the calendar's working hours, so a working day that spans a change of
daylight saving time is an hour shorter or longer, as a clock on the wall says.

The rules a service manager can rely on:
- The terms are those of the client's contract **in force on the day the ticket was opened**
  (that day in the contract calendar's time zone); with none, the default terms. A contract
  that ends while the ticket is open does not change its deadlines (the client asked while it
  was in force), and one that starts later does not shorten them (the ticket was accepted
  under the default terms). When several are in force, the one that started last counts.
- A change of priority recomputes both deadlines as if the new priority's term had applied
  from the opening; the time spent paused is added as usual.
- The clocks stop while the ticket waits on the client (pauses). While a pause is still open
  a clock that has not run out has no deadline (None): it is computed again when work resumes.
- The response clock stops at the first response; pauses after it do not move its deadline.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# A working interval of a day in minutes since local midnight, end excluded (1440 = 24:00).
Interval = tuple[int, int]
Hours = tuple[Interval, ...]
DAY = 24 * 60
# A calendar without a working minute in this many days cannot reach any deadline.
LONGEST_SEARCH_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    """Working hours: per weekday (Monday first), and the dates that differ from their weekday.

    `days` maps a date to its own hours: () for a holiday, or the hours of an extra working day
    (a Saturday worked in exchange for a bridge day, a shortened pre-holiday day).
    """

    zone: str
    week: tuple[Hours, Hours, Hours, Hours, Hours, Hours, Hours]
    days: Mapping[date, Hours] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_zone(self.zone)
        if len(self.week) != 7:
            raise ValueError("a week has seven days of hours, Monday first")
        for hours in (*self.week, *self.days.values()):
            check_hours(hours)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def hours_on(self, day: date) -> Hours:
        return self.days.get(day, self.week[day.weekday()])


ALWAYS = ((0, DAY),)


def around_the_clock(zone: str = "UTC") -> Calendar:
    """A 24x7 calendar: every minute counts."""
    return Calendar(zone, (ALWAYS,) * 7)


@dataclass(frozen=True)
class Terms:
    """How long, in business time, the desk has to respond and to resolve."""

    response: timedelta
    resolution: timedelta


@dataclass(frozen=True)
class Contract:
    """The terms per priority and the calendar they are counted in, over a period of dates.

    `ends_on` is the last day in force (None: open-ended); `key` is the caller's id for it.
    """

    terms: Mapping[str, Terms]
    calendar: Calendar
    starts_on: date = date.min
    ends_on: date | None = None
    key: int | None = None

    def in_force_at(self, at: datetime) -> bool:
        day = at.astimezone(self.calendar.tz).date()
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass(frozen=True)
class Deadlines:
    response_due: datetime | None
    resolution_due: datetime | None
    contract: Contract
    priority: str


# --- Checks ---


def check_zone(zone: str) -> None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}") from None


def check_hours(hours: Hours) -> None:
    previous_end = 0
    for start, end in hours:
        if not 0 <= start < end <= DAY or start < previous_end:
            raise ValueError("working hours must be ordered, non-overlapping times of one day")
        previous_end = end


# --- Business time ---


def working_intervals(calendar: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working intervals from `start` on, in UTC, the first one cut at `start`."""
    start = _utc(start)
    tz = calendar.tz
    day = start.astimezone(tz).date()
    idle_days = 0
    while idle_days < LONGEST_SEARCH_DAYS:
        hours = calendar.hours_on(day)
        idle_days = 0 if hours else idle_days + 1
        for begin, end in hours:
            lo, hi = _instant(day, begin, tz), _instant(day, end, tz)
            if hi > start:
                yield max(lo, start), hi
        day += timedelta(days=1)
    raise ValueError("the calendar has no working hours for years: no deadline can be reached")


def add_business_time(calendar: Calendar, start: datetime, duration: timedelta) -> datetime:
    """The instant when `duration` of business time has passed since `start`."""
    if duration <= timedelta(0):
        return _utc(start)
    remaining = duration
    for lo, hi in working_intervals(calendar, start):
        if hi - lo >= remaining:
            return lo + remaining
        remaining -= hi - lo
    raise AssertionError("working_intervals never ends without raising")


def add_working_days(calendar: Calendar, start: datetime, days: int) -> datetime:
    """The same time of day `days` working days after `start` (holidays and weekends skipped;
    a transferred working day counts), in the calendar's zone."""
    local = _utc(start).astimezone(calendar.tz)
    day, counted = local.date(), 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.hours_on(day):
            counted += 1
    moment = datetime.combine(day, local.time().replace(tzinfo=None), calendar.tz)
    return _utc(moment)


def business_time_between(calendar: Calendar, a: datetime, b: datetime) -> timedelta:
    """Business time from `a` to `b` (zero when `b` is not after `a`)."""
    a, b = _utc(a), _utc(b)
    total = timedelta(0)
    if b <= a:
        return total
    for lo, hi in working_intervals(calendar, a):
        if lo >= b:
            break
        total += min(hi, b) - lo
    return total


def _instant(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    # 24:00 is the next day's midnight; a wall time skipped by DST takes the earlier offset.
    local = datetime.combine(day, time(), tzinfo=tz) + timedelta(days=minutes // DAY)
    local = local.replace(hour=(minutes % DAY) // 60, minute=minutes % 60)
    return local.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use aware datetimes")
    return moment.astimezone(UTC)


# --- A ticket's clocks ---

# While waiting on the client: from the change into "waiting" to the change out (None: still).
Pause = tuple[datetime, datetime | None]


def contract_in_force(contracts: Sequence[Contract], at: datetime) -> Contract | None:
    """The contract in force at `at`: of several, the one that started last (then the last)."""
    in_force = [c for c in contracts if c.in_force_at(at)]
    return max(reversed(in_force), key=lambda c: c.starts_on) if in_force else None


def due_at(
    calendar: Calendar,
    start: datetime,
    term: timedelta,
    pauses: Sequence[Pause] = (),
    stopped_at: datetime | None = None,
) -> datetime | None:
    """When a clock started at `start` has run `term` of business time outside the pauses.

    None while a pause that began before then is still open. A clock stopped at `stopped_at`
    (the first response) ignores the pauses after it.
    """
    moment, remaining = _utc(start), term
    for pause_start, pause_end in _merged(pauses, moment, stopped_at):
        due = add_business_time(calendar, moment, remaining)
        if due <= pause_start:
            return due
        remaining -= business_time_between(calendar, moment, pause_start)
        if pause_end is None:
            return None
        moment = max(moment, pause_end)
    return add_business_time(calendar, moment, remaining)


def ticket_deadlines(
    opened_at: datetime,
    priorities: Sequence[tuple[datetime, str]],
    pauses: Sequence[Pause],
    contracts: Sequence[Contract],
    default: Contract,
    first_response_at: datetime | None = None,
) -> Deadlines:
    """Both deadlines of a ticket, by the rules in this module's docstring.

    `priorities` is the priority history: (since when, priority), the opening one included;
    the latest one counts from the opening.
    """
    if not priorities:
        raise ValueError("a ticket has a priority from its opening")
    priority = sorted(priorities, key=lambda change: _utc(change[0]))[-1][1]
    contract = contract_in_force(contracts, opened_at) or default
    terms = contract.terms.get(priority) or default.terms[priority]
    calendar = contract.calendar
    return Deadlines(
        response_due=due_at(calendar, opened_at, terms.response, pauses, first_response_at),
        resolution_due=due_at(calendar, opened_at, terms.resolution, pauses),
        contract=contract,
        priority=priority,
    )


def share_used(calendar: Calendar, term: timedelta, due: datetime, now: datetime) -> float:
    """How much of a running clock's term is used at `now` (1.0 at the deadline, more after).

    Only business time between `now` and the deadline is needed: the deadline already holds
    the pauses, and a clock with an open pause has no deadline.
    """
    if term <= timedelta(0):
        return 1.0
    if _utc(now) < _utc(due):
        return 1 - business_time_between(calendar, now, due) / term
    return 1 + business_time_between(calendar, due, now) / term


def is_breached(due: datetime | None, now: datetime, done_at: datetime | None = None) -> bool:
    """Whether the clock ran out: done after its deadline, or not done and the deadline passed."""
    return due is not None and _utc(done_at or now) > _utc(due)


def _merged(
    pauses: Sequence[Pause], start: datetime, stopped_at: datetime | None
) -> list[tuple[datetime, datetime | None]]:
    """The pauses after `start` (and before `stopped_at`), sorted, overlapping ones joined."""
    stop = _utc(stopped_at) if stopped_at else None
    merged: list[tuple[datetime, datetime | None]] = []
    for begin, end in sorted(pauses, key=lambda pause: _utc(pause[0])):
        begin, end = max(_utc(begin), start), _utc(end) if end else None
        if stop is not None:
            if begin >= stop:
                continue
            end = min(end, stop) if end else stop
        if end is not None and end <= begin:
            continue
        if merged and (merged[-1][1] is None or begin <= merged[-1][1]):
            last_end = merged[-1][1]
            joined = None if last_end is None or end is None else max(last_end, end)
            merged[-1] = (merged[-1][0], joined)
        else:
            merged.append((begin, end))
    return merged
