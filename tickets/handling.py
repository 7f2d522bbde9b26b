"""The staff's work on one ticket from the console: the choices its forms offer, and each
submitted form turned into one action of the desk (tickets.desk)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from pydantic import ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import User, UserRole
from kb_service.catalogue.models import Product
from kb_service.errors import Conflict, Forbidden, Invalid
from kb_service.hostile_input import NulFree
from tickets import desk, linking, workflow
from tickets.models import OutsideOrganisation, SupportGroup, Ticket, TicketCategory

STALE = "the ticket changed since you opened it"
Short = Annotated[str, Field(max_length=200)]
ACTIONS = tuple(a for a in workflow.MOVES if a not in ("reply", "confirm", "reject", "auto_close"))


class ActionForm(NulFree):
    """A console form as typed: strings, so a refused form can be shown again as it was."""

    model_config = ConfigDict(frozen=True)

    version: Short = ""
    body: str = Field("", max_length=desk.MAX_TEXT)
    priority: Short = ""
    category: Short = ""
    product: Short = ""
    assignee: Short = ""
    group: Short = ""
    outside: Short = ""
    reference: Short = ""
    promised_at: Short = ""
    escalation: Short = ""
    equipment: Short = ""  # an item's id; "" leaves the ticket about no item
    # The standard answer the reply was filled from (tickets/standard_answers.py).
    standard_answer: Short = ""


@dataclass(frozen=True)
class Choices:
    """What the ticket page's forms offer."""

    groups: list[SupportGroup]
    staff: list[User]
    categories: list[TicketCategory]
    products: list[Product]
    outside: list[OutsideOrganisation]


def choices(session: Session) -> Choices:
    """Groups with their members, the staff who work tickets, categories, products, firms."""
    staff = select(UserRole.user_id).where(UserRole.role.in_(sorted(workflow.WORK)))
    return Choices(
        groups=list(
            session.scalars(
                select(SupportGroup)
                .options(selectinload(SupportGroup.members))
                .order_by(SupportGroup.tier, SupportGroup.name)
            )
        ),
        staff=list(
            session.scalars(
                select(User).where(User.id.in_(staff), User.is_active).order_by(User.name)
            )
        ),
        categories=list(session.scalars(select(TicketCategory).order_by(TicketCategory.slug))),
        products=list(session.scalars(select(Product).order_by(Product.name))),
        outside=list(
            session.scalars(select(OutsideOrganisation).order_by(OutsideOrganisation.name))
        ),
    )


def act(session: Session, viewer: Viewer, number: str, action: str, form: ActionForm, now=None):
    """Take `action` on the ticket as the staff member `viewer`; Conflict if it changed since
    the form was shown."""
    if not viewer.is_staff or action not in ACTIONS:
        raise Forbidden(f"you may not {action} from the console")
    ticket = desk.get(session, viewer, number)
    if form.version and form.version != str(ticket.version):
        raise Conflict(STALE)
    actor = desk.actor_for(viewer, ticket)
    _ACTS[action](session, actor, ticket, form, now)
    if action in ("answer", "request_info") and form.standard_answer:
        # A reply sent from a standard answer reuses the article: KCS counts it as used.
        linking.link(session, viewer, ticket, form.standard_answer, now)
    return ticket


def _classify(session, actor, ticket: Ticket, form: ActionForm, now):
    c = desk.Classification(
        priority=form.priority or None, category=form.category, product=form.product
    )
    return desk.classify(session, actor, ticket, c, now=now)


def _assign(session, actor, ticket: Ticket, form: ActionForm, now):
    assignee, group = _id(form.assignee, "assignee"), _id(form.group, "group")
    return desk.assign(session, actor, ticket, assignee, group, now=now)


def _escalate(session, actor, ticket: Ticket, form: ActionForm, now):
    to_user, to_group = _id(form.assignee, "assignee"), _id(form.group, "group")
    return desk.escalate(session, actor, ticket, form.body, to_user, to_group, now=now)


def _escalate_outside(session, actor, ticket: Ticket, form: ActionForm, now):
    outside = _id(form.outside, "outside")
    if outside is None:
        raise Invalid("choose the outside organisation", errors=[_where("outside")])
    promised = _moment(form.promised_at, "promised_at")
    return desk.escalate_outside(
        session, actor, ticket, outside, form.body, form.reference, promised, now=now
    )


def _outside_answered(session, actor, ticket: Ticket, form: ActionForm, now):
    escalation = _id(form.escalation, "escalation")
    return desk.outside_answered(session, actor, ticket, escalation or 0, form.body, now=now)


_ACTS = {
    "classify": _classify,
    "set_equipment": lambda s, a, t, f, now: desk.set_equipment(s, a, t, f.equipment, now=now),
    "assign": _assign,
    "take": lambda s, a, t, f, now: desk.take(s, a, t, now=now),
    "answer": lambda s, a, t, f, now: desk.answer(s, a, t, f.body, now=now),
    "request_info": lambda s, a, t, f, now: desk.answer(s, a, t, f.body, wait=True, now=now),
    "note": lambda s, a, t, f, now: desk.note(s, a, t, f.body, now=now),
    "escalate": _escalate,
    "escalate_outside": _escalate_outside,
    "outside_answered": _outside_answered,
    "resolve": lambda s, a, t, f, now: desk.resolve(s, a, t, f.body, now=now),
    "send_solution": lambda s, a, t, f, now: desk.send_solution(s, a, t, now=now),
    "close": lambda s, a, t, f, now: desk.close(s, a, t, now=now),
    "reopen": lambda s, a, t, f, now: desk.reopen(s, a, t, f.body, now=now),
}


def _id(value: str, where: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise Invalid(f"no such {where}", errors=[_where(where)])
    return int(value)


def _moment(value: str, where: str) -> datetime | None:
    """A date and time typed in the form (UTC, as the page shows them), or None."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Invalid("give a date and time", errors=[_where(where)]) from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _where(where: str) -> dict:
    return {"where": where, "message": "invalid"}
