"""Tickets from the portal: creating them with their trail, and the client's side of them.

The desk's own work on tickets is in tickets/desk.py; this is the portal's door to it.
"""

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.accounts.service import normalise_email
from kb_service.articles.service import get_article
from kb_service.catalogue.equipment import item_of, organisation_equipment
from kb_service.catalogue.models import Equipment, Product
from kb_service.catalogue.service import list_products
from kb_service.db import utcnow
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.storage import AttachmentStore
from tickets import desk
from tickets.models import AskVisit, Ticket, TicketAttachment
from tickets.schemas import (
    GENERIC_TYPE,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TicketDraft,
    Upload,
)
from tickets.trail import visit_trail


def validate_draft(fields: dict) -> TicketDraft:
    """The form's fields as a draft, or Invalid listing every problem by field."""
    try:
        return TicketDraft(**fields)
    except ValidationError as exc:
        errors = [{"where": str(e["loc"][0]), "message": e["msg"]} for e in exc.errors()]
        raise Invalid("the request is incomplete", errors=errors) from exc


def create_from_portal(
    session: Session,
    viewer: Viewer,
    ask: AskVisit,
    draft: TicketDraft,
    uploads: list[Upload] = (),
    *,
    store: AttachmentStore,
    anonymous_allowed: bool,
    locale: str = "ru",
) -> Ticket:
    """Open a ticket from the ask form, with the trail of the visit attached."""
    email = _requester_email(session, viewer, draft, anonymous_allowed)
    files = _checked(uploads)
    ticket = desk.open_ticket(
        session,
        desk.NewTicket(
            subject=draft.subject,
            body=draft.body,
            channel="portal",
            requester_email=email,
            requester_id=viewer.user_id,
            product_id=desk.product_id(session, draft.product) if draft.product else None,
            locale=locale,
            created_by_id=viewer.user_id,
            article_id=ask.article_id,
            trail=visit_trail(session, ask, utcnow()),
            equipment_id=draft.equipment_id,
        ),
    )
    for upload in files:
        ticket.attachments.append(_attachment(store, upload))
    ask.outcome, ask.ticket_id, ask.ended_at = "ticket", ticket.id, utcnow()
    session.flush()
    return ticket


def list_mine(session: Session, viewer: Viewer) -> list[Ticket]:
    """The signed-in client's tickets, most recently changed first."""
    if viewer.user_id is None:
        raise Forbidden("sign in to see your tickets")
    query = (
        select(Ticket)
        .where(Ticket.requester_id == viewer.user_id)
        .options(selectinload(Ticket.product))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    return list(session.scalars(query))


def get_ticket(session: Session, viewer: Viewer, number: str) -> Ticket:
    """The ticket with its conversation, if it is the viewer's own or the viewer is staff."""
    return desk.get(session, viewer, number)


# The requester's actions on their ticket page.
CLIENT_ACTIONS = ("reply", "confirm", "reject")


def act(
    session: Session, viewer: Viewer, number: str, action: str, text: str = "", actor=None
) -> Ticket:
    """The requester replies to their ticket, confirms or rejects the solution.

    `actor` is given for someone acting by the requester's link instead of an account.
    """
    ticket = get_ticket(session, viewer, number) if actor is None else None
    return act_on(session, ticket, actor or desk.actor_for(viewer, ticket), action, text)


def act_on(session: Session, ticket: Ticket, actor, action: str, text: str = "") -> Ticket:
    if action == "reply":
        return desk.reply(session, actor, ticket, text)
    if action == "confirm":
        return desk.confirm(session, actor, ticket)
    if action == "reject":
        return desk.reject(session, actor, ticket, text)
    raise Forbidden(f"you cannot {action} this ticket")


def product_choices(session: Session, viewer: Viewer) -> tuple[list[Product], list[Product]]:
    """Products for the ask form: the client's own first, then the rest of the catalogue."""
    products = sorted(list_products(session), key=lambda p: p.name)
    own = [p for p in products if p.code in viewer.products]
    return own, [p for p in products if p.code not in viewer.products]


def equipment_choices(session: Session, viewer: Viewer) -> list[Equipment]:
    """The signed-in client's organisation's items, to say which one a request is about."""
    return organisation_equipment(session, _client_organisation(session, viewer))


def own_item(session: Session, viewer: Viewer, equipment_id: str) -> Equipment:
    """An item of the signed-in client's organisation, or Invalid (another's alike)."""
    return item_of(session, equipment_id, _client_organisation(session, viewer))


def _client_organisation(session: Session, viewer: Viewer) -> int | None:
    if viewer.kind != "client" or viewer.user_id is None:
        return None
    return session.get(User, viewer.user_id).organisation_id


def get_attachment(
    session: Session, viewer: Viewer, number: str, attachment_id: int, store: AttachmentStore
) -> tuple[TicketAttachment, bytes]:
    """An attachment of a ticket the viewer sees, with its bytes; internal ones for staff."""
    ticket = get_ticket(session, viewer, number)
    query = (
        select(TicketAttachment)
        .where(TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket.id)
        .options(undefer(TicketAttachment.content))
    )
    if not viewer.is_staff:
        query = query.where(TicketAttachment.is_internal.is_(False))
    attachment = session.scalar(query)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    if attachment.sha256:
        return attachment, store.read(attachment.sha256)
    return attachment, attachment.content or b""


def noted_article(session: Session, viewer: Viewer, article_id: str | None):
    """The visible article a request was opened from, or None."""
    if not article_id:
        return None
    try:
        return get_article(session, viewer, article_id)
    except NotFound:
        return None


def _requester_email(
    session: Session, viewer: Viewer, draft: TicketDraft, anonymous_allowed: bool
) -> str:
    if viewer.user_id is not None:
        return session.get(User, viewer.user_id).email
    if not anonymous_allowed:
        raise Forbidden("sign in to open a ticket")
    try:
        return normalise_email(draft.email or "")
    except Invalid as exc:
        raise Invalid(exc.message, errors=[{"where": "email", "message": exc.message}]) from exc


def _checked(uploads: list[Upload]) -> list[Upload]:
    uploads = [u for u in uploads if u.filename and u.content]
    if len(uploads) > MAX_ATTACHMENTS:
        raise Invalid("too many files", errors=[{"where": "attachments", "message": "count"}])
    for upload in uploads:
        if len(upload.content) > MAX_ATTACHMENT_BYTES:
            raise Invalid(
                f"{upload.filename} is too large",
                errors=[{"where": "attachments", "message": "size"}],
            )
    return uploads


def _attachment(store: AttachmentStore, upload: Upload) -> TicketAttachment:
    return TicketAttachment(
        filename=upload.filename or "file",
        content_type=upload.content_type or GENERIC_TYPE,
        size=len(upload.content),
        sha256=store.put(upload.content),
    )
