"""What the client sees of the plans: the visits to their own tickets, when and by whom.

Only these three facts: the desk's titles, notes and other kinds of work stay inside.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from tickets import desk
from tickets.models import Ticket
from tickets.planning.models import VISIT, PlannedWork
from tickets.planning.service import desk_zone


@dataclass(frozen=True)
class Visit:
    """A visit as the client sees it: when (in the desk's zone) and who comes."""

    starts_at: datetime
    ends_at: datetime
    engineer: str


def visits_for_ticket(session: Session, viewer: Viewer, ticket_id: int) -> list[Visit]:
    """The visits planned on a ticket the viewer may see (none on any other ticket)."""
    query = (
        select(PlannedWork)
        .join(Ticket, PlannedWork.ticket_id == Ticket.id)
        .where(Ticket.id == ticket_id, desk.ticket_filter(viewer), PlannedWork.kind == VISIT)
        .options(selectinload(PlannedWork.engineer))
        .order_by(PlannedWork.starts_at)
    )
    found = list(session.scalars(query))
    zone = desk_zone(session) if found else None
    return [
        Visit(w.starts_at.astimezone(zone), w.ends_at.astimezone(zone), w.engineer.name)
        for w in found
    ]
