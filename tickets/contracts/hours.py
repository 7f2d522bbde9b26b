"""Working hours as people write them: "09:00"-"18:00", weeks as {"mon": [[...]], ...}.

The calendars' rows and the API keep hours written so; `tickets/sla.py` counts in minutes.
"""

from collections.abc import Mapping, Sequence

from tickets.sla import DAY, Hours, check_hours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hours(written: Sequence[Sequence[str]]) -> Hours:
    """[["09:00", "13:00"], ["14:00", "18:00"]] as minutes; "24:00" ends a day."""
    hours = tuple((_minutes(start), _minutes(end)) for start, end in written)
    check_hours(hours)
    return hours


def format_hours(hours: Hours) -> list[list[str]]:
    return [[_clock(start), _clock(end)] for start, end in hours]


def parse_week(written: Mapping[str, Sequence[Sequence[str]]]) -> tuple[Hours, ...]:
    """{"mon": [["09:00", "18:00"]], ...}; a weekday left out has no working hours."""
    unknown = set(written) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekdays {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
    return tuple(parse_hours(written.get(name, ())) for name in WEEKDAYS)


def format_week(week: Sequence[Hours]) -> dict[str, list[list[str]]]:
    return {name: format_hours(hours) for name, hours in zip(WEEKDAYS, week, strict=True)}


def _minutes(text: str) -> int:
    hh, sep, mm = text.partition(":")
    if not (sep and hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(f"a time is written HH:MM, not {text!r}")
    minutes = int(hh) * 60 + int(mm)
    if int(mm) > 59 or minutes > DAY:
        raise ValueError(f"no such time of day: {text!r}")
    return minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
