"""The SLA rules, table by table, each deadline worked out by hand (weekdays checked on a
calendar: 2026-11-27 is a Friday, 2027-01-01 a Friday, 2026-03-29 and 2026-10-25 the Sundays
when Europe/Berlin changes its clocks)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickets.sla import (
    Calendar,
    Contract,
    Terms,
    add_business_time,
    around_the_clock,
    business_time_between,
    contract_in_force,
    due_at,
    is_breached,
    share_used,
    ticket_deadlines,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
# Working hours in minutes since midnight.
NINE_TO_SIX = ((9 * 60, 18 * 60),)
OFF = ()
# Moscow, 9-18 Monday to Friday, the 2027 New Year holidays (31 December 2026 to 8 January),
# Saturday 20 February 2027 worked in exchange for Monday 22 February, and 23 February.
MOSCOW = Calendar(
    "Europe/Moscow",
    (NINE_TO_SIX,) * 5 + (OFF, OFF),
    {
        date(2026, 12, 31): OFF,
        **{date(2027, 1, day): OFF for day in range(1, 9)},
        date(2027, 2, 20): NINE_TO_SIX,
        date(2027, 2, 22): OFF,
        date(2027, 2, 23): OFF,
    },
)
LUNCH = Calendar("Europe/Moscow", (((9 * 60, 13 * 60), (14 * 60, 18 * 60)),) * 5 + (OFF, OFF))
BERLIN_OFFICE = Calendar("Europe/Berlin", (((9 * 60, 17 * 60),),) * 5 + (OFF, OFF))
VLADIVOSTOK_OFFICE = Calendar("Asia/Vladivostok", MOSCOW.week)


def msk(*parts) -> datetime:
    return datetime(*parts, tzinfo=MSK)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.mark.parametrize(
    ("calendar", "start", "duration", "expected"),
    [
        pytest.param(MOSCOW, msk(2026, 11, 23, 10), hours(2), msk(2026, 11, 23, 12), id="same-day"),
        pytest.param(
            MOSCOW,
            msk(2026, 11, 23, 10),
            hours(8),
            msk(2026, 11, 23, 18),
            id="ends-at-closing-not-next-morning",
        ),
        pytest.param(
            MOSCOW,
            msk(2026, 11, 27, 17, 30),
            hours(1),
            msk(2026, 11, 30, 9, 30),
            id="friday-17:30-over-the-weekend",
        ),
        pytest.param(
            MOSCOW, msk(2026, 11, 28, 12), hours(1), msk(2026, 11, 30, 10), id="opened-on-saturday"
        ),
        pytest.param(
            MOSCOW,
            msk(2026, 11, 23, 7),
            hours(1),
            msk(2026, 11, 23, 10),
            id="opened-before-opening-time",
        ),
        pytest.param(
            MOSCOW, msk(2026, 12, 30, 17), hours(3), msk(2027, 1, 11, 11), id="new-year-holidays"
        ),
        pytest.param(
            MOSCOW,
            msk(2027, 2, 19, 17),
            hours(2),
            msk(2027, 2, 20, 10),
            id="transferred-working-saturday",
        ),
        pytest.param(
            MOSCOW,
            msk(2027, 2, 20, 17),
            hours(2),
            msk(2027, 2, 24, 10),
            id="monday-given-for-the-saturday-is-off",
        ),
        pytest.param(
            LUNCH, msk(2026, 11, 23, 12, 30), hours(1), msk(2026, 11, 23, 14, 30), id="lunch-break"
        ),
        pytest.param(
            around_the_clock(),
            datetime(2026, 11, 27, 17, 30, tzinfo=UTC),
            hours(30),
            datetime(2026, 11, 28, 23, 30, tzinfo=UTC),
            id="24x7",
        ),
        pytest.param(
            around_the_clock("Europe/Berlin"),
            datetime(2026, 3, 28, 12, tzinfo=BERLIN),
            hours(24),
            datetime(2026, 3, 29, 13, tzinfo=BERLIN),
            id="24x7-over-spring-dst-is-real-time",
        ),
        pytest.param(
            BERLIN_OFFICE,
            datetime(2026, 3, 27, 16, tzinfo=BERLIN),
            hours(2),
            datetime(2026, 3, 30, 10, tzinfo=BERLIN),
            id="office-hours-across-dst",
        ),
        pytest.param(
            BERLIN_OFFICE,
            datetime(2026, 10, 23, 16, tzinfo=BERLIN),
            hours(2),
            datetime(2026, 10, 26, 10, tzinfo=BERLIN),
            id="office-hours-across-dst-end",
        ),
        pytest.param(
            VLADIVOSTOK_OFFICE,
            datetime(2026, 11, 27, 8, tzinfo=UTC),
            hours(1),
            datetime(2026, 11, 30, 10, tzinfo=VLADIVOSTOK),
            id="utc-morning-is-vladivostok-friday-evening",
        ),
        pytest.param(
            MOSCOW, msk(2026, 11, 23, 10), timedelta(0), msk(2026, 11, 23, 10), id="no-time"
        ),
    ],
)
def test_add_business_time(calendar, start, duration, expected):
    assert add_business_time(calendar, start, duration) == expected


@pytest.mark.parametrize(
    ("calendar", "a", "b", "expected"),
    [
        pytest.param(
            MOSCOW, msk(2026, 11, 27, 17), msk(2026, 11, 30, 10), hours(2), id="over-a-weekend"
        ),
        pytest.param(
            MOSCOW, msk(2026, 12, 30, 9), msk(2027, 1, 12, 9), hours(9 + 9), id="over-the-new-year"
        ),
        pytest.param(
            around_the_clock("Europe/Berlin"),
            datetime(2026, 3, 29, tzinfo=BERLIN),
            datetime(2026, 3, 30, tzinfo=BERLIN),
            hours(23),
            id="spring-day-is-23h",
        ),
        pytest.param(
            around_the_clock("Europe/Berlin"),
            datetime(2026, 10, 25, tzinfo=BERLIN),
            datetime(2026, 10, 26, tzinfo=BERLIN),
            hours(25),
            id="autumn-day-is-25h",
        ),
        pytest.param(
            MOSCOW,
            msk(2026, 11, 30, 10),
            msk(2026, 11, 27, 17),
            timedelta(0),
            id="backwards-is-zero",
        ),
    ],
)
def test_business_time_between(calendar, a, b, expected):
    assert business_time_between(calendar, a, b) == expected


# The default terms of the migration, in business minutes.
DEFAULT_TERMS = {
    "low": Terms(timedelta(minutes=480), timedelta(minutes=2700)),
    "normal": Terms(timedelta(minutes=240), timedelta(minutes=1620)),
    "high": Terms(timedelta(minutes=60), timedelta(minutes=480)),
    "urgent": Terms(timedelta(minutes=30), timedelta(minutes=240)),
}
DEFAULT = Contract(DEFAULT_TERMS, MOSCOW)
MONDAY_10 = msk(2026, 11, 23, 10)


@pytest.mark.parametrize(
    ("start", "term", "pauses", "stopped_at", "expected"),
    [
        pytest.param(MONDAY_10, hours(8), [], None, msk(2026, 11, 23, 18), id="no-pause"),
        pytest.param(
            MONDAY_10,
            hours(8),
            [(msk(2026, 11, 23, 12), msk(2026, 11, 23, 15))],
            None,
            msk(2026, 11, 24, 12),
            id="pause-in-the-day",
        ),
        pytest.param(
            msk(2026, 11, 27, 10),
            hours(16),
            [(msk(2026, 11, 27, 16), msk(2026, 11, 30, 11))],
            None,
            msk(2026, 12, 1, 12),
            id="pause-over-a-weekend",
        ),
        pytest.param(
            MONDAY_10,
            hours(8),
            [(msk(2026, 11, 23, 20), msk(2026, 11, 24, 8))],
            None,
            msk(2026, 11, 23, 18),
            id="pause-after-the-deadline-changes-nothing",
        ),
        pytest.param(
            MONDAY_10,
            hours(8),
            [(msk(2026, 11, 23, 12), None)],
            None,
            None,
            id="open-pause-before-the-deadline-has-no-deadline",
        ),
        pytest.param(
            MONDAY_10,
            hours(2),
            [(msk(2026, 11, 23, 12), None)],
            None,
            msk(2026, 11, 23, 12),
            id="open-pause-at-the-deadline",
        ),
        pytest.param(
            MONDAY_10,
            hours(8),
            [
                (msk(2026, 11, 23, 11), msk(2026, 11, 23, 13)),
                (msk(2026, 11, 23, 12), msk(2026, 11, 23, 14)),
            ],
            None,
            msk(2026, 11, 24, 12),
            id="overlapping-pauses-count-once",
        ),
        pytest.param(
            MONDAY_10,
            hours(8),
            [(msk(2026, 11, 23, 8), msk(2026, 11, 23, 11))],
            None,
            msk(2026, 11, 24, 10),
            id="pause-begun-before-the-opening",
        ),
        pytest.param(
            MONDAY_10,
            hours(4),
            [(msk(2026, 11, 23, 11), None)],
            msk(2026, 11, 23, 11),
            msk(2026, 11, 23, 14),
            id="response-clock-ignores-pauses-after-response",
        ),
    ],
)
def test_due_at_with_pauses(start, term, pauses, stopped_at, expected):
    assert due_at(MOSCOW, start, term, pauses, stopped_at) == expected


@pytest.mark.parametrize(
    ("priorities", "pauses", "response", "resolution"),
    [
        pytest.param(
            [(MONDAY_10, "normal")], [], msk(2026, 11, 23, 14), msk(2026, 11, 26, 10), id="normal"
        ),
        pytest.param(
            [(MONDAY_10, "normal"), (msk(2026, 11, 23, 11), "urgent")],
            [],
            msk(2026, 11, 23, 10, 30),
            msk(2026, 11, 23, 14),
            id="raised-to-urgent-counts-from-opening",
        ),
        pytest.param(
            [(MONDAY_10, "normal"), (msk(2026, 11, 24, 9), "low")],
            [],
            msk(2026, 11, 23, 18),
            msk(2026, 11, 30, 10),
            id="lowered-to-low",
        ),
        pytest.param(
            [(msk(2026, 11, 23, 11), "urgent"), (MONDAY_10, "normal")],
            [],
            msk(2026, 11, 23, 10, 30),
            msk(2026, 11, 23, 14),
            id="latest-change-wins-whatever-the-order-given",
        ),
        pytest.param(
            [(MONDAY_10, "normal"), (msk(2026, 11, 23, 12), "urgent")],
            [(msk(2026, 11, 23, 11), msk(2026, 11, 23, 13))],
            msk(2026, 11, 23, 10, 30),
            msk(2026, 11, 23, 16),
            id="raised-while-paused-keeps-the-pause",
        ),
    ],
)
def test_priority_changes(priorities, pauses, response, resolution):
    deadlines = ticket_deadlines(MONDAY_10, priorities, pauses, [], DEFAULT)
    assert (deadlines.response_due, deadlines.resolution_due) == (response, resolution)


URGENT_2H = Terms(hours(0.5), hours(2))
DECEMBER = Contract(
    {p: URGENT_2H for p in DEFAULT_TERMS},
    around_the_clock(),
    date(2026, 12, 1),
    date(2026, 12, 31),
    key=1,
)
MOSCOW_DECEMBER = Contract({p: URGENT_2H for p in DEFAULT_TERMS}, MOSCOW, date(2026, 12, 1), key=2)
LATER = Contract(
    {p: Terms(hours(1), hours(3)) for p in DEFAULT_TERMS},
    around_the_clock(),
    date(2026, 12, 15),
    key=3,
)


@pytest.mark.parametrize(
    ("opened_at", "contracts", "key", "resolution"),
    [
        pytest.param(
            msk(2026, 11, 30, 17),
            [DECEMBER],
            None,
            msk(2026, 12, 1, 12),
            id="contract-starting-mid-ticket-does-not-apply",
        ),
        pytest.param(
            datetime(2026, 12, 31, 22, tzinfo=UTC),
            [DECEMBER],
            1,
            datetime(2027, 1, 1, 0, tzinfo=UTC),
            id="contract-ending-mid-ticket-applies",
        ),
        pytest.param(
            datetime(2027, 1, 1, 1, tzinfo=UTC),
            [DECEMBER],
            None,
            msk(2027, 1, 11, 13),
            id="after-the-end-default-terms",
        ),
        pytest.param(
            datetime(2026, 11, 30, 22, tzinfo=UTC),
            [MOSCOW_DECEMBER],
            2,
            msk(2026, 12, 1, 11),
            id="first-day-judged-in-the-contract-zone",
        ),
        pytest.param(
            datetime(2026, 12, 20, 9, tzinfo=UTC),
            [DECEMBER, LATER],
            3,
            datetime(2026, 12, 20, 12, tzinfo=UTC),
            id="overlap-latest-start-wins",
        ),
    ],
)
def test_contract_in_force_at_opening(opened_at, contracts, key, resolution):
    deadlines = ticket_deadlines(opened_at, [(opened_at, "urgent")], [], contracts, DEFAULT)
    assert deadlines.contract.key == key
    assert deadlines.resolution_due == resolution


def test_no_contract_in_force_is_none():
    assert contract_in_force([DECEMBER], msk(2026, 11, 30, 12)) is None


@pytest.mark.parametrize(
    ("now", "share"),
    [
        (MONDAY_10, 0.0),
        (msk(2026, 11, 23, 16), 0.75),
        (msk(2026, 11, 23, 20), 1.0),  # after hours: no business time since the deadline
        (msk(2026, 11, 24, 10), 1.125),
    ],
)
def test_share_used(now, share):
    assert share_used(MOSCOW, hours(8), msk(2026, 11, 23, 18), now) == pytest.approx(share)


@pytest.mark.parametrize(
    ("due", "now", "done_at", "breached"),
    [
        (msk(2026, 11, 23, 18), msk(2026, 11, 23, 17), None, False),
        (msk(2026, 11, 23, 18), msk(2026, 11, 23, 18, 1), None, True),
        (msk(2026, 11, 23, 18), msk(2026, 11, 25), msk(2026, 11, 23, 17), False),
        (msk(2026, 11, 23, 18), msk(2026, 11, 25), msk(2026, 11, 24, 9), True),
        (None, msk(2026, 11, 25), None, False),
    ],
)
def test_is_breached(due, now, done_at, breached):
    assert is_breached(due, now, done_at) is breached


@pytest.mark.parametrize(
    "week",
    [
        (((600, 540),),) * 7,
        (((540, 780), (720, 1080)),) * 7,
        (((0, 1441),),) * 7,
        (NINE_TO_SIX,) * 6,
    ],
    ids=["backwards", "overlapping", "past-midnight", "six-days"],
)
def test_malformed_calendars_are_refused(week):
    with pytest.raises(ValueError):
        Calendar("Europe/Moscow", week)


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError):
        Calendar("Mars/Olympus", MOSCOW.week)


def test_calendar_without_working_hours_fails_instead_of_looping():
    with pytest.raises(ValueError):
        add_business_time(Calendar("UTC", ((),) * 7), MONDAY_10, hours(1))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_time(MOSCOW, datetime(2026, 11, 23, 10), hours(1))


moments = st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC))
durations = st.integers(min_value=1, max_value=60 * 24 * 30).map(lambda m: timedelta(minutes=m))


@given(
    start=moments,
    duration=durations,
    calendar=st.sampled_from([MOSCOW, LUNCH, BERLIN_OFFICE, around_the_clock("Europe/Berlin")]),
)
def test_adding_then_measuring_round_trips(start, duration, calendar):
    end = add_business_time(calendar, start, duration)
    assert end > start
    assert business_time_between(calendar, start, end) == duration


@given(start=moments, duration=durations)
def test_around_the_clock_is_plain_arithmetic(start, duration):
    assert add_business_time(around_the_clock("Europe/Berlin"), start, duration) == start + duration


@given(start=moments, shorter=durations, longer=durations)
def test_a_longer_term_never_ends_sooner(start, shorter, longer):
    shorter, longer = sorted((shorter, longer))
    assert add_business_time(MOSCOW, start, shorter) <= add_business_time(MOSCOW, start, longer)
