"""Loading the people an event may concern, for the pure rules of `recipients`."""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import STAFF_ROLES
from kb_service.accounts.models import User, UserRole
from tickets.models import Escalation, SupportGroup, Ticket
from tickets.notifications.models import NotificationPreference
from tickets.notifications.recipients import Person


def person(user: User | None) -> tuple[Person, ...]:
    if user is None or not user.is_active:
        return ()
    staff = any(row.role in STAFF_ROLES for row in user.role_rows)
    return (Person(user.email, user.id, user.locale, user.name, staff),)


def with_role(session: Session, role: str) -> tuple[Person, ...]:
    users = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == role, User.is_active)
        .options(selectinload(User.role_rows))
        .order_by(User.id)
    )
    return tuple(p for user in users for p in person(user))


def load_ticket(session: Session, ticket_id: int) -> Ticket | None:
    return session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(
            selectinload(Ticket.requester).selectinload(User.role_rows),
            selectinload(Ticket.assignee).selectinload(User.role_rows),
            selectinload(Ticket.group)
            .selectinload(SupportGroup.members)
            .selectinload(User.role_rows),
        )
    )


def load_escalation(session: Session, escalation_id) -> Escalation | None:
    if not isinstance(escalation_id, int):
        return None
    return session.scalar(
        select(Escalation)
        .where(Escalation.id == escalation_id)
        .options(
            selectinload(Escalation.by).selectinload(User.role_rows),
            selectinload(Escalation.to_user).selectinload(User.role_rows),
            selectinload(Escalation.to_group)
            .selectinload(SupportGroup.members)
            .selectinload(User.role_rows),
            selectinload(Escalation.outside),
        )
    )


def requester(ticket: Ticket) -> tuple[Person, ...]:
    """The account that asked, or the address an anonymous requester gave, in their language."""
    if ticket.requester is not None:
        return person(ticket.requester)
    name = ticket.requester_name or ""
    return (Person(ticket.requester_email, None, ticket.locale, name),)


def people_for(
    session: Session, ticket: Ticket, escalation: Escalation | None, wanted: set[str]
) -> dict[str, tuple[Person, ...]]:
    """Each wanted audience as people. A ticket nobody holds is the dispatchers' to handle."""
    found: dict[str, tuple[Person, ...]] = {"requester": requester(ticket)}
    found["assignee"] = person(ticket.assignee)
    members = ticket.group.members if ticket.group else []
    handlers = found["assignee"] or tuple(p for user in members for p in person(user))
    if "handlers" in wanted and not handlers:
        handlers = with_role(session, "dispatcher")
    found["handlers"] = handlers
    for role in ("dispatcher", "manager"):
        if f"{role}s" in wanted:
            found[f"{role}s"] = with_role(session, role)
    if escalation is not None:
        found["escalated_by"] = person(escalation.by)
        group = escalation.to_group.members if escalation.to_group else []
        found["escalated_to"] = person(escalation.to_user) or tuple(
            p for user in group for p in person(user)
        )
    return found


def disabled_for(session: Session, user_ids: set[int]) -> frozenset[tuple[int, str]]:
    """(user id, event) for every event these people turned off."""
    if not user_ids:
        return frozenset()
    rows = session.execute(
        select(NotificationPreference.user_id, NotificationPreference.event).where(
            NotificationPreference.user_id.in_(user_ids), NotificationPreference.enabled.is_(False)
        )
    )
    return frozenset((user_id, event) for user_id, event in rows)
