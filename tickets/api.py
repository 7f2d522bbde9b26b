"""HTTP API of the service desk: tickets and every action of the workflow on them.

The same rules as the console: `tickets.desk` performs each action, `tickets.workflow`
decides who may, `desk.ticket_filter` decides who sees which ticket.
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.accounts.service import normalise_email
from kb_service.catalogue.equipment import warranty_state
from kb_service.catalogue.models import Equipment
from kb_service.db import utcnow
from kb_service.deps import OptionalVersionDep, SessionDep, ViewerDep
from kb_service.errors import Conflict, Forbidden, Invalid, Unauthorized
from kb_service.hostile_input import DB_INT_MAX
from tickets import desk, workflow
from tickets import search as ticket_search
from tickets.knowledge_api import router as knowledge_router
from tickets.models import Ticket
from tickets.schemas import (
    ActionIn,
    EscalationOut,
    EventOut,
    MessageOut,
    TicketEquipmentOut,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketSummary,
)

router = APIRouter(tags=["tickets"])
# First, so that "/tickets/{number}/article" is not taken for an action below.
router.include_router(knowledge_router)

Number = Annotated[str, Path(max_length=32, description='The ticket\'s number, e.g. "10042".')]

Action = Literal[
    "reply", "confirm", "reject", "classify", "set_equipment", "assign", "take", "answer",
    "request_info", "note", "escalate", "escalate_outside", "outside_answered", "resolve",
    "send_solution", "close", "reopen",
]  # fmt: skip


@router.get("/tickets", response_model=TicketPage)
def list_tickets(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    priority: Annotated[list[str] | None, Query()] = None,
    assignee: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
    group: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words or a number (staff).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
):
    """Tickets the caller may see (staff: all; a client: their own), newest change first;
    with `q`, staff get the best matches of the full-text ticket search first."""
    _signed_in(viewer)
    query = select(Ticket).where(desk.ticket_filter(viewer))
    if status_:
        query = query.where(Ticket.status.in_(status_))
    if priority:
        query = query.where(Ticket.priority.in_(priority))
    if assignee is not None:
        query = query.where(Ticket.assignee_id == assignee)
    if group is not None:
        query = query.where(Ticket.group_id == group)
    ranked: list[str] = []
    if q and q.strip():
        ranked = ticket_search.search(request.app.state.ticket_index, viewer, q)
        query = query.where(Ticket.number.in_(ranked))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.options(selectinload(Ticket.product), selectinload(Ticket.category))
    if ranked:
        rank = {number: i for i, number in enumerate(ranked)}
        found = sorted(session.scalars(page), key=lambda t: rank[t.number])
        return TicketPage(total=total, results=[_summary(t) for t in found[offset:][:limit]])
    page = page.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)
    return TicketPage(total=total, results=[_summary(t) for t in session.scalars(page)])


@router.post("/tickets", response_model=TicketOut, status_code=status.HTTP_201_CREATED)
def create_ticket(data: TicketIn, session: SessionDep, viewer: ViewerDep):
    """A client opens a ticket for themself; staff enter one for a client (say, a call)."""
    _signed_in(viewer)
    new = desk.NewTicket(
        subject=data.subject,
        body=data.body,
        channel=data.channel,
        requester_email="",
        priority=data.priority,
        created_by_id=viewer.user_id,
        product_id=desk.product_id(session, data.product) if data.product else None,
        equipment_id=data.equipment_id or None,
    )
    if viewer.is_staff:
        _on_behalf(session, new, data)
    else:
        if data.channel != "api" or data.requester_email or data.organisation_id or data.category:
            raise Forbidden("only staff open tickets for someone else or classify them")
        me = session.get(User, viewer.user_id)
        new.requester_email, new.requester_id = me.email, me.id
    ticket = desk.open_ticket(session, new)
    return _out(desk.get(session, viewer, ticket.number), viewer)


@router.get("/tickets/{number}", response_model=TicketOut)
def get_ticket(number: Number, session: SessionDep, viewer: ViewerDep):
    """The ticket with its conversation (internal notes for staff only) and history."""
    _signed_in(viewer)
    return _out(desk.get(session, viewer, number), viewer)


@router.post("/tickets/{number}/{action}", response_model=TicketOut)
def act(
    number: Number,
    action: Action,
    data: ActionIn,
    session: SessionDep,
    viewer: ViewerDep,
    version: OptionalVersionDep = None,
):
    """Take a workflow action. Send `If-Match` with the version you saw to be told (409)
    when someone changed the ticket in between.

    reply / reject / answer / request_info / note / resolve / reopen: `text`.
    classify: `priority`, `category`, `product`, `organisation_id`.
    assign: `assignee_id` and/or `group_id`. take: nothing.
    escalate: `text` (reason) and `assignee_id` and/or `group_id` of a higher tier.
    escalate_outside: `outside_id`, `text` (reason), `reference`, `promised_at`.
    outside_answered: `escalation_id`, `text` (their answer).
    set_equipment: `equipment_id`, an item of the ticket's organisation ("" clears it).
    send_solution, confirm, close: nothing.
    """
    _signed_in(viewer)
    ticket = desk.get(session, viewer, number)
    if version is not None and version != ticket.version:
        raise Conflict(
            f"ticket {number} changed since you saw it (version {version}, now "
            f"{ticket.version}); reload it and try again"
        )
    perform(session, desk.actor_for(viewer, ticket), ticket, action, data)
    session.flush()
    session.expire_all()
    return _out(desk.get(session, viewer, number), viewer)


def perform(session, actor: desk.Actor, ticket: Ticket, action: str, data: ActionIn) -> None:
    """Run one workflow action with the fields it takes."""
    text = data.text
    match action:
        case "reply":
            desk.reply(session, actor, ticket, text, channel="api")
        case "confirm":
            desk.confirm(session, actor, ticket)
        case "reject":
            desk.reject(session, actor, ticket, text)
        case "classify":
            fields = desk.Classification(
                data.priority, data.category, data.product, data.organisation_id
            )
            desk.classify(session, actor, ticket, fields)
        case "set_equipment":
            desk.set_equipment(session, actor, ticket, data.equipment_id)
        case "assign":
            desk.assign(session, actor, ticket, data.assignee_id, data.group_id)
        case "take":
            desk.take(session, actor, ticket)
        case "answer" | "request_info":
            desk.answer(session, actor, ticket, text, wait=action == "request_info")
        case "note":
            desk.note(session, actor, ticket, text)
        case "escalate":
            desk.escalate(session, actor, ticket, text, data.assignee_id, data.group_id)
        case "escalate_outside":
            if data.outside_id is None:
                raise Invalid("name the outside firm", errors=[_where("outside_id")])
            desk.escalate_outside(
                session, actor, ticket, data.outside_id, text, data.reference, data.promised_at
            )
        case "outside_answered":
            if data.escalation_id is None:
                raise Invalid("name the escalation", errors=[_where("escalation_id")])
            desk.outside_answered(session, actor, ticket, data.escalation_id, text)
        case "resolve":
            desk.resolve(session, actor, ticket, text)
        case "send_solution":
            desk.send_solution(session, actor, ticket)
        case "close":
            desk.close(session, actor, ticket)
        case "reopen":
            desk.reopen(session, actor, ticket, text)


def _signed_in(viewer: Viewer) -> None:
    if viewer.user_id is None:
        raise Unauthorized("sign in or send a bearer token to use tickets")


def _on_behalf(session, new: desk.NewTicket, data: TicketIn) -> None:
    if not data.requester_email and not data.requester_phone:
        raise Invalid(
            "say who the request is from: requester_email or requester_phone",
            errors=[_where("requester_email")],
        )
    if data.requester_email:
        new.requester_email = normalise_email(data.requester_email)
        user = session.scalar(select(User).where(User.email == new.requester_email))
        if user is not None:
            new.requester_id = user.id
    new.requester_name, new.requester_phone = data.requester_name, data.requester_phone
    new.organisation_id = data.organisation_id
    if data.equipment_id and not new.organisation_id:
        new.organisation_id = _organisation_by_item(session, new, data.equipment_id)
    new.category_id = desk.category_id(session, data.category) if data.category else None


def _organisation_by_item(session, new: desk.NewTicket, equipment_id: str) -> int | None:
    """A call names the item but not the client: the item's organisation, unless the
    requester belongs to one (then the item must be theirs)."""
    requester = session.get(User, new.requester_id) if new.requester_id else None
    if requester is not None and requester.organisation_id is not None:
        return requester.organisation_id
    item = session.get(Equipment, equipment_id)
    return item.organisation_id if item is not None else None


def _summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(**_summary_fields(ticket))


def _summary_fields(ticket: Ticket) -> dict:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.source,
        "requester_email": ticket.requester_email,
        "product": ticket.product.code if ticket.product else None,
        "category": ticket.category.slug if ticket.category else None,
        "assignee_id": ticket.assignee_id,
        "group_id": ticket.group_id,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "response_due_at": ticket.response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "breached": bool(ticket.response_breached_at or ticket.resolution_breached_at),
        "version": ticket.version,
    }


def _out(ticket: Ticket, viewer: Viewer) -> TicketOut:
    actor = desk.actor_for(viewer, ticket)
    staff = viewer.is_staff
    return TicketOut(
        **_summary_fields(ticket),
        body=ticket.body,
        requester_name=ticket.requester_name,
        organisation_id=ticket.organisation_id,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        solution_sent_at=ticket.solution_sent_at,
        close_due_at=ticket.close_due_at,
        equipment=_equipment(ticket.equipment),
        messages=[
            MessageOut(
                id=m.id,
                author=m.author.name if m.author else (m.author_email or m.author_kind),
                author_kind=m.author_kind,
                body=m.body,
                internal=m.is_internal,
                resolution=m.is_resolution,
                channel=m.channel,
                created_at=m.created_at,
            )
            for m in desk.conversation(ticket, viewer)
        ],
        history=[
            EventOut(
                action=e.action,
                actor=e.actor.name if e.actor else None,
                changes=e.changes if staff else {"status": e.changes.get("status")},
                reason=e.reason if staff else "",
                created_at=e.created_at,
            )
            for e in desk.history(ticket, viewer)
        ],
        escalations=[
            EscalationOut(
                id=e.id,
                kind=e.kind,
                to=_escalated_to(e),
                reference=e.reference,
                promised_at=e.promised_at,
                resolved_at=e.resolved_at,
                reason=e.reason,
                created_at=e.created_at,
            )
            for e in ticket.escalations
        ]
        if staff
        else [],
        actions=[a for a in workflow.allowed_actions(ticket.status, actor.actors) if a in ACTIONS],
    )


ACTIONS = set(Action.__args__)


def _equipment(item) -> TicketEquipmentOut | None:
    if item is None:
        return None
    return TicketEquipmentOut(
        id=item.id,
        product=item.product.code,
        product_name=item.product.name,
        version=item.version,
        serial=item.serial,
        location=item.location,
        installed_on=item.installed_on,
        warranty_until=item.warranty_until,
        warranty=warranty_state(item.warranty_until, utcnow().date()),
        contract=item.contract,
    )


def _escalated_to(escalation) -> str | None:
    if escalation.outside:
        return escalation.outside.name
    if escalation.to_user:
        return escalation.to_user.name
    return escalation.to_group.name if escalation.to_group else None


def _where(where: str) -> dict:
    return {"where": where, "message": "required"}
