"""The notifier: an outbox consumer that turns ticket events into notification rows.

Its position (OutboxCursor "notifier") and the rows it plans commit in one transaction, and
the cursor row is locked first, so each event is planned exactly once, across restarts; a
worker that finds another one planning skips its round rather than wait on the lock.
Delivery is the sender's business (sender.py).
"""

from email.utils import make_msgid, parseaddr

from sqlalchemy.orm import Session, sessionmaker

from kb_service import outbox
from kb_service.accounts.models import User
from kb_service.accounts.service import viewer_for
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.outbox import OutboxEvent
from tickets import linking
from tickets.events import TOPIC
from tickets.intake.filing import remember_sent, subject_tag
from tickets.models import Escalation, Ticket, TicketMessage
from tickets.notifications import links, people
from tickets.notifications.models import Notification
from tickets.notifications.recipients import Person, audiences, recipients
from tickets.notifications.rendering import render

CONSUMER = "notifier"
BATCH = 200


def plan(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Plan the notifications of the next outbox events; the number of events read."""
    if not outbox.behind(sessions, CONSUMER):
        return 0
    with session_scope(sessions) as session:
        cursor = outbox.locked_cursor(session, CONSUMER)
        if cursor is None:
            return 0  # another worker is planning these events
        batch = outbox.read_after(session, cursor.position, BATCH)
        for event in batch:
            if event.topic == TOPIC:
                plan_event(session, settings, event)
        if batch:
            cursor.position = batch[-1].id
        return len(batch)


def plan_event(session: Session, settings: Settings, event: OutboxEvent) -> int:
    """Write the notification rows of one ticket event; how many."""
    payload = event.payload
    wanted = audiences(payload.get("event", ""))
    ticket = people.load_ticket(session, payload.get("ticket")) if wanted else None
    if ticket is None:
        return 0
    escalation = people.load_escalation(session, payload.get("escalation"))
    message = _message(session, payload.get("message"))
    internal = payload["event"] == "noted" or bool(message and message.is_internal)
    found = people.people_for(session, ticket, escalation, wanted)
    user_ids = {p.user_id for group in found.values() for p in group if p.user_id}
    chosen = recipients(
        payload["event"],
        payload,
        found,
        internal=internal,
        disabled=people.disabled_for(session, user_ids),
    )
    for person, kind in chosen:
        context = _context(settings, ticket, escalation, message, payload, person)
        context["articles"] = _solved_by(session, settings, ticket, kind, person)
        text = render(kind, person.locale, context)
        row = _row(settings, event, ticket, person, kind, text)
        session.add(row)
        remember_sent(session, ticket, row.message_id)  # a reply to it finds the ticket
    session.flush()
    return len(chosen)


def _message(session: Session, message_id) -> TicketMessage | None:
    return session.get(TicketMessage, message_id) if isinstance(message_id, int) else None


def _context(settings, ticket: Ticket, escalation: Escalation | None, message, payload, person):
    staff = person.staff
    if staff or ticket.requester_id is not None:
        link = links.ticket_url(settings, ticket)
    else:
        link = links.access_url(settings, ticket)
    public = message is not None and (staff or not message.is_internal)
    group = escalation.to_group if escalation else None
    return {
        "name": person.name,
        "staff": staff,
        "account": person.user_id is not None,
        "ticket": ticket,
        "link": link,
        "preferences_link": links.preferences_url(settings),
        "message": message.body if public else "",
        "requester": ticket.requester_name or ticket.requester_email,
        "to_group": (group.name if group else None)
        or (ticket.group.name if ticket.group and not ticket.assignee else None),
        "reason": (escalation.reason if escalation else "") or payload.get("reason", ""),
        "outside": escalation.outside.name if escalation and escalation.outside else "",
        "reference": escalation.reference if escalation else "",
        "promised_at": escalation.promised_at if escalation else None,
        "clock": payload.get("clock", "resolution"),
        "due": payload.get("due"),
    }


def _solved_by(session: Session, settings: Settings, ticket: Ticket, kind: str, person: Person):
    """(title, link) of the articles that solved the ticket, as the recipient may read them:
    only with the solution, and never one their account (or, without one, anyone) may not."""
    if kind != "solution_sent":
        return []
    user = session.get(User, person.user_id) if person.user_id else None
    viewer = viewer_for(session, user)
    return [
        (article.title, links.article_url(settings, article.id))
        for article in linking.used_articles(session, viewer, ticket)
    ]


def _row(settings, event: OutboxEvent, ticket: Ticket, person: Person, kind: str, text):
    domain = mail_domain(settings)
    return Notification(
        outbox_event_id=event.id,
        recipient=person.address,
        user_id=person.user_id,
        locale=person.locale,
        event=event.payload["event"],
        kind=kind,
        ticket_id=ticket.id,
        subject=f"{subject_tag(ticket.number)} {text.subject}"[:400],
        body=text.body,
        message_id=make_msgid(f"spravka.{ticket.number}", domain),
        thread_id=thread_id(ticket.number, domain),
    )


def mail_domain(settings: Settings) -> str:
    """The domain of the From address, which names our Message-IDs."""
    _, address = parseaddr(settings.smtp_from)
    return address.rpartition("@")[2] or "localhost"


def thread_id(number: str, domain: str) -> str:
    """The Message-ID every notification about ticket `number` refers to (In-Reply-To,
    References), so a reply names the ticket even when its subject was rewritten."""
    return f"<ticket-{number}@{domain}>"
