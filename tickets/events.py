"""What the desk tells the rest of the system: one outbox topic for every ticket change.

Each significant change writes one row to the outbox in the same transaction as the change
(kb_service/outbox.py), topic TOPIC, key the ticket's id, payload {"event": one of EVENTS,
"ticket": id, "number": "10042", "actor": user id or None, ...extra}. The notifier and
webhooks read them in order; nothing else about a change needs to be known to react to it.
"""

from sqlalchemy.orm import Session

from kb_service import outbox

TOPIC = "ticket"

# event -> what the payload carries beyond ticket, number and actor.
EVENTS = {
    "created": "channel",
    "classified": "changes",
    "assigned": "assignee, group",
    "replied": "message (a public reply by staff)",
    "client_replied": "message (by the requester, any channel)",
    "noted": "message (an internal note: staff only)",
    "escalated": "escalation (to a colleague or group)",
    "escalated_outside": "escalation (to a vendor, manufacturer or dealer)",
    "outside_promise_near": "escalation (its promised date is near)",
    "outside_promise_passed": "escalation (its promised date passed without an answer)",
    "resolved": "message (the solution; the dispatcher is told)",
    "solution_sent": "message (the solution went to the client, who confirms or rejects)",
    "confirmed": "",
    "rejected": "message (the client's reason; the ticket is open again)",
    "closed": "reason ('confirmed', 'timeout' or 'staff')",
    "reopened": "",
    "sla_warning": "clock ('response' or 'resolution'), due",
    "sla_breached": "clock ('response' or 'resolution'), due",
    # The ticket and the knowledge base (tickets/linking.py): staff only, nobody is mailed.
    "article_linked": "article, relation ('used', 'flagged' or 'created')",
    "article_unlinked": "article, relation ('used')",
}


def emit(session: Session, ticket, event: str, actor_id: int | None = None, **extra) -> None:
    """Record `event` about `ticket` in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown ticket event {event!r}")
    payload = {"event": event, "ticket": ticket.id, "number": ticket.number, "actor": actor_id}
    outbox.emit(session, TOPIC, str(ticket.id), payload | extra)
