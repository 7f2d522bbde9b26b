"""The console's views of the desk: which tickets a queue holds, filtered, searched and sorted.

Every view is one SQL condition on Ticket, so a page of any queue, its total and the counts of
all views for the sidebar are a fixed number of statements, however many tickets there are.
"""

import threading
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.errors import Forbidden
from kb_service.outbox import OutboxEvent
from tickets import search as ticket_search
from tickets.models import PRIORITIES, Escalation, Ticket, TicketCategory
from tickets.models import support_group_member as member
from tickets.workflow import WORKING

VIEWS = (
    "unassigned", "mine", "groups", "open", "due_today", "breaching", "breached", "vendor",
    "client",
)  # fmt: skip
SORTS = ("due", "updated", "created", "priority")
PER_PAGE = 25
# "Breaching soon": a deadline within this time. Two hours lets a shift still act on it.
SOON = timedelta(hours=2)

ROW_LOAD = (
    selectinload(Ticket.product),
    selectinload(Ticket.category),
    selectinload(Ticket.assignee),
    selectinload(Ticket.group),
    selectinload(Ticket.organisation),
)


@dataclass(frozen=True)
class Filters:
    """What a person narrows a queue by; empty values do not narrow."""

    q: str = ""
    status: str = ""
    priority: str = ""
    group_id: int | None = None
    assignee_id: int | None = None
    category: str = ""
    # The tickets the search index found for `q`; None matches `q` in the database alone.
    found: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Moment:
    """The moments the time-based views are measured from."""

    now: datetime
    # The end of the desk's working day; the UTC day until calendars (tickets/sla.py) say.
    day_ends: datetime

    @classmethod
    def at(cls, now: datetime) -> "Moment":
        return cls(now, datetime.combine(now.date() + timedelta(days=1), time(), now.tzinfo))


@dataclass(frozen=True)
class Queue:
    view: str
    rows: list[Ticket]
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    page: int = 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def queue(
    session: Session,
    viewer: Viewer,
    view: str,
    filters: Filters,
    sort: str,
    page: int,
    moment: Moment,
) -> Queue:
    """One page of a view with its total, and the counts of every view for the sidebar."""
    if not viewer.is_staff:
        raise Forbidden("only staff see the desk's queues")
    view = view if view in VIEWS else "open"
    where = and_(view_condition(view, viewer, moment), filter_condition(filters))
    total = session.scalar(select(func.count()).select_from(Ticket).where(where)) or 0
    rows = session.scalars(
        select(Ticket)
        .where(where)
        .options(*ROW_LOAD)
        .order_by(*order(sort))
        .limit(PER_PAGE)
        .offset((max(page, 1) - 1) * PER_PAGE)
    )
    return Queue(view, list(rows), total, view_counts(session, viewer, moment), page)


def view_counts(session: Session, viewer: Viewer, moment: Moment) -> dict[str, int]:
    """How many tickets each view holds: one statement over the working tickets (about 60 ms
    at 8,000 of them), kept until a ticket changes (the outbox moves on) or the minute turns
    (the time-based views move with the clock)."""
    key = (
        viewer.user_id,
        # The newest event's id and time: a database emptied and refilled reuses ids, not times.
        session.execute(
            select(OutboxEvent.id, OutboxEvent.created_at).order_by(OutboxEvent.id.desc()).limit(1)
        ).first(),
        moment.now.replace(second=0, microsecond=0),
        moment.day_ends,
    )
    with _COUNTS_LOCK:
        counts = _COUNTS.get(key)
    if counts is None:
        counts = _count_views(session, viewer, moment)
        with _COUNTS_LOCK:
            if len(_COUNTS) > 1000:
                _COUNTS.clear()
            _COUNTS[key] = counts
    return counts


_COUNTS: dict[tuple, dict[str, int]] = {}
_COUNTS_LOCK = threading.Lock()


def _count_views(session: Session, viewer: Viewer, moment: Moment) -> dict[str, int]:
    columns = [
        func.coalesce(func.sum(case((view_condition(v, viewer, moment), 1), else_=0)), 0)
        for v in VIEWS
    ]
    # Every view holds working tickets only: the index on status leaves the closed ones out.
    counted = select(*columns).select_from(Ticket).where(Ticket.status.in_(WORKING))
    return dict(zip(VIEWS, session.execute(counted).one(), strict=True))


def next_due() -> ColumnElement:
    """The ticket's nearest deadline: the first response until there is one, then resolution."""
    return func.coalesce(
        case((Ticket.first_response_at.is_(None), Ticket.response_due_at)),
        Ticket.resolution_due_at,
    )


def view_condition(view: str, viewer: Viewer, moment: Moment) -> ColumnElement[bool]:
    working = Ticket.status.in_(WORKING)
    # Waiting on the client pauses the clocks, so its deadlines are not due meanwhile.
    running = Ticket.status.in_(("new", "open"))
    due = next_due()
    conditions = {
        "unassigned": and_(working, Ticket.assignee_id.is_(None)),
        "mine": and_(working, Ticket.assignee_id == viewer.user_id),
        "groups": and_(working, Ticket.group_id.in_(_my_groups(viewer))),
        "open": working,
        "due_today": and_(running, due >= moment.now, due < moment.day_ends),
        "breaching": and_(running, due >= moment.now, due < moment.now + SOON),
        "breached": and_(working, breached(moment.now)),
        "vendor": and_(working, waiting_on_vendor()),
        "client": Ticket.status == "waiting",
    }
    return conditions[view]


def breached(now: datetime) -> ColumnElement[bool]:
    """A deadline has passed, or the SLA watch recorded a breach."""
    return or_(
        Ticket.response_breached_at.is_not(None),
        Ticket.resolution_breached_at.is_not(None),
        and_(Ticket.status != "waiting", next_due() < now),
    )


def waiting_on_vendor() -> ColumnElement[bool]:
    """An outside escalation of the ticket is still unanswered (one uncorrelated subquery,
    not one per ticket: the counts test every working ticket against it)."""
    return Ticket.id.in_(
        select(Escalation.ticket_id).where(
            Escalation.kind == "external", Escalation.resolved_at.is_(None)
        )
    )


def filter_condition(filters: Filters) -> ColumnElement[bool]:
    parts = [true()]
    if filters.q.strip():
        parts.append(ticket_search.matching(filters.q, filters.found))
    if filters.status:
        parts.append(Ticket.status == filters.status)
    if filters.priority:
        parts.append(Ticket.priority == filters.priority)
    if filters.group_id:
        parts.append(Ticket.group_id == filters.group_id)
    if filters.assignee_id:
        parts.append(Ticket.assignee_id == filters.assignee_id)
    if filters.category:
        category = select(TicketCategory.id).where(TicketCategory.slug == filters.category)
        parts.append(Ticket.category_id.in_(category))
    return and_(*parts)


def order(sort: str) -> list:
    due = next_due()
    urgency = case({p: -i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=0)
    orders = {
        "due": [due.is_(None), due, Ticket.id],
        "updated": [Ticket.updated_at.desc(), Ticket.id.desc()],
        "created": [Ticket.created_at.desc(), Ticket.id.desc()],
        "priority": [urgency, due.is_(None), due, Ticket.id],
    }
    return orders.get(sort, orders["due"])


def _my_groups(viewer: Viewer):
    return select(member.c.group_id).where(member.c.user_id == viewer.user_id)
