"""Tickets from the portal: creating them with their trail, and the client's side of them."""

import secrets

from pydantic import ValidationError
from sqlalchemy import false, select
from sqlalchemy.orm import Session, selectinload, undefer

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.accounts.service import normalise_email
from kb_service.articles.service import get_article
from kb_service.catalogue.models import Product
from kb_service.catalogue.service import list_products
from kb_service.db import utcnow
from kb_service.errors import Forbidden, Invalid, NotFound
from tickets import workflow
from tickets.models import AskVisit, Ticket, TicketAttachment, TicketMessage
from tickets.schemas import (
    GENERIC_TYPE,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    TicketDraft,
    Upload,
)
from tickets.trail import visit_trail

# Public numbers start here so that they look like numbers, not like counts.
FIRST_NUMBER = 10000

LOAD = (
    selectinload(Ticket.product),
    selectinload(Ticket.article),
    selectinload(Ticket.requester),
    selectinload(Ticket.attachments),
    selectinload(Ticket.messages).selectinload(TicketMessage.author),
)


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
    anonymous_allowed: bool,
) -> Ticket:
    """Open a ticket from the ask form, with the trail of the visit attached."""
    email = _requester_email(session, viewer, draft, anonymous_allowed)
    requester = session.get(User, viewer.user_id) if viewer.user_id else None
    ticket = Ticket(
        number=f"pending-{secrets.token_hex(8)}",
        subject=draft.subject,
        body=draft.body,
        status="new",
        requester_id=viewer.user_id,
        requester_email=email,
        product_id=_product_id(session, draft.product),
        organisation_id=requester.organisation_id if requester else None,
        source="portal",
        article_id=ask.article_id,
        trail=visit_trail(session, ask, utcnow()),
        attachments=[_attachment(upload) for upload in _checked(uploads)],
    )
    session.add(ticket)
    session.flush()
    ticket.number = str(FIRST_NUMBER + ticket.id)
    ask.outcome, ask.ticket_id, ask.ended_at = "ticket", ticket.id, utcnow()
    session.flush()
    return ticket


def list_mine(session: Session, viewer: Viewer) -> list[Ticket]:
    """The signed-in client's tickets, most recently changed first."""
    if viewer.user_id is None:
        raise Forbidden("sign in to see your tickets")
    query = (
        select(Ticket)
        .where(_requested_by(session, viewer))
        .options(selectinload(Ticket.product))
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
    )
    return list(session.scalars(query))


def list_recent(session: Session, viewer: Viewer, limit: int = 50) -> list[Ticket]:
    """The newest tickets of the desk, for staff."""
    if not viewer.is_staff:
        raise Forbidden("only staff see the desk's tickets")
    query = select(Ticket).options(selectinload(Ticket.product)).order_by(Ticket.id.desc())
    return list(session.scalars(query.limit(limit)))


def get_ticket(session: Session, viewer: Viewer, number: str) -> Ticket:
    """The ticket with its conversation, if it is the viewer's own or the viewer is staff."""
    query = select(Ticket).where(Ticket.number == number).options(*LOAD)
    if not viewer.is_staff:
        query = query.where(_requested_by(session, viewer))
    ticket = session.scalar(query)
    if ticket is None:
        raise NotFound(f"no ticket {number}")
    return ticket


def act(session: Session, viewer: Viewer, number: str, action: str, text: str = "") -> Ticket:
    """The requester replies, confirms or rejects the answer; staff answer or resolve."""
    ticket = get_ticket(session, viewer, number)
    staff_action = action in {"answer", "resolve"}
    if staff_action != viewer.is_staff:
        raise Forbidden(f"you cannot {action} this ticket")
    text = text.strip()
    if action in {"reply", "answer", "resolve"} and not text:
        raise Invalid("write a message first", errors=[{"where": "body", "message": "empty"}])
    ticket.status = workflow.next_status(ticket.status, action)
    now = utcnow()
    if text:
        ticket.messages.append(
            TicketMessage(
                author_id=viewer.user_id,
                author_kind="staff" if viewer.is_staff else "client",
                body=text[:50_000],
                is_resolution=action == "resolve",
            )
        )
    ticket.updated_at = now
    ticket.resolved_at = now if action == "resolve" else ticket.resolved_at
    ticket.closed_at = now if ticket.status == "closed" else None
    session.flush()
    return ticket


def product_choices(session: Session, viewer: Viewer) -> tuple[list[Product], list[Product]]:
    """Products for the ask form: the client's own first, then the rest of the catalogue."""
    products = sorted(list_products(session), key=lambda p: p.name)
    own = [p for p in products if p.code in viewer.products]
    return own, [p for p in products if p.code not in viewer.products]


def get_attachment(
    session: Session, viewer: Viewer, number: str, attachment_id: int
) -> TicketAttachment:
    ticket = get_ticket(session, viewer, number)
    attachment = session.scalar(
        select(TicketAttachment)
        .where(TicketAttachment.id == attachment_id, TicketAttachment.ticket_id == ticket.id)
        .options(undefer(TicketAttachment.content))
    )
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}")
    return attachment


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


def _product_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    product = session.scalar(select(Product).where(Product.code == code))
    if product is None:
        raise Invalid(f"unknown product {code!r}", errors=[{"where": "product", "message": code}])
    return product.id


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


def _attachment(upload: Upload) -> TicketAttachment:
    return TicketAttachment(
        filename=upload.filename or "file",
        content_type=upload.content_type or GENERIC_TYPE,
        size=len(upload.content),
        content=upload.content,
    )


def _requested_by(session: Session, viewer: Viewer):
    """The tickets the viewer opened signed in.

    Not those sent anonymously with the viewer's address: anyone can type an address, and
    such a ticket would plant a stranger's text in this account. It may join the account
    only once the address is confirmed by a link sent to it (with the desk's e-mail).
    """
    if viewer.user_id is None:
        return false()
    return Ticket.requester_id == viewer.user_id
