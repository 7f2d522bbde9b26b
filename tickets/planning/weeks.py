"""The week of planned work as the calendar shows it: seven days in the desk's time zone.

Pure: the items, the day and the zone come in as arguments, so a test needs no database.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tickets.planning.models import PlannedWork

DAYS = 7


@dataclass(frozen=True)
class Entry:
    """One item on one day, with its start and end in the desk's zone."""

    work: PlannedWork
    starts: datetime
    ends: datetime


@dataclass(frozen=True)
class Day:
    day: date
    entries: list[Entry]


@dataclass(frozen=True)
class Week:
    monday: date
    zone: ZoneInfo
    days: list[Day]

    @property
    def previous(self) -> date:
        return self.monday - timedelta(days=DAYS)

    @property
    def next(self) -> date:
        return self.monday + timedelta(days=DAYS)

    @property
    def is_empty(self) -> bool:
        return not any(day.entries for day in self.days)


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The date it is in the zone at `moment` (aware)."""
    return moment.astimezone(zone).date()


def span(monday: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The week from Monday's midnight to the next Monday's, in the zone, as UTC."""
    return _midnight(monday, zone), _midnight(monday + timedelta(days=DAYS), zone)


def arrange(items: list[PlannedWork], monday: date, zone: ZoneInfo) -> Week:
    """Each day of the week with the items that take some of it, by start; an item that
    spans midnight appears on every day it covers."""
    days = []
    for offset in range(DAYS):
        day = monday + timedelta(days=offset)
        start, end = _midnight(day, zone), _midnight(day + timedelta(days=1), zone)
        entries = [
            Entry(w, w.starts_at.astimezone(zone), w.ends_at.astimezone(zone))
            for w in items
            if w.starts_at < end and w.ends_at > start
        ]
        days.append(Day(day, sorted(entries, key=lambda e: (e.starts, e.work.id))))
    return Week(monday, zone, days)


def from_local(text: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time typed in the zone ("2026-11-30T10:00") as aware UTC."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        raise ValueError("a wall-clock time carries no zone")
    return moment.replace(tzinfo=zone).astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
