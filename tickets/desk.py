"""The service desk's work on tickets: open from any channel, sort, hand out, answer, escalate,
resolve, send the solution, confirm or reject, close.

Every action goes through `tickets.workflow` (who may move what where), leaves a row of
history (TicketEvent: who, when, what changed), writes one outbox event (tickets.events) for
the notifier, and keeps the SLA deadlines current (tickets.contracts). Callers own the
transaction; the ticket's version column makes two agents saving at once a 409, not a loss.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import Organisation, User
from kb_service.catalogue.equipment import item_of
from kb_service.catalogue.models import Equipment, Product
from kb_service.db import utcnow
from kb_service.errors import Invalid, NotFound
from tickets import events, workflow
from tickets.contracts import service as contracts
from tickets.contracts.deadlines import apply_deadlines
from tickets.models import (
    CHANNELS,
    PRIORITIES,
    Escalation,
    OutsideOrganisation,
    SupportGroup,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketEvent,
    TicketMessage,
)

# Public numbers start here so that they look like numbers, not like counts.
FIRST_NUMBER = 10000
MAX_TEXT = 50_000


@dataclass(frozen=True)
class Actor:
    """Who acts on a ticket, as the workflow sees them."""

    user_id: int | None
    actors: frozenset[str]
    # How their messages are marked: "client", "staff" or "system".
    kind: str
    email: str = ""


SYSTEM = Actor(None, frozenset({workflow.SYSTEM}), "system")


def actor_for(viewer: Viewer, ticket: Ticket) -> Actor:
    """The viewer acting on `ticket`: staff by their roles, the client as its requester."""
    is_requester = viewer.user_id is not None and ticket.requester_id == viewer.user_id
    actors = workflow.actors_of(viewer.roles if viewer.is_staff else (), is_requester=is_requester)
    return Actor(viewer.user_id, actors, "staff" if viewer.is_staff else "client")


def link_holder(ticket: Ticket) -> Actor:
    """Whoever holds the requester's signed link: the requester, without an account."""
    return Actor(None, frozenset({workflow.REQUESTER}), "client", ticket.requester_email)


def ticket_filter(viewer: Viewer) -> ColumnElement[bool]:
    """The tickets a viewer may see: staff all of them, a client those they opened.

    Not those sent anonymously with the client's address: anyone can type an address. Such
    a ticket joins the account once the address is confirmed by the link sent to it.
    """
    if viewer.is_staff:
        return true()
    if viewer.user_id is None:
        return false()
    return Ticket.requester_id == viewer.user_id


# --- Opening ------------------------------------------------------------------------------


@dataclass
class NewTicket:
    """A request as any channel hands it to the desk."""

    subject: str
    body: str
    channel: str
    requester_email: str
    requester_name: str = ""
    requester_phone: str = ""
    requester_id: int | None = None
    organisation_id: int | None = None
    product_id: int | None = None
    category_id: int | None = None
    priority: str = "normal"
    locale: str = "ru"
    created_by_id: int | None = None
    article_id: str | None = None
    trail: dict | None = None
    # An item of the ticket's organisation; its product becomes the ticket's.
    equipment_id: str | None = None


def open_ticket(session: Session, new: NewTicket, now: datetime | None = None) -> Ticket:
    """Register a request: number it, start its clocks, tell the desk."""
    if new.channel not in CHANNELS:
        raise Invalid(f"unknown channel {new.channel!r}")
    if new.priority not in PRIORITIES:
        raise Invalid(f"unknown priority {new.priority!r}", errors=[_where("priority")])
    now = now or utcnow()
    requester = session.get(User, new.requester_id) if new.requester_id else None
    organisation_id = new.organisation_id or (requester.organisation_id if requester else None)
    product = new.product_id
    if new.equipment_id:
        product = item_of(session, new.equipment_id, organisation_id).product_id
    ticket = Ticket(
        # Unique until the id is known, and within the column's 32 characters (PostgreSQL
        # refuses longer; SQLite does not check).
        number=f"pending-{secrets.token_hex(8)}",
        subject=new.subject[:300],
        body=new.body[:MAX_TEXT],
        status="new",
        requester_id=new.requester_id,
        requester_email=new.requester_email,
        requester_name=new.requester_name or (requester.name if requester else ""),
        requester_phone=new.requester_phone,
        organisation_id=organisation_id,
        product_id=product,
        equipment_id=new.equipment_id or None,
        category_id=new.category_id,
        priority=new.priority,
        locale=requester.locale if requester else new.locale,
        source=new.channel,
        created_by_id=new.created_by_id,
        article_id=new.article_id,
        trail=new.trail or {},
        created_at=now,
        updated_at=now,
        # Empty, not unloaded: the channel goes on to add messages and files.
        messages=[],
        attachments=[],
        escalations=[],
        articles=[],
    )
    session.add(ticket)
    session.flush()
    ticket.number = str(FIRST_NUMBER + ticket.id)
    _record(session, ticket, new.created_by_id, "create", {"status": [None, "new"]}, now=now)
    _deadlines(session, ticket, now)
    events.emit(session, ticket, "created", new.created_by_id, channel=new.channel)
    session.flush()
    return ticket


# --- Reading ------------------------------------------------------------------------------

PAGE_LOAD = (
    selectinload(Ticket.product),
    selectinload(Ticket.category),
    selectinload(Ticket.assignee),
    selectinload(Ticket.group),
    selectinload(Ticket.organisation),
    selectinload(Ticket.equipment).selectinload(Equipment.product),
    selectinload(Ticket.requester),
    selectinload(Ticket.article),
    selectinload(Ticket.attachments),
    selectinload(Ticket.messages).selectinload(TicketMessage.author),
    selectinload(Ticket.events).selectinload(TicketEvent.actor),
    selectinload(Ticket.escalations).selectinload(Escalation.outside),
    selectinload(Ticket.escalations).selectinload(Escalation.to_user),
    selectinload(Ticket.escalations).selectinload(Escalation.to_group),
)


def get(session: Session, viewer: Viewer, number: str) -> Ticket:
    """A ticket the viewer may see, with everything its page shows, or NotFound."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.number == number, ticket_filter(viewer)).options(*PAGE_LOAD)
    )
    if ticket is None:
        raise NotFound(f"no ticket {number}")
    return ticket


def conversation(ticket: Ticket, viewer: Viewer) -> list[TicketMessage]:
    """The messages the viewer may read: staff everything, the client no internal notes."""
    return [m for m in ticket.messages if viewer.is_staff or not m.is_internal]


def attachments(ticket: Ticket, viewer: Viewer) -> list[TicketAttachment]:
    return [a for a in ticket.attachments if viewer.is_staff or not a.is_internal]


def history(ticket: Ticket, viewer: Viewer) -> list[TicketEvent]:
    return [e for e in ticket.events if viewer.is_staff or not e.is_internal]


# --- Acting -------------------------------------------------------------------------------


@dataclass
class Classification:
    """What the dispatcher sorts a ticket by; None leaves a field as it is."""

    priority: str | None = None
    category: str | None = None  # a category slug, "" clears it
    product: str | None = None  # a product code, "" clears it
    organisation_id: int | None = None


def classify(session, actor: Actor, ticket: Ticket, c: Classification, now=None) -> Ticket:
    now = now or utcnow()
    changes = _move(ticket, "classify", actor)
    if c.priority is not None:
        if c.priority not in PRIORITIES:
            raise Invalid(f"unknown priority {c.priority!r}", errors=[_where("priority")])
        changes |= _set(ticket, "priority", c.priority)
    if c.category is not None:
        category = category_id(session, c.category) if c.category else None
        changes |= _set(ticket, "category_id", category)
    if c.product is not None:
        product = product_id(session, c.product) if c.product else None
        changes |= _set(ticket, "product_id", product)
    if c.organisation_id is not None:
        if session.get(Organisation, c.organisation_id) is None:
            raise Invalid(f"no organisation {c.organisation_id}", errors=[_where("organisation")])
        changes |= _set(ticket, "organisation_id", c.organisation_id)
    if ticket.classified_at is None:
        ticket.classified_at = now
    _after(session, ticket, actor, "classify", changes, now, event="classified")
    return ticket


def set_equipment(
    session, actor: Actor, ticket: Ticket, equipment_id: str | None, now=None
) -> Ticket:
    """Name the item the ticket is about (one of its organisation's), which sets the
    product too; None or "" leaves the ticket about no item, its product as it was."""
    now = now or utcnow()
    changes = _move(ticket, "set_equipment", actor)
    if equipment_id:
        item = item_of(session, equipment_id, ticket.organisation_id)
        changes |= _set(ticket, "equipment_id", item.id)
        changes |= _set(ticket, "product_id", item.product_id)
    else:
        changes |= _set(ticket, "equipment_id", None)
    _after(session, ticket, actor, "set_equipment", changes, now, event="classified")
    return ticket


def assign(
    session, actor: Actor, ticket: Ticket, assignee_id: int | None, group_id: int | None, now=None
) -> Ticket:
    """Hand the ticket to an engineer, a group, or an engineer of a group."""
    if assignee_id is None and group_id is None:
        raise Invalid("name an engineer or a group", errors=[_where("assignee")])
    return _hand_to(session, actor, ticket, assignee_id, group_id, "assign", now or utcnow())


def take(session, actor: Actor, ticket: Ticket, now=None) -> Ticket:
    """An engineer takes the ticket for themself."""
    return _hand_to(session, actor, ticket, actor.user_id, None, "take", now or utcnow())


def answer(session, actor: Actor, ticket: Ticket, text: str, *, wait: bool = False, now=None):
    """A public reply by the desk; with `wait`, the desk then waits on the client."""
    action = "request_info" if wait else "answer"
    return _say(session, actor, ticket, action, text, event="replied", now=now)


def note(session, actor: Actor, ticket: Ticket, text: str, now=None) -> Ticket:
    """An internal note: staff only, never shown or sent to the client."""
    return _say(session, actor, ticket, "note", text, event="noted", internal=True, now=now)


def reply(session, actor: Actor, ticket: Ticket, text: str, channel="portal", now=None):
    """The requester writes (portal, link or e-mail)."""
    return _say(
        session, actor, ticket, "reply", text, event="client_replied", channel=channel, now=now
    )


def escalate(
    session,
    actor: Actor,
    ticket: Ticket,
    reason: str,
    to_user_id=None,
    to_group_id=None,
    now=None,
) -> Ticket:
    """Hand the ticket up to a more qualified colleague or group (tier 2, tier 3)."""
    if to_user_id is None and to_group_id is None:
        raise Invalid("name a colleague or a group", errors=[_where("to")])
    now = now or utcnow()
    text = _text(reason, "reason")
    changes = _move(ticket, "escalate", actor)
    _staff(session, to_user_id, "to_user")
    group = _group(session, to_group_id)
    escalation = Escalation(
        kind="internal",
        by_id=actor.user_id,
        to_user_id=to_user_id,
        to_group_id=to_group_id,
        reason=text,
        created_at=now,
    )
    ticket.escalations.append(escalation)
    changes |= _set(ticket, "assignee_id", to_user_id)
    if group is not None:
        changes |= _set(ticket, "group_id", group.id)
    session.flush()
    _after(
        session,
        ticket,
        actor,
        "escalate",
        changes,
        now,
        event="escalated",
        reason=text,
        escalation=escalation.id,
    )
    return ticket


def escalate_outside(
    session,
    actor: Actor,
    ticket: Ticket,
    outside_id: int,
    reason: str,
    reference: str = "",
    promised_at: datetime | None = None,
    now=None,
) -> Ticket:
    """Hand the ticket to a vendor, manufacturer or dealer; their promise is tracked."""
    now = now or utcnow()
    text = _text(reason, "reason")
    changes = _move(ticket, "escalate_outside", actor)
    outside = session.get(OutsideOrganisation, outside_id)
    if outside is None:
        raise Invalid(f"no outside organisation {outside_id}", errors=[_where("outside")])
    if promised_at is not None and promised_at <= now:
        raise Invalid("the promised date must be in the future", errors=[_where("promised_at")])
    escalation = Escalation(
        kind="external",
        by_id=actor.user_id,
        outside_id=outside.id,
        reference=reference[:200],
        promised_at=promised_at,
        reason=text,
        created_at=now,
    )
    ticket.escalations.append(escalation)
    session.flush()
    changes["escalation"] = [None, outside.name]
    _after(
        session,
        ticket,
        actor,
        "escalate_outside",
        changes,
        now,
        event="escalated_outside",
        reason=text,
        escalation=escalation.id,
    )
    return ticket


def outside_answered(
    session, actor: Actor, ticket: Ticket, escalation_id: int, answer_text: str, now=None
) -> Ticket:
    """Record the outside firm's answer; its promise is no longer watched."""
    now = now or utcnow()
    text = _text(answer_text, "answer")
    _move(ticket, "outside_answered", actor)  # stays as it is
    escalation = next((e for e in ticket.escalations if e.id == escalation_id), None)
    if escalation is None or escalation.kind != "external":
        raise NotFound(f"no outside escalation {escalation_id} on this ticket")
    if escalation.resolved_at is not None:
        raise Invalid("this escalation is already answered", errors=[_where("escalation")])
    changes = {"escalation": ["open", "answered"]}
    escalation.resolved_at, escalation.answer = now, text
    ticket.messages.append(_message(actor, text, internal=True, created_at=now))
    _after(session, ticket, actor, "outside_answered", changes, now)
    return ticket


def resolve(session, actor: Actor, ticket: Ticket, solution: str, now=None) -> Ticket:
    """Record the solution; the dispatcher is told, and the solution goes to the client
    at once when the organisation's contract says so."""
    now = now or utcnow()
    _say(session, actor, ticket, "resolve", solution, event="resolved", resolution=True, now=now)
    ticket.resolved_at = now
    if auto_sends_solution(session, ticket):
        send_solution(session, SYSTEM, ticket, now=now)
    return ticket


def send_solution(session, actor: Actor, ticket: Ticket, now=None) -> Ticket:
    """Send the solution to the client, who confirms or rejects it; unanswered, the ticket
    closes by itself when the set time has passed."""
    now = now or utcnow()
    _move(ticket, "send_solution", actor)  # stays resolved
    if ticket.solution_sent_at is not None:
        raise Invalid("the solution was already sent", errors=[_where("solution")])
    ticket.solution_sent_at = now
    ticket.close_due_at = close_due(session, ticket, now)
    solution = _last_solution(ticket)
    _after(
        session,
        ticket,
        actor,
        "send_solution",
        {"solution_sent": [None, True]},
        now,
        event="solution_sent",
        message=solution.id if solution else None,
        internal=False,
    )
    return ticket


def confirm(session, actor: Actor, ticket: Ticket, now=None) -> Ticket:
    now = now or utcnow()
    _closing(session, actor, ticket, "confirm", now, reason="confirmed")
    return ticket


def reject(session, actor: Actor, ticket: Ticket, reason: str, now=None) -> Ticket:
    """The client says the solution did not help: the ticket is open again."""
    now = now or utcnow()
    _say(session, actor, ticket, "reject", reason, event="rejected", now=now)
    _reopened(ticket)
    return ticket


def close(session, actor: Actor, ticket: Ticket, now=None) -> Ticket:
    """The desk closes a resolved ticket (the client confirmed by phone, say)."""
    _closing(session, actor, ticket, "close", now or utcnow(), reason="staff")
    return ticket


def reopen(session, actor: Actor, ticket: Ticket, reason: str, now=None) -> Ticket:
    now = now or utcnow()
    text = _text(reason, "reason")
    changes = _move(ticket, "reopen", actor)
    _reopened(ticket)
    _after(
        session,
        ticket,
        actor,
        "reopen",
        changes,
        now,
        event="reopened",
        reason=text,
        internal=False,
    )
    return ticket


def auto_close(session, ticket: Ticket, now=None) -> Ticket:
    """Close a ticket whose client did not answer the solution in the set time."""
    _closing(session, SYSTEM, ticket, "auto_close", now or utcnow(), reason="timeout")
    return ticket


# --- Deadlines and the contract's settings -------------------------------------------------


def auto_sends_solution(session: Session, ticket: Ticket) -> bool:
    """Whether the system sends a solution to the client itself (the organisation's setting)."""
    return contracts.auto_notify_client(session, ticket)


def close_due(session: Session, ticket: Ticket, sent_at: datetime) -> datetime:
    """When a solution sent at `sent_at` and left unanswered closes the ticket."""
    return contracts.auto_close_at(session, ticket, sent_at)


def _deadlines(session: Session, ticket: Ticket, now: datetime) -> None:
    """Keep the ticket's SLA deadlines current: the contract in force, pauses, priority."""
    session.flush()
    apply_deadlines(session, ticket, now)


# --- The pieces every action is made of -----------------------------------------------------


def _move(ticket: Ticket, action: str, actor: Actor) -> dict:
    """Move the ticket by the workflow's table; the status change, if any, for the history."""
    return _set(ticket, "status", workflow.next_status(ticket.status, action, actor.actors))


def _say(
    session,
    actor: Actor,
    ticket: Ticket,
    action: str,
    text: str,
    *,
    event: str,
    internal: bool = False,
    resolution: bool = False,
    channel: str = "portal",
    now=None,
) -> Ticket:
    now = now or utcnow()
    text = _text(text, "body")
    changes = _move(ticket, action, actor)
    message = _message(
        actor, text, internal=internal, resolution=resolution, channel=channel, created_at=now
    )
    ticket.messages.append(message)
    if actor.kind == "staff" and not internal and ticket.first_response_at is None:
        ticket.first_response_at = now
    session.flush()
    _after(
        session,
        ticket,
        actor,
        action,
        changes,
        now,
        event=event,
        message=message.id,
        internal=internal or not changes,
    )
    return ticket


def _closing(session, actor: Actor, ticket: Ticket, action: str, now, reason: str) -> None:
    changes = _move(ticket, action, actor)
    ticket.closed_at = now
    ticket.close_due_at = None
    _after(
        session, ticket, actor, action, changes, now, event="closed", reason=reason, internal=False
    )


def _reopened(ticket: Ticket) -> None:
    ticket.resolved_at = ticket.closed_at = ticket.solution_sent_at = ticket.close_due_at = None


def _hand_to(session, actor: Actor, ticket: Ticket, assignee_id, group_id, action, now) -> Ticket:
    changes = _move(ticket, action, actor)
    assignee = _staff(session, assignee_id, "assignee")
    group = _group(session, group_id)
    if assignee is not None and group is not None and not _is_member(session, group, assignee):
        raise Invalid(
            f"{assignee.name} is not in the group {group.name}", errors=[_where("assignee")]
        )
    changes |= _set(ticket, "assignee_id", assignee_id)
    if group is not None:
        changes |= _set(ticket, "group_id", group.id)
    _after(
        session,
        ticket,
        actor,
        action,
        changes,
        now,
        event="assigned",
        assignee=assignee_id,
        group=group_id,
    )
    return ticket


def _after(
    session,
    ticket: Ticket,
    actor: Actor,
    action: str,
    changes: dict,
    now: datetime,
    *,
    event: str | None = None,
    reason: str = "",
    internal: bool | None = None,
    **payload,
) -> None:
    """Record the change in the history, bump the ticket, keep deadlines, tell the system."""
    if internal is None:
        internal = "status" not in changes
    _record(
        session, ticket, actor.user_id, action, changes, reason=reason, internal=internal, now=now
    )
    ticket.updated_at = now
    _deadlines(session, ticket, now)
    if event:
        extra = {"reason": reason} if reason else {}
        events.emit(session, ticket, event, actor.user_id, **payload, **extra)
    session.flush()


def _record(session, ticket, actor_id, action, changes, reason="", internal=True, now=None):
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=actor_id,
            action=action,
            changes=changes,
            reason=reason,
            is_internal=internal,
            created_at=now or utcnow(),
        )
    )


def _set(ticket: Ticket, field: str, value) -> dict:
    before = getattr(ticket, field)
    if before == value:
        return {}
    setattr(ticket, field, value)
    return {field: [before, value]}


def _message(
    actor: Actor, text: str, *, internal=False, resolution=False, channel="portal", created_at=None
) -> TicketMessage:
    return TicketMessage(
        author_id=actor.user_id,
        author_kind=actor.kind,
        author_email=actor.email,
        body=text,
        is_internal=internal,
        is_resolution=resolution,
        channel=channel,
        created_at=created_at or utcnow(),
    )


def _last_solution(ticket: Ticket) -> TicketMessage | None:
    return next((m for m in reversed(ticket.messages) if m.is_resolution), None)


def _text(text: str | None, where: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("write a message first", errors=[_where(where, "empty")])
    if len(text) > MAX_TEXT:
        raise Invalid("the text is too long", errors=[_where(where, "too long")])
    return text


def _staff(session, user_id: int | None, where: str) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.is_active or not (user.roles & workflow.WORK):
        raise Invalid(f"no engineer {user_id}", errors=[_where(where)])
    return user


def _group(session, group_id: int | None) -> SupportGroup | None:
    if group_id is None:
        return None
    group = session.get(SupportGroup, group_id)
    if group is None:
        raise Invalid(f"no group {group_id}", errors=[_where("group")])
    return group


def _is_member(session, group: SupportGroup, user: User) -> bool:
    from tickets.models import support_group_member as m

    query = select(m.c.user_id).where(m.c.group_id == group.id, m.c.user_id == user.id)
    return session.scalar(query) is not None


def category_id(session, slug: str) -> int:
    category_id = session.scalar(select(TicketCategory.id).where(TicketCategory.slug == slug))
    if category_id is None:
        raise Invalid(f"unknown category {slug!r}", errors=[_where("category")])
    return category_id


def product_id(session, code: str) -> int:
    product_id = session.scalar(select(Product.id).where(Product.code == code))
    if product_id is None:
        raise Invalid(f"unknown product {code!r}", errors=[_where("product")])
    return product_id


def _where(where: str, message: str = "invalid") -> dict:
    return {"where": where, "message": message}
