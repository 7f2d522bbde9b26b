"""The console's view of what was sent (or written to the mail folder): administrators only."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.errors import Forbidden, NotFound
from tickets.notifications.models import Notification

READERS = frozenset({"admin"})


def _require_reader(viewer: Viewer) -> None:
    # Mail carries clients' text and links that open their tickets: not for every staff role.
    if not viewer.has_any(READERS):
        raise Forbidden("only administrators read the desk's mail")


def list_mail(session: Session, viewer: Viewer, limit: int = 100) -> list[Notification]:
    """The newest notifications, any status."""
    _require_reader(viewer)
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    return list(session.scalars(query))


def get_mail(session: Session, viewer: Viewer, notification_id: int) -> Notification:
    _require_reader(viewer)
    row = session.get(Notification, notification_id)
    if row is None:
        raise NotFound(f"no notification {notification_id}")
    return row
