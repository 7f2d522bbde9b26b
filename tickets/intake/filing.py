"""Where a readable message goes: the ticket it answers, a new ticket, or nowhere (a machine
sent it). Runs inside `service.take`'s savepoint; never commits.

A reply is found by the threading headers first (In-Reply-To, References: a Message-ID the
desk sent or received on a ticket), then by the ticket's number in the subject. A number is
easy to guess, so the subject alone only joins a message to a ticket when its sender already
takes part in it (the requester, an earlier e-mail author) or is staff; anyone else opens a
ticket of their own. A reply to a closed ticket opens a new one that names the old.
"""

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import STAFF_ROLES
from kb_service.accounts.models import User
from kb_service.db import utcnow
from kb_service.storage import AttachmentStore
from tickets import desk, workflow
from tickets.events import emit
from tickets.intake.models import InboundMail, OutgoingMail
from tickets.intake.parsing import Attachment, Mail
from tickets.models import Ticket, TicketAttachment, TicketMessage
from tickets.schemas import GENERIC_TYPE, Upload

# "[#10042]", "[Spravka #10042]", "[Ticket #10042]": the ticket's number in a subject.
TAG = re.compile(r"\[(?:[^\[\]#]{0,40}\s)?#(\d{5,12})\]")
# What the desk keeps of a text (the raw message keeps all of it).
MAX_TEXT = desk.MAX_TEXT
# Files kept from one message: each is written and synced on its own, and a message of
# thousands of tiny parts must not hold the intake for minutes.
MAX_FILES = 100
NO_SUBJECT = "(no subject)"
NO_TEXT = "(no text)"


@dataclass(frozen=True)
class Limits:
    """How much of a message's files a ticket keeps (the raw message keeps them all)."""

    per_file: int
    per_message: int


def subject_tag(number: str) -> str:
    """What the desk writes in the subject of its mail, so that replies find the ticket."""
    return f"[Spravka #{number}]"


def keep(store: AttachmentStore, content: bytes) -> str:
    """Put `content` in the store unless it is there already (each write is synced to disk,
    which costs more than hashing twice); its key."""
    key = hashlib.sha256(content).hexdigest()
    return key if store.path(key).exists() else store.put(content)


def remember_sent(session: Session, ticket: Ticket, message_id: str) -> None:
    """Note the Message-ID of mail the desk sent about `ticket`, for threading replies."""
    session.add(OutgoingMail(message_id=message_id.strip("<>"), ticket_id=ticket.id))


@dataclass(frozen=True)
class Filed:
    outcome: str
    ticket: Ticket | None
    # The text recorded: the new ticket's body or the reply's.
    text: str
    # Why it was ignored.
    reason: str = ""


def file_mail(session: Session, store: AttachmentStore, mail: Mail, limits: Limits) -> Filed:
    """Where a readable message goes, and what of it was recorded."""
    if mail.automatic:
        return Filed("ignored", None, mail.text[:MAX_TEXT], mail.automatic)
    if _sent_by_the_desk(session, mail):
        # The desk's own mail come back (a copy to itself, a forward loop): answering it
        # would start a loop, filing it would duplicate the ticket's conversation.
        return Filed("ignored", None, mail.text[:MAX_TEXT], "sent by the desk")
    sender = _user(session, mail.sender_email)
    ticket = _answered_ticket(session, mail, sender)
    if ticket is None or ticket.status == "closed":
        ticket = _open(session, store, mail, sender, limits, follow_up=ticket)
        return Filed("ticket", ticket, ticket.body)
    message = _reply(session, store, ticket, mail, sender, limits)
    return Filed("reply", ticket, message.body)


def _sent_by_the_desk(session: Session, mail: Mail) -> bool:
    if not mail.message_id:
        return False
    query = select(OutgoingMail.id).where(OutgoingMail.message_id == mail.message_id)
    return session.scalar(query) is not None


def _user(session: Session, address: str) -> User | None:
    query = select(User).where(User.email == address, User.is_active.is_(True))
    return session.scalar(query)


def _is_staff(user: User | None) -> bool:
    return user is not None and bool(user.roles & STAFF_ROLES)


def _answered_ticket(session: Session, mail: Mail, sender: User | None) -> Ticket | None:
    if mail.replies_to:
        owners = dict(
            session.execute(
                select(InboundMail.message_id, InboundMail.ticket_id).where(
                    InboundMail.message_id.in_(mail.replies_to),
                    InboundMail.ticket_id.is_not(None),
                )
            ).all()
        )
        owners |= dict(
            session.execute(
                select(OutgoingMail.message_id, OutgoingMail.ticket_id).where(
                    OutgoingMail.message_id.in_(mail.replies_to)
                )
            ).all()
        )
        for message_id in mail.replies_to:
            if message_id in owners:
                return session.get(Ticket, owners[message_id])
    match = TAG.search(mail.subject)
    if match is None:
        return None
    ticket = session.scalar(select(Ticket).where(Ticket.number == match.group(1)))
    if ticket is None or not (_is_staff(sender) or _takes_part(session, ticket, mail)):
        return None
    return ticket


def _takes_part(session: Session, ticket: Ticket, mail: Mail) -> bool:
    if ticket.requester_email == mail.sender_email:
        return True
    query = select(TicketMessage.id).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.author_email == mail.sender_email
    )
    return session.scalar(query.limit(1)) is not None


def _open(
    session: Session,
    store: AttachmentStore,
    mail: Mail,
    requester: User | None,
    limits: Limits,
    follow_up: Ticket | None,
) -> Ticket:
    body = mail.text[:MAX_TEXT]
    if follow_up is not None:
        body = f"Follow-up to the closed ticket #{follow_up.number}.\n\n{body}"[:MAX_TEXT]
    new = desk.NewTicket(
        subject=mail.subject or NO_SUBJECT,
        body=body,
        channel="email",
        requester_email=mail.sender_email,
        requester_name=mail.sender_name,
        requester_id=requester.id if requester else None,
        organisation_id=requester.organisation_id if requester else None,
        locale=requester.locale if requester else _language(mail.text),
    )
    ticket = desk.open_ticket(session, new)
    _attach(session, store, ticket, None, mail.attachments, limits)
    session.flush()
    return ticket


def _reply(
    session: Session,
    store: AttachmentStore,
    ticket: Ticket,
    mail: Mail,
    author: User | None,
    limits: Limits,
) -> TicketMessage:
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket.id).options(selectinload(Ticket.messages))
    )
    text = mail.new_text[:MAX_TEXT] or NO_TEXT
    actor = _actor(author, mail.sender_email)
    action = "answer" if actor.kind == "staff" else "reply"
    if action in workflow.allowed_actions(ticket.status, actor.actors):
        if action == "answer":
            desk.answer(session, actor, ticket, text)
        else:
            desk.reply(session, actor, ticket, text, channel="email")
        message = ticket.messages[-1]
        message.channel = "email"
    else:
        message = _beside_the_workflow(session, ticket, actor, text)
    _attach(session, store, ticket, message.id, mail.attachments, limits)
    session.flush()
    return message


def _actor(author: User | None, address: str) -> desk.Actor:
    """The sender as the workflow sees them: staff by their roles, anyone else on the client's
    side (the requester, or a colleague copied in)."""
    if _is_staff(author):
        actors = workflow.actors_of(author.roles, is_requester=False)
        return desk.Actor(author.id, actors, "staff", address)
    client = frozenset({workflow.REQUESTER})
    return desk.Actor(author.id if author else None, client, "client", address)


def _beside_the_workflow(
    session: Session, ticket: Ticket, actor: desk.Actor, text: str
) -> TicketMessage:
    """A message the workflow has no move for here (a client writing on a resolved ticket):
    recorded and told, its status left for the desk to decide."""
    message = TicketMessage(
        author_id=actor.user_id,
        author_kind=actor.kind,
        author_email=actor.email,
        body=text,
        channel="email",
    )
    ticket.messages.append(message)
    ticket.updated_at = utcnow()
    session.flush()
    event = "replied" if actor.kind == "staff" else "client_replied"
    emit(session, ticket, event, actor.user_id, message=message.id)
    return message


def _attach(
    session: Session,
    store: AttachmentStore,
    ticket: Ticket,
    message_id: int | None,
    attachments: tuple[Attachment, ...],
    limits: Limits,
) -> None:
    total, kept, left_out = 0, 0, []
    for attachment in attachments:
        size = len(attachment.content)
        if size > limits.per_file or total + size > limits.per_message or kept >= MAX_FILES:
            left_out.append(f"{attachment.filename} ({size} bytes)")
            continue
        total, kept = total + size, kept + 1
        # The portal's rules for a file's name and type: cut to fit, never trusted.
        upload = Upload(
            filename=attachment.filename, content_type=attachment.content_type, content=b""
        )
        session.add(
            TicketAttachment(
                ticket_id=ticket.id,
                message_id=message_id,
                filename=upload.filename or "attachment",
                content_type=upload.content_type or GENERIC_TYPE,
                size=size,
                sha256=keep(store, attachment.content),
            )
        )
    if left_out:
        session.add(
            TicketMessage(
                ticket_id=ticket.id,
                author_kind="system",
                body="Files not attached (too large or too many), kept in the raw e-mail: "
                + ", ".join(left_out)[:10_000],
                is_internal=True,
                channel="email",
            )
        )


def _language(text: str) -> str:
    cyrillic = sum(1 for c in text[:2000] if "\u0400" <= c <= "\u04ff")
    return "ru" if cyrillic >= 10 else "en"
