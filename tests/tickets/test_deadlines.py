"""Deadlines stored on tickets from their contract and history, and the job that watches them."""

import itertools
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kb_service.accounts import service as accounts
from kb_service.outbox import OutboxEvent
from tickets.contracts import service as contracts
from tickets.contracts.deadlines import apply_deadlines, waiting_pauses, watch_deadlines
from tickets.contracts.schemas import CalendarIn, ContractIn
from tickets.models import Ticket, TicketEvent

MSK = ZoneInfo("Europe/Moscow")
MONDAY_10 = datetime(2026, 11, 23, 10, tzinfo=MSK)
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
# Around the clock: urgent answered within an hour and solved within two.
TERMS = {
    p: {"response_minutes": 60, "resolution_minutes": 120}
    for p in ("low", "normal", "high", "urgent")
}
_numbers = itertools.count(1)


def msk(*parts) -> datetime:
    return datetime(*parts, tzinfo=MSK)


def make_ticket(session, opened_at, organisation=None, **fields) -> Ticket:
    number = next(_numbers)
    ticket = Ticket(
        number=f"T{number}",
        subject="Printer jams",
        body="On every page.",
        requester_email="client@example.test",
        created_at=opened_at,
        organisation_id=organisation,
        **fields,
    )
    session.add(ticket)
    session.flush()
    return ticket


def change_status(session, ticket, at, before, after):
    session.add(
        TicketEvent(
            ticket_id=ticket.id, action="status", changes={"status": [before, after]}, created_at=at
        )
    )
    ticket.status = after
    session.flush()


def around_the_clock_contract(session, starts_on="2026-01-01", ends_on=None, **fields) -> int:
    organisation = accounts.get_or_create_organisation(session, "Acme")
    calendar = contracts.save_calendar(
        session, CalendarIn(name="24x7", time_zone="UTC", week=ALL_DAY)
    )
    contracts.create_contract(
        session,
        ContractIn(
            organisation_id=organisation.id,
            name="Premium",
            level="premium",
            starts_on=starts_on,
            ends_on=ends_on,
            calendar_id=calendar.id,
            terms=TERMS,
            **fields,
        ),
    )
    return organisation.id


def test_a_client_without_a_contract_gets_the_default_terms(session):
    ticket = make_ticket(session, MONDAY_10)
    apply_deadlines(session, ticket, MONDAY_10)
    # The migration's default: normal answered in 4 business hours, solved in 27 (Moscow 9-18).
    assert ticket.contract_id is None
    assert ticket.response_due_at == msk(2026, 11, 23, 14)
    assert ticket.resolution_due_at == msk(2026, 11, 26, 10)


def test_the_contract_in_force_at_the_opening_sets_the_terms(session):
    organisation = around_the_clock_contract(session, starts_on="2026-11-23")
    ticket = make_ticket(session, MONDAY_10, organisation, priority="urgent")
    apply_deadlines(session, ticket, MONDAY_10)
    assert ticket.contract_id is not None
    assert ticket.response_due_at == msk(2026, 11, 23, 11)
    assert ticket.resolution_due_at == msk(2026, 11, 23, 12)


def test_a_contract_that_starts_after_the_opening_does_not_apply(session):
    organisation = around_the_clock_contract(session, starts_on="2026-11-24")
    ticket = make_ticket(session, MONDAY_10, organisation, priority="urgent")
    apply_deadlines(session, ticket, msk(2026, 11, 24, 12))
    assert ticket.contract_id is None
    assert ticket.resolution_due_at == msk(2026, 11, 23, 14)


def test_the_solution_goes_to_the_client_as_the_ticket_contract_says(session):
    organisation = around_the_clock_contract(session, auto_notify_client=False)
    quiet = make_ticket(session, MONDAY_10, organisation)
    apply_deadlines(session, quiet, MONDAY_10)
    without_contract = make_ticket(session, MONDAY_10)
    apply_deadlines(session, without_contract, MONDAY_10)
    assert contracts.auto_notify_client(session, quiet) is False
    assert contracts.auto_notify_client(session, without_contract) is True


def test_waiting_on_the_client_moves_the_deadline_and_priority_recomputes_it(session):
    ticket = make_ticket(session, MONDAY_10, status="open")
    change_status(session, ticket, msk(2026, 11, 23, 12), "open", "waiting")
    apply_deadlines(session, ticket, msk(2026, 11, 23, 12))
    assert ticket.resolution_due_at is None  # no deadline while the clock stands
    change_status(session, ticket, msk(2026, 11, 23, 15), "waiting", "open")
    apply_deadlines(session, ticket, msk(2026, 11, 23, 15))
    # 27 business hours from Monday 10:00 plus the three hours waited.
    assert ticket.resolution_due_at == msk(2026, 11, 26, 13)
    ticket.priority = "urgent"
    apply_deadlines(session, ticket, msk(2026, 11, 23, 16))
    # Four hours from the opening: 10-12, then 15-17 after the pause.
    assert ticket.resolution_due_at == msk(2026, 11, 23, 17)


@pytest.mark.parametrize(
    ("changes", "status", "expected"),
    [
        ([], "open", []),
        ([(msk(2026, 11, 23, 12), "open", "waiting")], "waiting", [(msk(2026, 11, 23, 12), None)]),
        (
            [
                (msk(2026, 11, 23, 12), "open", "waiting"),
                (msk(2026, 11, 23, 15), "waiting", "open"),
            ],
            "open",
            [(msk(2026, 11, 23, 12), msk(2026, 11, 23, 15))],
        ),
        (
            [
                (msk(2026, 11, 23, 12), "new", "waiting"),
                (msk(2026, 11, 23, 13), "waiting", "waiting"),
            ],
            "waiting",
            [(msk(2026, 11, 23, 12), None)],
        ),
        ([], "waiting", [(msk(2026, 11, 23, 16), None)]),
        (
            [(msk(2026, 11, 23, 12), "open", "waiting")],
            "open",
            [(msk(2026, 11, 23, 12), msk(2026, 11, 23, 16))],
        ),
    ],
    ids=[
        "none",
        "waiting-now",
        "waited",
        "answered-twice",
        "change-not-yet-recorded",
        "resumed-not-yet-recorded",
    ],
)
def test_waiting_pauses(changes, status, expected):
    assert waiting_pauses(changes, status, msk(2026, 11, 23, 16)) == expected


def _events(sessions) -> list[dict]:
    with sessions() as s:
        query = select(OutboxEvent.payload).where(OutboxEvent.topic == "ticket")
        return [
            p for p in s.scalars(query.order_by(OutboxEvent.id)) if p["event"].startswith("sla")
        ]


def _watched_ticket(sessions, opened_at, now) -> int:
    with sessions.begin() as s:
        organisation = around_the_clock_contract(s)
        ticket = make_ticket(s, opened_at, organisation, priority="urgent")
        apply_deadlines(s, ticket, now)
        return ticket.id


def test_the_job_warns_once_then_records_the_breaches_once(sessions, settings):
    opened_at = datetime(2026, 11, 27, 9, tzinfo=UTC)
    ticket_id = _watched_ticket(sessions, opened_at, opened_at)
    assert watch_deadlines(sessions, settings, opened_at + timedelta(minutes=30)) == 0
    assert watch_deadlines(sessions, settings, opened_at + timedelta(minutes=50)) == 1
    assert watch_deadlines(sessions, settings, opened_at + timedelta(minutes=55)) == 0
    assert [(e["event"], e["clock"]) for e in _events(sessions)] == [("sla_warning", "response")]
    late = opened_at + timedelta(hours=3)
    assert watch_deadlines(sessions, settings, late) == 2
    assert watch_deadlines(sessions, settings, late) == 0
    assert [(e["event"], e["clock"], e["due"]) for e in _events(sessions)][1:] == [
        ("sla_breached", "response", "2026-11-27T10:00:00+00:00"),
        ("sla_breached", "resolution", "2026-11-27T11:00:00+00:00"),
    ]
    with sessions() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket.response_breached_at == datetime(2026, 11, 27, 10, tzinfo=UTC)
        assert ticket.resolution_breached_at == datetime(2026, 11, 27, 11, tzinfo=UTC)


def test_a_late_first_response_is_a_breach_and_an_answered_ticket_is_not(sessions, settings):
    opened_at = datetime(2026, 11, 27, 9, tzinfo=UTC)
    late = _watched_ticket(sessions, opened_at, opened_at)
    with sessions.begin() as s:
        s.get(Ticket, late).first_response_at = opened_at + timedelta(minutes=61)
    watch_deadlines(sessions, settings, opened_at + timedelta(minutes=62))
    assert [(e["event"], e["clock"]) for e in _events(sessions)] == [("sla_breached", "response")]


def test_resolved_and_waiting_tickets_are_not_watched(sessions, settings):
    opened_at = datetime(2026, 11, 27, 9, tzinfo=UTC)
    resolved = _watched_ticket(sessions, opened_at, opened_at)
    with sessions.begin() as s:
        s.get(Ticket, resolved).status = "resolved"
        waiting = make_ticket(s, opened_at, priority="urgent", status="open")
        change_status(s, waiting, opened_at + timedelta(minutes=1), "open", "waiting")
        apply_deadlines(s, waiting, opened_at + timedelta(minutes=1))
    assert watch_deadlines(sessions, settings, opened_at + timedelta(days=3)) == 0
    assert _events(sessions) == []


def test_workers_watching_at_once_mark_each_deadline_once(sessions, settings):
    opened_at = datetime(2026, 11, 27, 9, tzinfo=UTC)
    with sessions.begin() as s:
        organisation = around_the_clock_contract(s)
        for _ in range(3):
            ticket = make_ticket(s, opened_at, organisation, priority="urgent")
            apply_deadlines(s, ticket, opened_at)
    late, marks, start = opened_at + timedelta(hours=3), [], threading.Barrier(4)

    def worker():
        start.wait()
        marks.append(watch_deadlines(sessions, settings, late))

    workers = [threading.Thread(target=worker) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    # Each ticket: the warning mark (set silently, both clocks having run out) and two breaches.
    assert sum(marks) == 9
    assert len(_events(sessions)) == 6
