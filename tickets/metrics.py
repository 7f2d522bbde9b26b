"""What the desk's database says about the desk, for `/metrics` (kb_service/observability.py).

Counted at scrape time from indexed columns, so every worker and node reports the same
numbers and nothing is lost by a restart.
"""

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kb_service.observability import Gauge
from tickets.intake.models import InboundMail
from tickets.models import Ticket
from tickets.notifications.models import STATUSES as MAIL_STATUSES
from tickets.notifications.models import Notification
from tickets.workflow import WORKING


def desk_gauges(session: Session) -> Iterable[Gauge]:
    open_by_priority = dict(
        session.execute(
            select(Ticket.priority, func.count())
            .where(Ticket.status.in_(WORKING))
            .group_by(Ticket.priority)
        ).all()
    )
    breached = dict(
        session.execute(
            select(Ticket.priority, func.count())
            .where(
                Ticket.status.in_(WORKING),
                or_(
                    Ticket.response_breached_at.is_not(None),
                    Ticket.resolution_breached_at.is_not(None),
                ),
            )
            .group_by(Ticket.priority)
        ).all()
    )
    yield Gauge(
        "spravka_open_tickets",
        "Tickets being worked (new, open, waiting), by priority.",
        ("priority",),
        [((p,), n) for p, n in sorted(open_by_priority.items())],
    )
    yield Gauge(
        "spravka_sla_breached_open_tickets",
        "Tickets being worked that missed their response or resolution deadline, by priority.",
        ("priority",),
        [((p,), breached.get(p, 0)) for p in sorted(open_by_priority)],
    )
    mail = dict(
        session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    )
    yield Gauge(
        "spravka_emails",
        "Notification e-mails by state: sent, failed (given up after retries) or pending.",
        ("status",),
        [((s,), mail.get(s, 0)) for s in MAIL_STATUSES],
    )
    quarantined = session.scalar(
        select(func.count()).select_from(InboundMail).where(InboundMail.outcome == "quarantined")
    )
    yield Gauge(
        "spravka_intake_quarantined",
        "Inbound e-mail messages held in quarantine for a person to look at.",
        (),
        [((), quarantined or 0)],
    )
