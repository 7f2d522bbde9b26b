"""Tickets the desk enters for a caller: finding who is calling, and opening on their behalf."""

from dataclasses import dataclass
from typing import Annotated

from pydantic import ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import STAFF_ROLES, Viewer
from kb_service.accounts.models import Organisation, User, UserRole
from kb_service.accounts.service import normalise_email
from kb_service.errors import Forbidden, Invalid
from kb_service.hostile_input import NulFree
from tickets import desk, workflow
from tickets.models import PRIORITIES, Ticket

MAX_FOUND = 20
Short = Annotated[str, Field(max_length=200)]


@dataclass(frozen=True)
class Caller:
    """A person the desk knows: a client's account, or a requester of an earlier ticket."""

    name: str
    email: str
    phone: str = ""
    user_id: int | None = None
    organisation_id: int | None = None
    organisation: str = ""


class CallerForm(NulFree):
    """The dispatcher's form as typed, kept when it is refused."""

    model_config = ConfigDict(frozen=True)

    user_id: Short = ""
    name: Short = ""
    email: str = Field("", max_length=254)
    phone: Short = ""
    organisation_id: Short = ""
    subject: str = Field("", max_length=300)
    body: str = Field("", max_length=desk.MAX_TEXT)
    priority: Short = "normal"

    @classmethod
    def of(cls, caller: Caller | None) -> "CallerForm":
        """The form filled in for a caller found (empty without one)."""
        if caller is None:
            return cls()
        return cls(
            user_id=str(caller.user_id or ""),
            name=caller.name,
            email=caller.email,
            phone=caller.phone,
            organisation_id=str(caller.organisation_id or ""),
        )


def find(session: Session, viewer: Viewer, q: str) -> list[Caller]:
    """Clients whose name, e-mail or organisation holds `q`, and earlier callers by phone."""
    _check(viewer)
    q = q.strip()
    if len(q) < 2:
        return []
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    staff = select(UserRole.user_id).where(UserRole.role.in_(sorted(STAFF_ROLES)))
    users = session.scalars(
        select(User)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(
            User.is_active,
            User.id.not_in(staff),
            or_(
                *(c.ilike(pattern, escape="\\") for c in (User.name, User.email, Organisation.name))
            ),
        )
        .options(selectinload(User.organisation))
        .order_by(User.name)
        .limit(MAX_FOUND)
    )
    found = [
        Caller(
            u.name,
            u.email,
            "",
            u.id,
            u.organisation_id,
            u.organisation.name if u.organisation else "",
        )
        for u in users
    ]
    return found + _by_phone(session, pattern, {c.email for c in found})


def _by_phone(session: Session, pattern: str, known: set[str]) -> list[Caller]:
    rows = session.execute(
        select(
            Ticket.requester_name,
            Ticket.requester_email,
            Ticket.requester_phone,
            Ticket.requester_id,
            Ticket.organisation_id,
        )  # fmt: skip
        .where(Ticket.requester_phone.ilike(pattern, escape="\\"))
        .order_by(Ticket.id.desc())
        .limit(MAX_FOUND)
    )
    callers = {}
    for name, email, phone, user_id, organisation_id in rows:
        if email not in known and email not in callers:
            callers[email] = Caller(name, email, phone, user_id, organisation_id)
    return list(callers.values())


def open_for(session: Session, viewer: Viewer, form: CallerForm) -> Ticket:
    """Enter a caller's request as a phone ticket, recorded as created by `viewer`."""
    _check(viewer)
    errors = [
        {"where": where, "message": "invalid"}
        for where, bad in (
            ("subject", len(form.subject.strip()) < 3),
            ("body", len(form.body.strip()) < 3),
            ("priority", form.priority not in PRIORITIES),
            ("email", not form.email.strip() and not form.user_id.strip()),
        )
        if bad
    ]
    if errors:
        raise Invalid("the request is incomplete", errors=errors)
    user = _client(session, form.user_id)
    email = user.email if user else _email(form.email)
    return desk.open_ticket(
        session,
        desk.NewTicket(
            subject=form.subject.strip(),
            body=form.body.strip(),
            channel="phone",
            requester_email=email,
            requester_name=form.name.strip() or (user.name if user else ""),
            requester_phone=form.phone.strip()[:40],
            requester_id=user.id if user else None,
            organisation_id=_organisation_id(session, form.organisation_id),
            priority=form.priority,
            created_by_id=viewer.user_id,
        ),
    )


def _check(viewer: Viewer) -> None:
    if not viewer.has_any(workflow.WORK):
        raise Forbidden("only the desk enters requests for callers")


def _client(session: Session, user_id: str) -> User | None:
    if not user_id.strip():
        return None
    valid = user_id.strip().isdigit() and len(user_id.strip()) < 10
    user = session.get(User, int(user_id)) if valid else None
    if user is None or not user.is_active or user.roles & STAFF_ROLES:
        raise Invalid("no such client", errors=[{"where": "user_id", "message": "invalid"}])
    return user


def _email(email: str) -> str:
    try:
        return normalise_email(email)
    except Invalid as exc:
        raise Invalid(exc.message, errors=[{"where": "email", "message": "invalid"}]) from exc


def _organisation_id(session: Session, value: str) -> int | None:
    if not value.strip():
        return None
    valid = value.strip().isdigit() and len(value.strip()) < 10
    if not valid or session.get(Organisation, int(value)) is None:
        raise Invalid("no such organisation", errors=[{"where": "organisation", "message": "x"}])
    return int(value)
