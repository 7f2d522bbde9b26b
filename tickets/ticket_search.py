"""Staff search over tickets: number, subject, body and requester.

A substring match (LIKE, case-insensitive) is enough for a desk of tens of thousands of
tickets; the queues only ask `matching(q)` for a condition, so an index (PostgreSQL full text,
SQLite FTS5 or the indexer) can replace this module without touching them.
"""

from sqlalchemy import ColumnElement, and_, or_

from tickets.models import Ticket

MAX_WORDS = 8


def matching(q: str) -> ColumnElement[bool]:
    """Tickets whose fields hold every word of `q`; a bare number also finds that ticket."""
    words = q.split()[:MAX_WORDS]
    condition = and_(*(_holds(word) for word in words))
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        return or_(Ticket.number == words[0].lstrip("#"), condition)
    return condition


def _holds(word: str) -> ColumnElement[bool]:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (
        Ticket.subject,
        Ticket.body,
        Ticket.requester_email,
        Ticket.requester_name,
        Ticket.requester_phone,
    )
    return or_(*(f.ilike(pattern, escape="\\") for f in fields))
