"""Working hours as people write them, read and written back."""

import pytest

from tickets.contracts.hours import format_week, parse_hours, parse_week


def test_a_week_round_trips_and_a_day_may_end_at_midnight():
    written = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["00:00", "24:00"]]}
    week = parse_week(written)
    assert week[0] == ((540, 780), (840, 1080)) and week[5] == ((0, 1440),) and week[6] == ()
    assert format_week(week) == {"tue": [], "wed": [], "thu": [], "fri": [], "sun": []} | written


@pytest.mark.parametrize(
    "written",
    [
        [["18:00", "09:00"]],
        [["09:00", "13:00"], ["12:00", "18:00"]],
        [["9", "18:00"]],
        [["09:00", "24:01"]],
        [["09:60", "18:00"]],
        [["²9:00", "18:00"]],
    ],
)
def test_malformed_hours_are_refused(written):
    with pytest.raises(ValueError):
        parse_hours(written)


def test_unknown_weekday_is_refused():
    with pytest.raises(ValueError):
        parse_week({"monday": [["09:00", "18:00"]]})
