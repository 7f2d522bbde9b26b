"""The service desk's measures over a period, for the desk, a team or a person.

A team is the ticket's current support group, a person the ticket's current assignee: whoever
holds a ticket answers for its numbers. Counts are GROUP BY and CASE sums in the database;
medians and 90th percentiles are taken in Python over one period's pairs of times.
Times are wall-clock (the SLA's working hours judge only "met" and "breached").
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from kb_service.accounts.models import User
from tickets.measuring import Period, Rate, Scope, Spread, any_of, spread
from tickets.models import Escalation, Ticket, TicketEvent

# History actions that move a resolved or closed ticket back to open.
REOPENING = ("reject", "reopen")
# The client confirmed; the desk closed on the client's word (a phone call); nobody answered.
CONFIRMED = ("confirm", "close")
CLOSING = (*CONFIRMED, "auto_close")


@dataclass(frozen=True)
class Workload:
    """Tickets a person held open at some moment of the period, and resolved in it."""

    user_id: int | None
    name: str
    held: int
    resolved: int


@dataclass(frozen=True)
class DeskMeasures:
    tickets_in: int
    tickets_resolved: int
    tickets_closed: int
    first_response: Spread
    resolution: Spread
    response_sla: Rate
    resolution_sla: Rate
    reopen: Rate
    confirmation: Rate
    outside_on_time: Rate
    workload: list[Workload]


def desk_measures(session: Session, period: Period, scope: Scope, now: datetime) -> DeskMeasures:
    """Every desk measure of the period and scope; `now` decides which promises are due."""
    return DeskMeasures(
        tickets_in=tickets_in(session, period, scope),
        tickets_resolved=_count(session, _resolved(period, scope)),
        tickets_closed=tickets_out(session, period, scope),
        first_response=first_response(session, period, scope),
        resolution=resolution(session, period, scope),
        response_sla=response_sla(session, period, scope),
        resolution_sla=resolution_sla(session, period, scope),
        reopen=reopen_rate(session, period, scope),
        confirmation=confirmation_rate(session, period, scope),
        outside_on_time=outside_on_time(session, period, scope, now),
        workload=workload(session, period, scope),
    )


def _count(session: Session, where) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(where))


def _created(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(period.holds(Ticket.created_at), scope.tickets())


def _resolved(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(period.holds(Ticket.resolved_at), scope.tickets())


def _closed(period: Period, scope: Scope) -> ColumnElement[bool]:
    return and_(period.holds(Ticket.closed_at), scope.tickets())


def tickets_in(session: Session, period: Period, scope: Scope) -> int:
    """Tickets opened in the period."""
    return _count(session, _created(period, scope))


def tickets_out(session: Session, period: Period, scope: Scope) -> int:
    """Tickets closed in the period (a reopened ticket counts when it closes again)."""
    return _count(session, _closed(period, scope))


def first_response(session: Session, period: Period, scope: Scope) -> Spread:
    """From opening to the desk's first answer the client saw, of tickets opened in the period."""
    rows = session.execute(
        select(Ticket.created_at, Ticket.first_response_at).where(
            _created(period, scope), Ticket.first_response_at.is_not(None)
        )
    ).all()
    return spread([answered - opened for opened, answered in rows])


def resolution(session: Session, period: Period, scope: Scope) -> Spread:
    """From opening to resolution, of tickets resolved in the period."""
    rows = session.execute(
        select(Ticket.created_at, Ticket.resolved_at).where(_resolved(period, scope))
    ).all()
    return spread([resolved - opened for opened, resolved in rows])


def _sla(session: Session, done, due, breached, where) -> Rate:
    late = or_(breached.is_not(None), done > due)
    return _rate(session, ~late, and_(where, due.is_not(None)))


def _rate(session: Session, numerator, where) -> Rate:
    hit, total = session.execute(
        select(func.count(case((numerator, 1))), func.count()).select_from(Ticket).where(where)
    ).one()
    return Rate(hit, total)


def response_sla(session: Session, period: Period, scope: Scope) -> Rate:
    """First responses in the period within their deadline / first responses with a deadline;
    breached = the denominator less the numerator."""
    where = and_(period.holds(Ticket.first_response_at), scope.tickets())
    return _sla(
        session,
        Ticket.first_response_at,
        Ticket.response_due_at,
        Ticket.response_breached_at,
        where,
    )


def resolution_sla(session: Session, period: Period, scope: Scope) -> Rate:
    """Tickets resolved in the period within their deadline / those resolved with a deadline."""
    return _sla(
        session,
        Ticket.resolved_at,
        Ticket.resolution_due_at,
        Ticket.resolution_breached_at,
        _resolved(period, scope),
    )


def reopen_rate(session: Session, period: Period, scope: Scope) -> Rate:
    """Tickets closed in the period that were ever reopened or rejected / tickets closed."""
    reopened = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action.in_(REOPENING))
    return _rate(session, reopened, _closed(period, scope))


def confirmation_rate(session: Session, period: Period, scope: Scope) -> Rate:
    """Tickets closed in the period by the client's confirmation (or the desk on the client's
    word) / tickets closed in the period by one of those or by the timeout."""
    # The last closing of each ticket closed in the period, looked up by its ticket (indexed).
    last = (
        select(TicketEvent.action)
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action.in_(CLOSING))
        .order_by(TicketEvent.id.desc())
        .limit(1)
        .correlate(Ticket)
        .scalar_subquery()
    )
    closings = select(last.label("action")).where(_closed(period, scope)).subquery()
    hit, total = session.execute(
        select(
            func.count(case((closings.c.action.in_(CONFIRMED), 1))), func.count(closings.c.action)
        )
    ).one()
    return Rate(hit, total)


def outside_on_time(session: Session, period: Period, scope: Scope, now: datetime) -> Rate:
    """Outside escalations whose promised date fell in the period (and has passed) answered
    by that date / those escalations."""
    on_time = and_(
        Escalation.resolved_at.is_not(None), Escalation.resolved_at <= Escalation.promised_at
    )
    hit, total = session.execute(
        select(func.count(case((on_time, 1))), func.count())
        .select_from(Escalation)
        .join(Ticket, Ticket.id == Escalation.ticket_id)
        .where(
            Escalation.kind == "external",
            period.holds(Escalation.promised_at),
            Escalation.promised_at <= now,
            scope.tickets(),
        )
    ).one()
    return Rate(hit, total)


def _held(period: Period) -> ColumnElement[bool]:
    """Open at some moment of the period: opened before its end, not closed before its start."""
    return and_(
        Ticket.created_at < period.end,
        any_of(Ticket.closed_at.is_(None), Ticket.closed_at >= period.start),
    )


def workload(session: Session, period: Period, scope: Scope) -> list[Workload]:
    """Per assignee: tickets open at some moment of the period, and resolved in it; busiest
    first, the unassigned last."""
    resolved = func.count(case((period.holds(Ticket.resolved_at), 1)))
    rows = session.execute(
        select(Ticket.assignee_id, User.name, func.count(), resolved)
        .outerjoin(User, User.id == Ticket.assignee_id)
        .where(_held(period), scope.tickets())
        .group_by(Ticket.assignee_id, User.name)
    ).all()
    loads = [Workload(user_id, name or "", held, done) for user_id, name, held, done in rows]
    return sorted(loads, key=lambda w: (w.user_id is None, -w.held, w.name))
