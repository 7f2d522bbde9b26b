"""Mining of solved tickets: what the desk keeps solving that no article covers yet.

Solved tickets (resolved or closed) with no article linked as used or created are grouped by
what they are about (tickets/mining_space.py, tickets/clustering.py); each group of two or
more becomes an open topic with a proposed title and draft (tickets/mining_drafts.py) that
an editor turns into an article in one step (tickets/topics.py).

Runs are incremental: the new tickets join the open topic they are close to, and the rest
are grouped among themselves and the tickets no topic holds. A full run regroups everything
and keeps each open topic's id where its group goes on (the new group holding most of its
tickets). Topics an editor acted on are never rewritten, and their tickets stay out.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from tickets import clustering
from tickets.mining_drafts import chunks, refresh_topics
from tickets.mining_models import OPEN, MinedTicket, MinedTopic
from tickets.mining_space import Space, problem_text
from tickets.models import Ticket, TicketArticle

SOLVED = ("resolved", "closed")
# Links that mean an article covers the ticket's problem already.
COVERING = ("used", "created")
# An incremental run refits the space when this share of the tickets is new to it: words
# the space has never seen count for nothing in it.
REFIT_SHARE = 0.5
# Pool tickets considered beside each new ticket that joined no topic.
NEIGHBOURS = 20
# Only one run at a time on PostgreSQL (SQLite serialises writers by itself).
MINING_LOCK_KEY = 0x5350_4D49


@dataclass
class MiningReport:
    candidates: int = 0  # solved tickets no article covers
    new: int = 0  # of them, not seen by an earlier run
    assigned: int = 0  # new tickets that joined an existing topic
    topics: int = 0  # open topics after the run
    created: int = 0  # topics made by this run
    full: bool = False
    skipped: bool = False  # another run held the lock


Progress = Callable[[str], None]


def cache_path(settings: Settings) -> Path:
    return settings.data_dir / "mining" / "space.npz"


def mine(
    session: Session, cache: Path, full: bool = False, progress: Progress | None = None
) -> MiningReport:
    """Group the solved tickets no article covers; incremental unless `full`."""
    step = progress or (lambda _: None)
    if not _lock(session):
        return MiningReport(skipped=True)
    ids = np.array(candidates(session), dtype=np.int64)
    report = MiningReport(candidates=len(ids))
    if len(ids) == 0:
        return report  # a new desk: nothing solved yet
    membership, touched = _forget_covered(session, ids)
    cached = None if full else Space.load(cache)
    if cached is not None:
        space, seen, seen_vectors = cached
        known = np.isin(ids, seen)
        report.new = int((~known).sum())
        if report.new > REFIT_SHARE * max(len(ids), 1):
            cached = None
    if cached is None:
        report.full, report.new = True, len(ids)
        step("vectors")
        try:
            space, vectors = Space.fit(_texts(session, ids))
        except ValueError:  # not one word to group by (only stop words, numbers, signatures)
            return report
        step("groups")
        changed = _regroup(session, ids, clustering.cluster(vectors), membership, report)
    else:
        step("vectors")
        vectors = np.zeros((len(ids), seen_vectors.shape[1]), np.float32)
        order = np.argsort(seen)
        vectors[known] = seen_vectors[order[np.searchsorted(seen, ids[known], sorter=order)]]
        vectors[~known] = space.transform(_texts(session, ids[~known]))
        step("groups")
        changed = _extend(session, ids, vectors, ~known, membership, report) | touched
    step("drafts")
    refresh_topics(session, space, changed, dict(zip(ids.tolist(), vectors, strict=True)))
    report.topics = session.scalar(
        select(func.count()).select_from(MinedTopic).where(MinedTopic.state == OPEN)
    )
    space.save(cache, ids, vectors)
    return report


def mine_on_schedule(sessions, settings: Settings) -> int:
    """The worker's job: an incremental run; 0, so the job waits for its next turn."""
    with session_scope(sessions) as session:
        mine(session, cache_path(settings))
    return 0


def candidates(session: Session) -> list[int]:
    """Ids of solved tickets that no article covers and no editor has acted on."""
    covered = select(TicketArticle.ticket_id).where(TicketArticle.relation.in_(COVERING))
    acted = (
        select(MinedTicket.ticket_id)
        .join(MinedTopic, MinedTopic.id == MinedTicket.topic_id)
        .where(MinedTopic.state != OPEN)
    )
    query = select(Ticket.id).where(
        Ticket.status.in_(SOLVED), Ticket.id.not_in(covered), Ticket.id.not_in(acted)
    )
    return list(session.scalars(query.order_by(Ticket.id)))


def _lock(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True
    query = text("SELECT pg_try_advisory_xact_lock(:key)")
    return bool(session.scalar(query, {"key": MINING_LOCK_KEY}))


def _texts(session: Session, ids: np.ndarray) -> list[str]:
    """Each ticket's problem (subject and body), in the order of `ids`."""
    found: dict[int, str] = {}
    for chunk in chunks(ids.tolist()):
        rows = session.execute(
            select(Ticket.id, Ticket.subject, Ticket.body).where(Ticket.id.in_(chunk))
        )
        found |= {i: problem_text(subject, body) for i, subject, body in rows}
    return [found[i] for i in ids.tolist()]


def _membership(session: Session) -> dict[int, int]:
    """Ticket -> open topic."""
    query = (
        select(MinedTicket.ticket_id, MinedTicket.topic_id)
        .join(MinedTopic, MinedTopic.id == MinedTicket.topic_id)
        .where(MinedTopic.state == OPEN)
    )
    return dict(session.execute(query).all())


def _forget_covered(session: Session, ids: np.ndarray) -> tuple[dict[int, int], set[int]]:
    """Open topics let go of tickets that stopped being candidates (an article now covers
    them, or they were reopened); topics left with fewer than two are dropped. The open
    topics' tickets after that (ticket -> topic), and the topics that changed."""
    membership = _membership(session)
    still = set(ids.tolist())
    gone = [t for t in membership if t not in still]
    touched = {membership.pop(t) for t in gone}
    for chunk in chunks(gone):
        session.execute(delete(MinedTicket).where(MinedTicket.ticket_id.in_(chunk)))
    sizes = Counter(membership.values())
    small = sorted(t for t in touched if sizes[t] < 2)
    for chunk in chunks(small):
        session.execute(delete(MinedTopic).where(MinedTopic.id.in_(chunk)))
    membership = {k: v for k, v in membership.items() if v not in small} if small else membership
    return membership, touched - set(small)


def _regroup(session: Session, ids, labels: np.ndarray, before: dict[int, int], report) -> set[int]:
    """Replace the open topics (`before`: ticket -> topic) by these groups, keeping the id of
    each topic whose group goes on; the ids of topics whose tickets changed."""
    groups: dict[int, list[int]] = defaultdict(list)
    for ticket, label in zip(ids.tolist(), labels.tolist(), strict=True):
        if label != clustering.NOISE:
            groups[label].append(ticket)
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    old_kept: set[int] = set()
    for label, tickets in groups.items():
        for ticket in tickets:
            if ticket in before:
                overlap[before[ticket], label] += 1
    kept: dict[int, int] = {}  # label -> topic id
    for (topic, label), _ in sorted(overlap.items(), key=lambda kv: -kv[1]):
        if label not in kept and topic not in old_kept:
            kept[label] = topic
            old_kept.add(topic)
    old_sets = defaultdict(set)
    for ticket, topic in before.items():
        old_sets[topic].add(ticket)
    gone = set(old_sets) - set(kept.values())
    for chunk in chunks(sorted(gone)):
        session.execute(delete(MinedTopic).where(MinedTopic.id.in_(chunk)))
    for chunk in chunks(list(before)):
        session.execute(delete(MinedTicket).where(MinedTicket.ticket_id.in_(chunk)))
    fresh = iter(_new_topics(session, len(groups) - len(kept)))
    report.created += len(groups) - len(kept)
    changed, members = set(), {}
    for label, tickets in groups.items():
        topic = kept[label] if label in kept else next(fresh)
        if set(tickets) != old_sets.get(topic):
            changed.add(topic)
        members[topic] = tickets
    _add_members(session, members)
    return changed


def _extend(session, ids, vectors: np.ndarray, new: np.ndarray, membership, report) -> set[int]:
    """Put the new tickets in the open topics (`membership`: ticket -> topic) they are close
    to; group the rest with the tickets no topic holds (their nearest ones only)."""
    topic_of = np.array([membership.get(t, -1) for t in ids.tolist()], dtype=np.int64)
    held = topic_of >= 0
    topics, slot = np.unique(topic_of[held], return_inverse=True)
    sums = np.zeros((len(topics), vectors.shape[1]), np.float32)
    np.add.at(sums, slot, vectors[held])
    fresh = np.flatnonzero(new)
    joined = clustering.nearest_group(
        vectors[fresh], sums, np.bincount(slot, minlength=len(topics))
    )
    members: dict[int, list[int]] = defaultdict(list)
    for row, group in zip(fresh.tolist(), joined.tolist(), strict=True):
        if group != clustering.NOISE:
            members[int(topics[group])].append(int(ids[row]))
            report.assigned += 1
    rest = fresh[joined == clustering.NOISE]
    pool = np.flatnonzero(~held & ~new)
    rows = np.union1d(rest, _near(vectors, rest, pool))
    labels = clustering.cluster(vectors[rows])
    made = np.unique(labels[labels != clustering.NOISE])
    for label, topic in zip(made.tolist(), _new_topics(session, len(made)), strict=True):
        members[topic] = ids[rows[labels == label]].tolist()
    report.created += len(made)
    _add_members(session, members)
    return set(members)


def _near(vectors: np.ndarray, rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Pool rows among the nearest NEIGHBOURS of any of `rows`, close enough to group."""
    if len(rows) == 0 or len(pool) == 0:
        return np.array([], dtype=int)
    found = []
    for start in range(0, len(rows), 500):
        similarity = vectors[rows[start : start + 500]] @ vectors[pool].T
        k = min(NEIGHBOURS, len(pool))
        top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        close = np.take_along_axis(similarity, top, axis=1) >= 1.0 - clustering.THRESHOLD
        found.append(pool[top[close]])
    return np.unique(np.concatenate(found))


def _new_topics(session: Session, count: int) -> list[int]:
    """Ids of `count` new open topics (filled in by refresh_topics), in one statement."""
    if count == 0:
        return []
    now = utcnow()
    row = {"title": "", "draft": "", "size": 0, "language": "en", "state": OPEN,
           "created_at": now, "updated_at": now}  # fmt: skip
    made = insert(MinedTopic).returning(MinedTopic.id, sort_by_parameter_order=True)
    return list(session.scalars(made, [row] * count))


def _add_members(session: Session, members: dict[int, list[int]]) -> None:
    """Add tickets to topics (topic -> tickets), in a few statements whatever the number."""
    rows = [
        {"ticket_id": t, "topic_id": topic} for topic, tickets in members.items() for t in tickets
    ]
    for chunk in chunks(rows):
        session.execute(insert(MinedTicket), chunk)
    for chunk in chunks(sorted(members)):
        session.execute(
            update(MinedTopic).where(MinedTopic.id.in_(chunk)).values(updated_at=utcnow())
        )
