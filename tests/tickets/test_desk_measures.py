"""Each service-desk measure on a small hand-built history; the expected value is worked out
in the comments. The period is WEEK: days 0 to 7 from T0, day 7 itself excluded."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kb_service.errors import Invalid
from tests.tickets.history import (
    T0,
    WEEK,
    article,
    at,
    escalation,
    event,
    link,
    person,
    team,
    ticket,
)
from tickets import desk_measures as desk
from tickets import report_tables
from tickets.measuring import DESK, Period, Rate, Scope, Spread, named_period, spread

HOUR = timedelta(hours=1)


def test_tickets_in_and_out_respect_the_period_bounds(session):
    ticket(session, at(0))  # at the start: in
    ticket(session, at(6, 23))
    ticket(session, at(7))  # at the end: the next period's
    ticket(session, at(0) - timedelta(seconds=1), closed_at=at(3))  # before; closed in it
    ticket(session, at(-9), closed_at=at(-1))
    assert desk.tickets_in(session, WEEK, DESK) == 2
    assert desk.tickets_out(session, WEEK, DESK) == 1


def test_first_response_median_and_90th_percentile(session):
    for hours in (2, 4, 9):
        ticket(session, at(1), first_response_at=at(1, hours))
    ticket(session, at(1))  # not answered yet: no time
    ticket(session, at(-1), first_response_at=at(0, 1))  # opened before the period
    # [2 h, 4 h, 9 h]: median 4 h; 90th percentile: nearest rank 3 of 3 = 9 h.
    assert desk.first_response(session, WEEK, DESK) == Spread(3, 4 * HOUR, 9 * HOUR)


def test_resolution_time_of_tickets_resolved_in_the_period(session):
    ticket(session, at(-2), resolved_at=at(1))  # 3 days
    ticket(session, at(0), resolved_at=at(1))  # 1 day
    ticket(session, at(-30), resolved_at=at(-1))  # resolved before the period
    # [1 d, 3 d]: median 2 d, 90th percentile (rank 2 of 2) 3 d.
    got = desk.resolution(session, WEEK, DESK)
    assert got == Spread(2, timedelta(days=2), timedelta(days=3))


def test_response_sla_met_and_breached(session):
    ticket(session, at(0), first_response_at=at(0, 1), response_due_at=at(0, 2))  # met
    ticket(session, at(0), first_response_at=at(0, 3), response_due_at=at(0, 2))  # late
    # Answered in time by the clock, but the deadline job saw it breached first.
    ticket(
        session,
        at(0),
        first_response_at=at(0, 1),
        response_due_at=at(0, 2),
        response_breached_at=at(0, 1),
    )
    ticket(session, at(0), first_response_at=at(0, 5))  # no deadline: not counted
    # Met 1 of 3 with a deadline; breached = 3 - 1 = 2.
    assert desk.response_sla(session, WEEK, DESK) == Rate(1, 3)


def test_resolution_sla_met_and_breached(session):
    ticket(session, at(0), resolved_at=at(1), resolution_due_at=at(2))  # met
    ticket(session, at(0), resolved_at=at(1), resolution_due_at=at(2))  # met
    ticket(session, at(0), resolved_at=at(3), resolution_due_at=at(2))  # late
    ticket(session, at(-5), resolved_at=at(-1), resolution_due_at=at(-2))  # before the period
    assert desk.resolution_sla(session, WEEK, DESK) == Rate(2, 3)


def test_reopen_rate_of_closed_tickets(session):
    rejected = ticket(session, at(0), closed_at=at(3))
    event(session, rejected, "reject", at(1), {"status": ["resolved", "open"]})
    reopened = ticket(session, at(0), closed_at=at(4))
    event(session, reopened, "reopen", at(2), {"status": ["closed", "open"]})
    ticket(session, at(0), closed_at=at(4))  # closed once
    still_open = ticket(session, at(0))
    event(session, still_open, "reopen", at(2), {"status": ["closed", "open"]})
    # Closed in the week: 3; reopened or rejected among them: 2.
    assert desk.reopen_rate(session, WEEK, DESK) == Rate(2, 3)


def test_confirmation_rate_goes_by_the_last_closing(session):
    for action in ("confirm", "auto_close", "close"):
        event(session, ticket(session, at(0), closed_at=at(2)), action, at(2))
    # Closed by the timeout, reopened, then confirmed by the client: the last closing counts.
    again = ticket(session, at(0), closed_at=at(5))
    event(session, again, "auto_close", at(1))
    event(session, again, "reopen", at(3))
    event(session, again, "confirm", at(5))
    ticket(session, at(-40), closed_at=at(2))  # imported closed: no history, not counted
    # Closings: confirm, auto_close, close, confirm = 4; by the client's word: 3.
    assert desk.confirmation_rate(session, WEEK, DESK) == Rate(3, 4)


def test_outside_escalations_on_time(session):
    t = ticket(session, at(0))
    escalation(session, t, promised=at(2), answered=at(1))  # on time
    escalation(session, t, promised=at(2), answered=at(3))  # late
    escalation(session, t, promised=at(3), answered=None)  # promise passed unanswered
    escalation(session, t, promised=at(6), answered=None)  # not due yet on day 5
    escalation(session, t, promised=at(2), answered=at(1), kind="internal")
    escalation(session, t, promised=at(9), answered=at(8))  # promised after the period
    # Due in the week by day 5: 3; answered by the promised date: 1.
    assert desk.outside_on_time(session, WEEK, DESK, now=at(5)) == Rate(1, 3)


def test_workload_per_engineer(session):
    ann, ben = person(session, name="Ann"), person(session, name="Ben")
    ticket(session, at(-3), assignee_id=ann.id)  # open all week
    ticket(session, at(1), resolved_at=at(2), closed_at=at(3), assignee_id=ann.id)
    ticket(session, at(-9), closed_at=at(-1), assignee_id=ann.id)  # closed before
    ticket(session, at(8), assignee_id=ann.id)  # after
    ticket(session, at(2), resolved_at=at(8), assignee_id=ben.id)  # resolved after
    ticket(session, at(2))  # nobody's
    got = [(w.name, w.held, w.resolved) for w in desk.workload(session, WEEK, DESK)]
    # Ann held 2 (resolved 1), Ben 1 (0), and one ticket was nobody's.
    assert got == [("Ann", 2, 1), ("Ben", 1, 0), ("", 1, 0)]


def test_desk_measures_scope_by_team_and_assignee(session):
    first, second = team(session, "First"), team(session, "Second")
    ann, ben = person(session, name="Ann"), person(session, name="Ben")
    ticket(session, at(1), group_id=first.id, assignee_id=ann.id, first_response_at=at(1, 1))
    ticket(session, at(1), group_id=first.id, assignee_id=ben.id, first_response_at=at(1, 3))
    ticket(session, at(1), group_id=second.id, assignee_id=ann.id, first_response_at=at(1, 5))
    assert desk.tickets_in(session, WEEK, Scope("team", first.id)) == 2
    assert desk.tickets_in(session, WEEK, Scope("person", ann.id)) == 2
    # Ann's answers: 1 h and 5 h, median 3 h; Ben's: 3 h.
    assert desk.first_response(session, WEEK, Scope("person", ann.id)).median == 3 * HOUR
    assert desk.first_response(session, WEEK, Scope("team", second.id)).median == 5 * HOUR


def test_breakdown_per_team_and_per_person(session):
    first, second = team(session, "First"), team(session, "Second")
    ann, ben = person(session, name="Ann"), person(session, name="Ben")
    a = article(session)
    t1 = ticket(
        session,
        at(0),
        closed_at=at(2),
        group_id=first.id,
        assignee_id=ann.id,
        resolved_at=at(1),
        resolution_due_at=at(3),
        first_response_at=at(0, 2),
    )
    link(session, t1, a, "used", at(1))
    t2 = ticket(session, at(1), closed_at=at(3), group_id=first.id, assignee_id=ben.id)
    event(session, t2, "reject", at(2))
    ticket(session, at(2), group_id=second.id, assignee_id=ann.id, first_response_at=at(2, 4))
    teams = {r.name: r for r in report_tables.breakdown(session, WEEK, "team")}
    # First: in 2, closed 2, linked 1 of 2, reopened 1 of 2, resolved in time 1 of 1.
    assert (teams["First"].tickets_in, teams["First"].tickets_closed) == (2, 2)
    assert teams["First"].link_rate == Rate(1, 2)
    assert teams["First"].reopen == Rate(1, 2)
    assert teams["First"].resolution_sla == Rate(1, 1)
    assert teams["Second"].tickets_in == 1
    people = {r.name: r for r in report_tables.breakdown(session, WEEK, "person")}
    # Ann: first responses 2 h and 4 h, median 3 h.
    assert people["Ann"].first_response == spread([2 * HOUR, 4 * HOUR])
    assert people["Ann"].first_response.median == 3 * HOUR
    assert people["Ben"].reopen == Rate(1, 1)


def test_weekly_series(session):
    two_weeks = Period(T0, T0 + timedelta(days=14))
    a = article(session)
    ticket(session, at(1))
    ticket(session, at(2), closed_at=at(9))
    linked = ticket(session, at(8), closed_at=at(10))
    link(session, linked, a, "used", at(9))
    weeks = report_tables.weekly(session, two_weeks, DESK)
    # Week 1: in 2, closed 0; week 2: in 1, closed 2 of which 1 linked.
    assert [(w.tickets_in, w.tickets_closed, w.link_rate) for w in weeks] == [
        (2, 0, Rate(0, 0)),
        (1, 2, Rate(1, 2)),
    ]


NOW = datetime(2026, 5, 14, 15, 30, tzinfo=UTC)  # a Thursday in the second quarter


@pytest.mark.parametrize(
    ("name", "first", "end"),
    [
        ("week", date(2026, 5, 11), date(2026, 5, 15)),  # Monday to today included
        ("30d", date(2026, 4, 15), date(2026, 5, 15)),
        ("quarter", date(2026, 4, 1), date(2026, 5, 15)),
    ],
)
def test_named_periods(name, first, end):
    got = named_period(name, NOW)
    assert (got.start.date(), got.end.date()) == (first, end)


def test_custom_period_includes_its_last_day_and_refuses_nonsense():
    got = named_period("custom", NOW, date(2026, 1, 1), date(2026, 1, 31))
    assert got.end - got.start == timedelta(days=31)
    for bad in (("custom", None, None), ("custom", date(2026, 2, 1), date(2026, 1, 1))):
        with pytest.raises(Invalid):
            named_period(bad[0], NOW, bad[1], bad[2])
    with pytest.raises(Invalid):
        named_period("custom", NOW, date(2024, 1, 1), date(2026, 1, 1))
    with pytest.raises(Invalid):
        named_period("decade", NOW)
