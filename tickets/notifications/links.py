"""Signed links for requesters: read and answer a ticket without an account.

The link signs (ticket id, requester address) with the app's secret. It serves only tickets
that belong to no account: one that joined an account is read there, signed in. Opening the
link signed in as the account with that very address joins the ticket to the account, since
the link proves the address is theirs (until then an anonymous ticket sent with someone's
address stays out of their "My tickets": anyone can type an address).
"""

from datetime import timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import ANONYMOUS
from kb_service.accounts.models import User
from kb_service.accounts.service import normalise_email
from kb_service.browser_session import signing_key
from kb_service.config import Settings
from kb_service.errors import NotFound
from tickets import desk, service, workflow
from tickets.models import Ticket, TicketEvent, TicketMessage

# The portal serves these paths (its views use ACCESS_PATH and PREFERENCES_PATH as routes; a
# test holds TICKET_PATH equal to the portal's ticket page), so mail can link to them.
ACCESS_PATH = "/tickets/{number}/access/{token}"
TICKET_PATH = "/tickets/{number}"
PREFERENCES_PATH = "/account/notifications"
ARTICLE_PATH = "/articles/{article_id}"
SALT = "spravka.ticket-link"
# Long enough for a request that waits on a vendor for months; the ticket closes well before.
LIFETIME = timedelta(days=365)
# What the link holder may do: what the requester does on their ticket page.
ACTIONS = service.CLIENT_ACTIONS
LOAD = (selectinload(Ticket.messages).selectinload(TicketMessage.author),)


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_key(settings), salt=SALT)


def access_token(settings: Settings, ticket: Ticket) -> str:
    return _serializer(settings).dumps([ticket.id, ticket.requester_email])


def access_url(settings: Settings, ticket: Ticket) -> str:
    """The requester's link to `ticket`, absolute, for mail."""
    path = ACCESS_PATH.format(number=ticket.number, token=access_token(settings, ticket))
    return settings.base_url.rstrip("/") + path


def article_url(settings: Settings, article_id: str) -> str:
    return settings.base_url.rstrip("/") + ARTICLE_PATH.format(article_id=article_id)


def ticket_url(settings: Settings, ticket: Ticket) -> str:
    return settings.base_url.rstrip("/") + TICKET_PATH.format(number=ticket.number)


def preferences_url(settings: Settings) -> str:
    return settings.base_url.rstrip("/") + PREFERENCES_PATH


def ticket_by_link(session: Session, settings: Settings, number: str, token: str) -> Ticket:
    """The ticket the link names, with its public conversation; NotFound for any bad link."""
    try:
        ticket_id, address = _serializer(settings).loads(token, max_age=LIFETIME.total_seconds())
    except (BadSignature, ValueError, TypeError):
        raise NotFound(f"no ticket {number}") from None
    ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id).options(*LOAD))
    if ticket is None or ticket.number != number or ticket.requester_email != address:
        raise NotFound(f"no ticket {number}")
    return ticket


def join_account(session: Session, ticket: Ticket, user_id: int | None) -> bool:
    """Join an account-less ticket to the signed-in account with the requester's address."""
    user = session.get(User, user_id) if user_id is not None else None
    if ticket.requester_id is not None or user is None or not user.is_active:
        return False
    if normalise_email(user.email) != normalise_email(ticket.requester_email):
        return False
    ticket.requester_id = user.id
    ticket.organisation_id = ticket.organisation_id or user.organisation_id
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            actor_id=user.id,
            action="join_account",
            changes={"requester_id": [None, user.id]},
        )
    )
    session.flush()
    return True


def act_by_link(session: Session, ticket: Ticket, action: str, text: str = "") -> Ticket:
    """The link holder replies, confirms or rejects the solution of an account-less ticket."""
    if action not in ACTIONS or ticket.requester_id is not None:
        raise NotFound(f"no ticket {ticket.number}")
    return service.act_on(session, ticket, desk.link_holder(ticket), action, text)


def holder_actions(ticket: Ticket) -> list[str]:
    """What the link holder may do to `ticket` now."""
    return workflow.allowed_actions(ticket.status, desk.link_holder(ticket).actors)


def public_messages(ticket: Ticket) -> list[TicketMessage]:
    """The conversation as the requester may read it: no internal notes."""
    return desk.conversation(ticket, ANONYMOUS)
