"""Tickets' deadlines: computed from the contract in force and the ticket's history (by the
rules of `tickets/sla.py`), and watched by a job that warns before they pass and records
the breaches.

`apply_deadlines(session, ticket, now)` is what the ticket service calls when a ticket is
created and when its priority or status changes. `watch_deadlines` is a desk job
(tickets/jobs.py); several workers may run it at once, since each mark is claimed by a
conditional UPDATE in a short transaction of its own and only the one that claims it emits.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Column, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from tickets import sla
from tickets.contracts.models import ServiceContract
from tickets.contracts.service import WITH_CALENDAR, contract_value, default_contract
from tickets.events import emit
from tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
WAITING = "waiting"
# Statuses whose clocks no longer run.
DONE = ("resolved", "closed")


def apply_deadlines(session: Session, ticket: Ticket, now: datetime) -> sla.Deadlines | None:
    """Compute and store the ticket's contract and deadlines from its history up to `now`."""
    default = default_contract(session)
    if default is None:
        log.warning("no default contract: ticket %s gets no deadlines", ticket.number)
        return None
    opened_at = ticket.created_at or now
    # The current priority counts from the opening (tickets/sla.py), so it is all the history
    # the rules need.
    deadlines = sla.ticket_deadlines(
        opened_at,
        [(opened_at, ticket.priority)],
        waiting_pauses(_status_changes(session, ticket), ticket.status, now),
        [contract_value(c) for c in _contracts_of(session, ticket.organisation_id)],
        contract_value(default),
        ticket.first_response_at,
    )
    ticket.contract_id = deadlines.contract.key
    ticket.response_due_at = deadlines.response_due
    ticket.resolution_due_at = deadlines.resolution_due
    return deadlines


def waiting_pauses(
    changes: Sequence[tuple[datetime, str, str]], status: str, now: datetime
) -> list[sla.Pause]:
    """The spells in "waiting" from the status changes (at, before, after), in order.

    The current status settles a change not yet in the history: a ticket waiting now is
    paused since `now` at the latest, and one no longer waiting was resumed by `now`.
    """
    pauses: list[sla.Pause] = []
    began: datetime | None = None
    for at, before, after in changes:
        if after == WAITING and began is None:
            began = at
        elif before == WAITING and after != WAITING and began is not None:
            pauses.append((began, at))
            began = None
    if status == WAITING:
        pauses.append((began or now, None))
    elif began is not None:
        pauses.append((began, now))
    return pauses


def _status_changes(session: Session, ticket: Ticket) -> list[tuple[datetime, str, str]]:
    if ticket.id is None:
        return []
    query = (
        select(TicketEvent.created_at, TicketEvent.changes)
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    return [
        (at, *changes["status"])
        for at, changes in session.execute(query)
        if isinstance(changes.get("status"), list) and len(changes["status"]) == 2
    ]


def _contracts_of(session: Session, organisation_id: int | None) -> list[ServiceContract]:
    if organisation_id is None:
        return []
    query = select(ServiceContract).where(ServiceContract.organisation_id == organisation_id)
    return list(session.scalars(query.options(*WITH_CALENDAR)))


def watch_deadlines(
    sessions: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> int:
    """Warn once a ticket has used its share of a deadline, record each deadline passed.

    How many marks were made. A warning names the running clock nearest its end that has not
    run out yet; once a clock has run out, its breach says more than a warning would.
    """
    now = now or utcnow()
    with session_scope(sessions) as session:
        tickets = list(session.scalars(_watched(now)))
        contracts = _contracts_by_key(session, {t.contract_id for t in tickets})
    marks = 0
    for ticket in tickets:
        contract = contracts.get(ticket.contract_id)
        if contract is not None:
            marks += _watch(sessions, ticket, contract, settings.sla_warning_share, now)
    return marks


def _watched(now: datetime):
    """Open tickets with a warning still to give or a breach still to record."""
    return select(Ticket).where(
        Ticket.status.not_in(DONE),
        or_(
            Ticket.sla_warned_at.is_(None)
            & (Ticket.response_due_at.is_not(None) | Ticket.resolution_due_at.is_not(None)),
            Ticket.response_breached_at.is_(None)
            & (Ticket.response_due_at < now)
            & Ticket.first_response_at.is_(None),
            Ticket.response_breached_at.is_(None)
            & (Ticket.first_response_at > Ticket.response_due_at),
            Ticket.resolution_breached_at.is_(None) & (Ticket.resolution_due_at < now),
        ),
    )


def _contracts_by_key(session: Session, keys: set[int | None]) -> dict[int | None, sla.Contract]:
    query = select(ServiceContract).where(ServiceContract.id.in_(keys - {None}))
    found = {c.id: contract_value(c) for c in session.scalars(query.options(*WITH_CALENDAR))}
    default = default_contract(session)
    if default is not None:
        found[None] = contract_value(default)
    return found


def _watch(sessions, ticket: Ticket, contract: sla.Contract, share: float, now: datetime) -> int:
    terms = contract.terms.get(ticket.priority)
    if terms is None:
        return 0
    marks = 0
    if ticket.sla_warned_at is None:
        marks += _warn(sessions, ticket, contract.calendar, _running(ticket, terms), share, now)
    for clock, due, done_at, column in (
        ("response", ticket.response_due_at, ticket.first_response_at, Ticket.response_breached_at),
        ("resolution", ticket.resolution_due_at, None, Ticket.resolution_breached_at),
    ):
        # Recorded as the moment the clock ran out, whenever the job notices.
        if getattr(ticket, column.key) is None and sla.is_breached(due, now, done_at):
            marks += _claim(sessions, ticket, column, due, ("sla_breached", clock, due))
    return marks


def _running(ticket: Ticket, terms: sla.Terms) -> list[tuple[str, datetime, timedelta]]:
    """(clock, due, term) of the clocks still running: response until the first response."""
    clocks = []
    if ticket.first_response_at is None and ticket.response_due_at is not None:
        clocks.append(("response", ticket.response_due_at, terms.response))
    if ticket.resolution_due_at is not None:
        clocks.append(("resolution", ticket.resolution_due_at, terms.resolution))
    return clocks


def _warn(sessions, ticket: Ticket, calendar: sla.Calendar, clocks, share: float, now) -> int:
    """Warn about the clock nearest its end that has used `share` and not yet run out.

    When every running clock has run out, the mark is set without a warning: the breaches
    say more, and the ticket leaves the watch list.
    """
    used = sorted(
        ((sla.share_used(calendar, term, due, now), clock, due) for clock, due, term in clocks),
        reverse=True,
    )
    near = [(clock, due) for part, clock, due in used if share <= part < 1]
    if near:
        return _claim(sessions, ticket, Ticket.sla_warned_at, now, ("sla_warning", *near[0]))
    if used and all(part >= 1 for part, _, _ in used):
        return _claim(sessions, ticket, Ticket.sla_warned_at, now, None)
    return 0


def _claim(sessions, ticket: Ticket, column: Column, value: datetime, event) -> int:
    """Set `column` once, in a transaction of its own, and emit `event` (name, clock, due)
    only when this worker was the one that set it: 1 when it was, 0 when another was first."""
    with session_scope(sessions) as session:
        claimed = session.execute(
            update(Ticket.__table__)
            .where(Ticket.id == ticket.id, column.is_(None))
            .values({column.key: value})
        )
        if claimed.rowcount != 1:
            return 0
        if event is not None:
            name, clock, due = event
            emit(session, ticket, name, clock=clock, due=due.isoformat())
    set_committed_value(ticket, column.key, value)
    return 1
