"""Following up on tickets nobody is acting on: solutions the client left unanswered, and
promises of outside firms that are near or broken.

Desk jobs (tickets/jobs.py). Several workers may run them at once: each ticket is closed in
a transaction of its own, guarded by the ticket's version, and each reminder or alert is
claimed by a conditional UPDATE, so it happens once.
"""

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from kb_service.errors import Conflict
from tickets import desk, events
from tickets.models import Escalation, Ticket

log = logging.getLogger(__name__)
BATCH = 100


def close_unanswered(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Close resolved tickets whose client did not answer the solution in the set time."""
    now = utcnow()
    with session_scope(sessions) as session:
        due = session.scalars(
            select(Ticket.number)
            .where(Ticket.status == "resolved", Ticket.close_due_at <= now)
            .order_by(Ticket.close_due_at)
            .limit(BATCH)
        ).all()
    closed = 0
    for number in due:
        try:
            with session_scope(sessions) as session:
                ticket = session.scalar(
                    select(Ticket).where(Ticket.number == number).options(*desk.PAGE_LOAD)
                )
                if ticket is None or ticket.status != "resolved" or ticket.close_due_at > now:
                    continue  # another worker, or the client, was first
                desk.auto_close(session, ticket, now)
                closed += 1
        except Conflict:
            log.info("ticket %s changed while closing it; left for the next run", number)
    return closed


def watch_outside_promises(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Remind before an outside firm's promised date, and alert once it has passed."""
    now = utcnow()
    ahead = timedelta(hours=settings.outside_reminder_hours)
    done = 0
    for column, event, moment in (
        (Escalation.reminded_at, "outside_promise_near", now + ahead),
        (Escalation.overdue_at, "outside_promise_passed", now),
    ):
        with session_scope(sessions) as session:
            open_ones = session.scalars(
                select(Escalation.id).where(
                    Escalation.kind == "external",
                    Escalation.resolved_at.is_(None),
                    Escalation.promised_at <= moment,
                    column.is_(None),
                )
            ).all()
        for escalation_id in open_ones:
            done += _claim(sessions, escalation_id, column, event, now)
    return done


def _claim(sessions, escalation_id: int, column, event: str, now) -> int:
    with session_scope(sessions) as session:
        claimed = session.execute(
            update(Escalation)
            .where(Escalation.id == escalation_id, column.is_(None))
            .values({column.key: now})
        ).rowcount
        if not claimed:
            return 0
        escalation = session.scalar(
            select(Escalation)
            .where(Escalation.id == escalation_id)
            .options(selectinload(Escalation.outside))
        )
        ticket = session.get(Ticket, escalation.ticket_id)
        events.emit(
            session,
            ticket,
            event,
            escalation=escalation.id,
            promised_at=escalation.promised_at.isoformat(),
            outside=escalation.outside.name if escalation.outside else "",
            by=escalation.by_id,
        )
    return 1
