"""What each person chose to be told: one switch per event, on unless turned off."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import STAFF_ROLES, Viewer
from kb_service.accounts.models import User
from kb_service.accounts.service import get_user
from kb_service.errors import Forbidden, Invalid
from tickets.notifications.models import NotificationPreference
from tickets.notifications.recipients import CLIENT_EVENTS, STAFF_EVENTS


def choosable(user: User) -> tuple[str, ...]:
    """The events `user` may turn off; the rest (a solution to confirm, breaches) always go."""
    return STAFF_EVENTS if user.roles & STAFF_ROLES else CLIENT_EVENTS


def preferences_of(session: Session, user: User) -> dict[str, bool]:
    """Each event the user may choose about, and whether it is sent."""
    rows = session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    chosen = {row.event: row.enabled for row in rows}
    return {event: chosen.get(event, True) for event in choosable(user)}


def set_preference(session: Session, user: User, event: str, enabled: bool) -> None:
    """Turn one event on or off for `user`."""
    if event not in choosable(user):
        raise Invalid(
            f"{event!r} cannot be turned off", errors=[{"where": "event", "message": event}]
        )
    row = session.get(NotificationPreference, (user.id, event))
    if row is None:
        session.add(NotificationPreference(user_id=user.id, event=event, enabled=enabled))
    else:
        row.enabled = enabled
    session.flush()


def preferences_for(session: Session, viewer: Viewer) -> dict[str, bool]:
    """The signed-in viewer's choices, for their settings page."""
    return preferences_of(session, _user(session, viewer))


def save_preferences(session: Session, viewer: Viewer, enabled: set[str]) -> dict[str, bool]:
    """Send the events in `enabled`, and none of the others the viewer may turn off."""
    user = _user(session, viewer)
    for event in choosable(user):
        set_preference(session, user, event, event in enabled)
    return preferences_of(session, user)


def _user(session: Session, viewer: Viewer) -> User:
    if viewer.user_id is None:
        raise Forbidden("sign in to choose your notifications")
    return get_user(session, viewer.user_id)
