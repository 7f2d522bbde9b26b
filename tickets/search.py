"""Full-text search over tickets for staff, with the indexer library the articles use.

Each node keeps a ticket index beside its article index (`Settings.ticket_index_path`), fed
from the outbox topic "ticket" the way the article index is fed from its own: the index
remembers the last event applied, so a crash only makes the feed apply some events again.
A ticket's document holds its subject, its requester, its text and its whole conversation
(internal notes too: only staff search tickets); its status rides in the category field so a
queue can narrow by it. `matching` adds what words cannot find: a ticket's number, and an
address or a phone number typed in part.
"""

import re
from collections.abc import Iterator, Sequence

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from indexer import search as engine
from indexer.documents import Document
from indexer.index import SearchIndex
from kb_service import outbox
from kb_service.access import Viewer
from kb_service.db import session_scope
from kb_service.errors import Forbidden
from tickets.events import TOPIC
from tickets.models import Ticket

# Staff see every ticket: one group for all of them, which no client ever holds.
STAFF_GROUP = "desk-staff"
LOAD = (selectinload(Ticket.messages), selectinload(Ticket.product))
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def to_document(ticket: Ticket) -> Document:
    # Who asked is searched too (a dispatcher looks a caller up by name).
    requester = " ".join(filter(None, (ticket.requester_name, ticket.requester_email)))
    text = "\n\n".join([requester, ticket.body, *(m.body for m in ticket.messages)])
    return Document(
        id=ticket.number,
        title=ticket.subject,
        body=text,
        language=_language(ticket.subject + " " + ticket.body),
        groups=(STAFF_GROUP,),
        products=(ticket.product.code,) if ticket.product else (),
        category=ticket.status,
        tags=(ticket.priority,),
        updated_at=ticket.updated_at,
    )


def feed_once(index: SearchIndex, session: Session, batch: int = 500) -> int:
    """Apply the next batch of outbox events to the ticket index; the number applied."""
    events = outbox.read_after(session, index.position, limit=batch)
    if not events:
        return 0
    ids = {int(e.key) for e in events if e.topic == TOPIC and e.key.isdigit()}
    tickets = session.scalars(select(Ticket).where(Ticket.id.in_(ids)).options(*LOAD)).all()
    # Tickets are never deleted by the desk, so there is nothing to withdraw.
    index.apply([to_document(t) for t in tickets], set(), position=events[-1].id)
    return len(events)


def rebuild(index: SearchIndex, sessions: sessionmaker[Session]) -> int:
    """Rebuild the whole ticket index from the database; the number of tickets."""
    with session_scope(sessions) as session:
        position = outbox.last_position(session)
        total = session.scalar(select(func.count(Ticket.id))) or 0
        index.rebuild(_documents(session), position=position, total=total)
    return total


def ensure(index: SearchIndex, sessions: sessionmaker[Session]) -> None:
    """Fill an empty ticket index (a new node, an upgrade, a lost folder)."""
    if index.is_new:
        with session_scope(sessions) as session:
            if session.scalar(select(Ticket.id).limit(1)) is None and not index.outdated:
                return
        rebuild(index, sessions)


def search(index: SearchIndex, viewer: Viewer, query: str, limit: int = 200) -> list[str]:
    """Numbers of the tickets that match `query`, best first; staff only."""
    if not viewer.is_staff:
        raise Forbidden("only staff search the desk's tickets")
    query = " ".join(query.split())[:500]
    if not query:
        return []
    numbers = [query] if query.isdigit() else []
    result = engine.search(index, query, groups=frozenset({STAFF_GROUP}), limit=limit)
    return list(dict.fromkeys(numbers + [hit.id for hit in result.hits]))


def matching(q: str, numbers: Sequence[str] | None = None) -> ColumnElement[bool]:
    """The tickets a staff member's query finds: those the index found (`numbers`), the one
    with that number, and those whose requester's address or phone holds a typed part of one
    (`@` or four digits). Without the index's numbers (a process that serves no searches)
    every word is matched by LIKE in the text and the requester, slower but the same tickets."""
    words = q.split()[:MAX_WORDS]
    found = list(numbers or [])
    found += [w.lstrip("#") for w in words if w.lstrip("#").isdigit()]
    if numbers is None:
        fields = (Ticket.subject, Ticket.body, *_CONTACT, Ticket.requester_name)
        condition = and_(*(_holds(word, fields) for word in words))
    else:
        contacts = [w for w in words if "@" in w or sum(c.isdigit() for c in w) >= 4]
        condition = or_(*(_holds(word, _CONTACT) for word in contacts)) if contacts else false()
    return or_(Ticket.number.in_(found), condition) if found else condition


_CONTACT = (Ticket.requester_email, Ticket.requester_phone)
MAX_WORDS = 8


def _holds(word: str, fields) -> ColumnElement[bool]:
    pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(*(f.ilike(pattern, escape="\\") for f in fields))


def _documents(session: Session) -> Iterator[Document]:
    last = 0
    while True:
        page = session.scalars(
            select(Ticket).where(Ticket.id > last).order_by(Ticket.id).options(*LOAD).limit(500)
        ).all()
        if not page:
            return
        yield from (to_document(t) for t in page)
        last = page[-1].id
        session.expunge_all()


def _language(text: str) -> str:
    return "ru" if len(_CYRILLIC.findall(text)) >= len(_LATIN.findall(text)) else "en"
