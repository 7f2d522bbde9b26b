"""The console's views of the desk: which tickets a queue holds, filtered and sorted."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.errors import Forbidden
from tickets.models import Ticket


def recent(session: Session, viewer: Viewer, limit: int = 50) -> list[Ticket]:
    """The newest tickets of the desk, for staff."""
    if not viewer.is_staff:
        raise Forbidden("only staff see the desk's tickets")
    query = select(Ticket).options(selectinload(Ticket.product)).order_by(Ticket.id.desc())
    return list(session.scalars(query.limit(limit)))
