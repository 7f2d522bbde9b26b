"""What people look for and do not find: searches with no result, searches with results but
no click, and searches of visits that ended in a ticket, grouped by what was asked.

For editors, who turn a frequent gap into an article. Searches by staff are left out (as in
tickets/kcs.py): these are the clients' and visitors' words. They may hold personal data,
so only staff pages show them, and always escaped.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from indexer.querying import normalise_query
from kb_service.access import Viewer
from kb_service.errors import Forbidden
from kb_service.search.models import SearchEvent
from tickets.measuring import Period
from tickets.mining_models import MinedTicket, MinedTopic
from tickets.models import AskVisit, Ticket

EDITORS = frozenset({"editor", "manager", "admin"})
LIMIT = 50
# Trimmed from both ends of each word: "принтер?", «доступ» and "(vpn)" are one gap each.
# "+" and "#" stay, so "c++" and "c#" remain what they are.
_TRIM = ".,;:!?\"'«»„“”‘’()[]{}…—–-/\\|*~`^"
_WORD_END = re.compile(rf"^[{re.escape(_TRIM)}]+|[{re.escape(_TRIM)}]+$")


@dataclass(frozen=True)
class Gap:
    """One normalised query: how often, in how many visits, when last, and how many results
    it found (the largest count seen: 0 for a zero-result gap)."""

    query: str
    searches: int
    visits: int
    last_seen: datetime
    results: int
    tickets: int = 0


@dataclass(frozen=True)
class TopicGap:
    """A mined topic (tickets/mining.py) that clients asked about after searching: the
    topic, its tickets opened after a search, those searches and the words most used."""

    topic_id: int
    title: str
    state: str  # open, article (then article_id names it) or dismissed
    article_id: str | None
    tickets: int
    searches: int
    queries: tuple[str, ...]


@dataclass(frozen=True)
class Gaps:
    no_result: list[Gap]
    no_click: list[Gap]
    before_ticket: list[Gap]
    by_topic: list[TopicGap] = ()


def gap_key(query: str) -> str:
    """The query as search stores it (lower case, ё as е, one space), punctuation trimmed."""
    words = (_WORD_END.sub("", word) for word in normalise_query(query).split())
    return " ".join(word for word in words if word)


def require_editor(viewer: Viewer) -> None:
    if not viewer.has_any(EDITORS):
        raise Forbidden("the gaps are for editors and managers")


def gaps(session: Session, viewer: Viewer, period: Period) -> Gaps:
    """The period's three gap lists, most frequent first."""
    require_editor(viewer)
    searched = and_(period.holds(SearchEvent.created_at), SearchEvent.viewer_kind != "staff")
    before = _searches_before_tickets(session, period)
    return Gaps(
        no_result=_grouped(session, and_(searched, SearchEvent.result_count == 0)),
        no_click=_grouped(
            session,
            and_(searched, SearchEvent.result_count > 0, SearchEvent.clicked_article_id.is_(None)),
        ),
        before_ticket=group_tickets_after_search(before),
        by_topic=group_by_topic(session, before),
    )


def _grouped(session: Session, where) -> list[Gap]:
    # Grouped by query and visit, so spellings that meet under gap_key count a visit once.
    rows = session.execute(
        select(
            SearchEvent.query,
            SearchEvent.visit_id,
            func.count(),
            func.max(SearchEvent.created_at),
            func.max(SearchEvent.result_count),
        )
        .where(where)
        .group_by(SearchEvent.query, SearchEvent.visit_id)
    ).all()
    searches: dict[str, int] = defaultdict(int)
    visits: dict[str, set] = defaultdict(set)
    last: dict[str, datetime] = {}
    results: dict[str, int] = defaultdict(int)
    for query, visit_id, count, seen, found in rows:
        key = gap_key(query)
        if not key:
            continue
        searches[key] += count
        visits[key].add(visit_id)
        last[key] = max(last.get(key, seen), seen)
        results[key] = max(results[key], found)
    return _top(
        Gap(key, n, len(visits[key] - {None}), last[key], results[key])
        for key, n in searches.items()
    )


@dataclass(frozen=True)
class SearchBeforeTicket:
    """A search made in a portal visit before that visit's ask form sent a ticket."""

    query: str
    visit_id: str
    ticket_id: int
    searched_at: datetime
    result_count: int


def _searches_before_tickets(session: Session, period: Period) -> list[SearchBeforeTicket]:
    rows = session.execute(
        select(
            SearchEvent.query,
            SearchEvent.visit_id,
            Ticket.id,
            SearchEvent.created_at,
            SearchEvent.result_count,
        )
        .join(AskVisit, AskVisit.visit_id == SearchEvent.visit_id)
        .join(Ticket, Ticket.id == AskVisit.ticket_id)
        .where(
            period.holds(Ticket.created_at),
            SearchEvent.created_at <= Ticket.created_at,
            SearchEvent.viewer_kind != "staff",
        )
    ).all()
    return [SearchBeforeTicket(*row) for row in rows]


def group_tickets_after_search(rows: list[SearchBeforeTicket]) -> list[Gap]:
    """Tickets opened right after a search, grouped by the normalised query."""
    groups: dict[str, list[SearchBeforeTicket]] = {}
    for row in rows:
        key = gap_key(row.query)
        if key:
            groups.setdefault(key, []).append(row)
    return _top(
        Gap(
            query=key,
            searches=len(found),
            visits=len({r.visit_id for r in found}),
            last_seen=max(r.searched_at for r in found),
            results=max(r.result_count for r in found),
            tickets=len({r.ticket_id for r in found}),
        )
        for key, found in groups.items()
    )


def group_by_topic(session: Session, rows: list[SearchBeforeTicket]) -> list[TopicGap]:
    """The same tickets grouped by the mined topic they fell in once solved: many wordings of
    one problem meet there, which the grouping by query cannot see."""
    tickets = {row.ticket_id for row in rows}
    if not tickets:
        return []
    topic_of: dict[int, MinedTopic] = {}
    for chunk in chunks(sorted(tickets)):
        query = (
            select(MinedTicket.ticket_id, MinedTopic)
            .join(MinedTopic, MinedTopic.id == MinedTicket.topic_id)
            .where(MinedTicket.ticket_id.in_(chunk))
        )
        topic_of |= dict(session.execute(query).all())
    found: dict[int, list[SearchBeforeTicket]] = defaultdict(list)
    for row in rows:
        if row.ticket_id in topic_of:
            found[topic_of[row.ticket_id].id].append(row)
    topics = {topic.id: topic for topic in topic_of.values()}
    gaps = [
        TopicGap(
            topic_id=topic_id,
            title=topics[topic_id].title,
            state=topics[topic_id].state,
            article_id=topics[topic_id].article_id,
            tickets=len({r.ticket_id for r in searched}),
            searches=len(searched),
            queries=tuple(
                q for q, _ in Counter(gap_key(r.query) for r in searched).most_common(3) if q
            ),
        )
        for topic_id, searched in found.items()
    ]
    return sorted(gaps, key=lambda g: (-g.tickets, -g.searches, g.title))[:LIMIT]


def chunks(values: list, size: int = 5_000):
    """Slices short enough for one IN (...) on every engine (not mining_drafts', which would
    bring scikit-learn into every web process)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _top(found: Iterable[Gap]) -> list[Gap]:
    return sorted(found, key=lambda g: (-g.searches, -g.visits, g.query))[:LIMIT]
