"""Following up: an unanswered solution closes the ticket after the contract's working days;
an outside firm's promise is reminded of before its date and alerted on once it passes."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kb_service.access import Viewer
from kb_service.outbox import OutboxEvent
from tests.builders import make_user
from tickets import desk, followups, sla
from tickets.events import TOPIC
from tickets.models import OutsideOrganisation, Ticket

ADMIN = desk.Actor(None, frozenset({"admin"}), "staff")
STAFF = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)


def _ticket(session, now) -> Ticket:
    client = make_user(session, ("client",), "Org", password=None)
    new = desk.NewTicket("Printer jams", "It jams.", "api", client.email, requester_id=client.id)
    return desk.open_ticket(session, new, now=now)


def _events(session, name: str) -> list[dict]:
    rows = session.scalars(select(OutboxEvent).where(OutboxEvent.topic == TOPIC))
    return [r.payload for r in rows if r.payload["event"] == name]


def test_working_days_skip_weekends_and_holidays_and_keep_the_time():
    moscow = sla.Calendar(
        "Europe/Moscow",
        week=tuple([((9 * 60, 18 * 60),)] * 5 + [(), ()]),
        days={datetime(2026, 11, 4).date(): ()},  # National Unity Day
    )
    friday_evening = datetime(2026, 10, 30, 17, 30, tzinfo=UTC)  # 20:30 in Moscow
    # Mon 2, Tue 3, (Wed 4 is a holiday), Thu 5, Fri 6, Mon 9 -> the fifth working day.
    assert sla.add_working_days(moscow, friday_evening, 5) == datetime(
        2026, 11, 9, 17, 30, tzinfo=UTC
    )


def test_an_unanswered_solution_closes_the_ticket_on_the_default_terms(sessions, settings):
    opened = datetime(2026, 11, 9, 7, 0, tzinfo=UTC)  # Monday 10:00 in Moscow
    with sessions.begin() as s:
        ticket = _ticket(s, opened)
        desk.resolve(s, ADMIN, ticket, "Replace the roller.", now=opened + timedelta(hours=1))
        number, due = ticket.number, ticket.close_due_at
    # The default contract sends the solution at once; five working days later it closes.
    assert due == datetime(2026, 11, 16, 8, 0, tzinfo=UTC)
    assert followups.close_unanswered(sessions, settings) == 1  # today is past that
    assert followups.close_unanswered(sessions, settings) == 0
    with sessions() as s:
        closed = s.scalar(select(Ticket).where(Ticket.number == number))
        assert closed.status == "closed" and closed.closed_at is not None
        assert [e["reason"] for e in _events(s, "closed")] == ["timeout"]


def test_an_outside_promise_is_reminded_once_and_alerted_once(sessions, settings):
    now = datetime.now(UTC)
    with sessions.begin() as s:
        ticket = _ticket(s, now)
        vendor = OutsideOrganisation(name="Acme")
        s.add(vendor)
        s.flush()
        ticket = desk.get(s, STAFF, ticket.number)
        engineer = make_user(s, ("engineer",), password=None)
        actor = desk.Actor(engineer.id, frozenset({"engineer"}), "staff")
        desk.escalate_outside(s, actor, ticket, vendor.id, "Fuser", "A-1", now + timedelta(hours=2))
        escalation = ticket.escalations[0]
    assert followups.watch_outside_promises(sessions, settings) == 1  # within 24 h: reminded
    assert followups.watch_outside_promises(sessions, settings) == 0
    with sessions.begin() as s:
        s.get(type(escalation), escalation.id).promised_at = now - timedelta(minutes=1)
    assert followups.watch_outside_promises(sessions, settings) == 1  # passed: alerted
    assert followups.watch_outside_promises(sessions, settings) == 0
    with sessions() as s:
        near, passed = _events(s, "outside_promise_near"), _events(s, "outside_promise_passed")
        assert [(e["outside"], e["by"]) for e in near + passed] == [("Acme", engineer.id)] * 2
