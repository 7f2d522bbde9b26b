"""The report's tables: the period's main measures per team and per person, and per week.

Each is one grouped query (a CASE sum per column) over the tickets the period touched, so it
does not grow with the number of teams, people or weeks; response times are split by team
or person in Python over one period's pairs of times.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from kb_service.accounts.models import User
from tickets.desk_measures import REOPENING
from tickets.kcs import SOLVING
from tickets.measuring import Period, Rate, Scope, Spread, any_of, spread
from tickets.models import SupportGroup, Ticket, TicketArticle, TicketEvent


@dataclass(frozen=True)
class Row:
    """One team's or person's line of the period's table."""

    id: int | None
    name: str
    tickets_in: int
    tickets_closed: int
    link_rate: Rate
    reopen: Rate
    resolution_sla: Rate
    first_response: Spread


def breakdown(session: Session, period: Period, by: str) -> list[Row]:
    """The period's main measures per team (`by="team"`) or per person (`by="person"`), in
    one grouped query and one query of response times."""
    key = Ticket.group_id if by == "team" else Ticket.assignee_id
    closed = period.holds(Ticket.closed_at)
    resolved = and_(period.holds(Ticket.resolved_at), Ticket.resolution_due_at.is_not(None))
    late = or_(
        Ticket.resolution_breached_at.is_not(None), Ticket.resolved_at > Ticket.resolution_due_at
    )
    linked = exists().where(
        TicketArticle.ticket_id == Ticket.id, TicketArticle.relation.in_(SOLVING)
    )
    reopened = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action.in_(REOPENING))
    sums = [
        func.count(case((period.holds(Ticket.created_at), 1))),
        func.count(case((closed, 1))),
        func.count(case((and_(closed, linked), 1))),
        func.count(case((and_(closed, reopened), 1))),
        func.count(case((resolved, 1))),
        func.count(case((and_(resolved, ~late), 1))),
    ]
    touched = any_of(period.holds(Ticket.created_at), closed, period.holds(Ticket.resolved_at))
    rows = session.execute(select(key, *sums).where(touched).group_by(key)).all()
    responses = _responses_by(session, period, key)
    names = _names(session, by, [row[0] for row in rows if row[0] is not None])
    table = [
        Row(
            id=k,
            name=names.get(k, ""),
            tickets_in=n_in,
            tickets_closed=n_closed,
            link_rate=Rate(n_linked, n_closed),
            reopen=Rate(n_reopened, n_closed),
            resolution_sla=Rate(n_met, n_due),
            first_response=spread(responses.get(k, [])),
        )
        for k, n_in, n_closed, n_linked, n_reopened, n_due, n_met in rows
    ]
    return sorted(table, key=lambda r: (r.id is None, r.name))


def _responses_by(session: Session, period: Period, key) -> dict:
    found = defaultdict(list)
    rows = session.execute(
        select(key, Ticket.created_at, Ticket.first_response_at).where(
            period.holds(Ticket.created_at), Ticket.first_response_at.is_not(None)
        )
    )
    for k, opened, answered in rows:
        found[k].append(answered - opened)
    return found


def _names(session: Session, by: str, ids: list) -> dict[int, str]:
    model = SupportGroup if by == "team" else User
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


@dataclass(frozen=True)
class Week:
    start: datetime
    tickets_in: int
    tickets_closed: int
    link_rate: Rate


def weekly(session: Session, period: Period, scope: Scope) -> list[Week]:
    """Tickets in, out and the link rate per week of the period, in one query."""
    weeks = period.weeks()
    linked = exists().where(
        TicketArticle.ticket_id == Ticket.id, TicketArticle.relation.in_(SOLVING)
    )
    columns = []
    for week in weeks:
        closed = week.holds(Ticket.closed_at)
        columns += [
            func.count(case((week.holds(Ticket.created_at), 1))),
            func.count(case((closed, 1))),
            func.count(case((and_(closed, linked), 1))),
        ]
    touched = any_of(period.holds(Ticket.created_at), period.holds(Ticket.closed_at))
    row = session.execute(select(*columns).where(touched, scope.tickets())).one()
    return [
        Week(week.start, row[3 * i], row[3 * i + 1], Rate(row[3 * i + 2], row[3 * i + 1]))
        for i, week in enumerate(weeks)
    ]
