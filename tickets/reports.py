"""The manager's overview of the desk: the load of each team and person, and the promises
outside firms made, beside the deadline the desk owes the client."""

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.errors import Forbidden
from tickets.models import Escalation, SupportGroup, Ticket
from tickets.queues import Moment, view_condition

OVERSEERS = frozenset({"manager", "admin", "dispatcher"})
# The columns of the overview, each a view of the queues.
MEASURES = ("open", "due_today", "breached", "vendor")


@dataclass(frozen=True)
class Load:
    """How many tickets of each measure one team or person holds."""

    name: str
    counts: dict[str, int]
    # The team's or person's id, for a link to their queue; None for "nobody".
    id: int | None = None


@dataclass(frozen=True)
class OutsidePromise:
    escalation: Escalation
    ticket: Ticket

    @property
    def late(self) -> bool:
        """The firm promised a date after the client's deadline."""
        promised, due = self.escalation.promised_at, self.ticket.resolution_due_at
        return promised is not None and due is not None and promised > due


@dataclass(frozen=True)
class Overview:
    groups: list[Load]
    people: list[Load]
    promises: list[OutsidePromise]
    totals: dict[str, int]


def overview(session: Session, viewer: Viewer, moment: Moment) -> Overview:
    """Counts per group and per engineer, and the unanswered outside escalations."""
    if not viewer.has_any(OVERSEERS):
        raise Forbidden("the overview is for managers and dispatchers")
    by_group = _counts(session, viewer, moment, Ticket.group_id)
    by_person = _counts(session, viewer, moment, Ticket.assignee_id)
    groups = session.scalars(select(SupportGroup).order_by(SupportGroup.tier, SupportGroup.name))
    names = dict(
        session.execute(select(User.id, User.name).where(User.id.in_(list(by_person)))).all()
    )
    totals = {m: sum(c[m] for c in by_group.values()) for m in MEASURES}
    return Overview(
        groups=[Load(g.name, by_group.pop(g.id, _zero()), g.id) for g in groups]
        + _nobody(by_group),
        people=sorted(
            (Load(names[i], c, i) for i, c in by_person.items() if i is not None),
            key=lambda load: load.name,
        )
        + _nobody(by_person),
        promises=_promises(session),
        totals=totals,
    )


def _counts(session: Session, viewer: Viewer, moment: Moment, key) -> dict:
    columns = [func.sum(case((view_condition(m, viewer, moment), 1), else_=0)) for m in MEASURES]
    query = select(key, *columns).where(view_condition("open", viewer, moment)).group_by(key)
    return {row[0]: dict(zip(MEASURES, row[1:], strict=True)) for row in session.execute(query)}


def _promises(session: Session) -> list[OutsidePromise]:
    query = (
        select(Escalation, Ticket)
        .join(Ticket, Ticket.id == Escalation.ticket_id)
        .where(Escalation.kind == "external", Escalation.resolved_at.is_(None))
        .options(selectinload(Escalation.outside), selectinload(Ticket.assignee))
        .order_by(Escalation.promised_at.is_(None), Escalation.promised_at, Escalation.id)
    )
    return [OutsidePromise(e, t) for e, t in session.execute(query)]


def _nobody(counts: dict) -> list[Load]:
    return [Load("", counts[None])] if None in counts else []


def _zero() -> dict[str, int]:
    return dict.fromkeys(MEASURES, 0)
