"""Which tickets a staff member's query finds in a queue: the search index's hits by text,
and a substring match on who asked (name, e-mail, phone), which the index does not hold.

The index (tickets.search) ranks subjects, bodies and conversations; without it (a process
that serves no searches) every field is matched by LIKE, slower but the same tickets.
"""

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_

from tickets.models import Ticket

MAX_WORDS = 8
REQUESTER = (Ticket.requester_email, Ticket.requester_name, Ticket.requester_phone)
TEXT = (Ticket.subject, Ticket.body)


def matching(q: str, numbers: Sequence[str] | None = None) -> ColumnElement[bool]:
    """Tickets the index found (`numbers`), or whose requester holds every word of `q`;
    without the index's numbers, whose text or requester holds every word."""
    words = q.split()[:MAX_WORDS]
    fields = REQUESTER if numbers is not None else TEXT + REQUESTER
    condition = and_(*(_holds(word, fields) for word in words))
    found = list(numbers or [])
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        found.append(words[0].lstrip("#"))
    return or_(Ticket.number.in_(found), condition) if found else condition


def _holds(word: str, fields) -> ColumnElement[bool]:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(f.ilike(pattern, escape="\\") for f in fields))
