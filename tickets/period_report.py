"""The report of a period for managers and editors: who may see which scope, and everything
the report page and its CSV show, gathered in one call.

Managers, admins and editors see the desk, any team and any person, with a table per team
and per person. Engineers and dispatchers see their own numbers only (a person report of
themselves, whatever scope they ask for): the measures are for reflecting on one's own work,
not for ranking colleagues. Clients see nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.accounts.models import User, UserRole
from kb_service.errors import Forbidden
from tickets import workflow
from tickets.desk_measures import DeskMeasures, desk_measures
from tickets.kcs import DESK_WIDE, Knowledge, knowledge
from tickets.measuring import Period, Rate, Scope, Spread
from tickets.models import SupportGroup
from tickets.report_tables import Row, Week, breakdown, weekly

REPORTERS = frozenset({"manager", "admin", "editor"})
OWN_ONLY = frozenset({"engineer", "dispatcher"})
# The measures of each section, in the order the page and the CSV list them.
KNOWLEDGE_LINES = (
    "link_rate", "reuse", "known_vs_new", "creation", "creation_time", "time_to_publish",
    "self_service_first", "helpful", "visit_success", "deflection", "search_success",
    "zero_result", "feedback_rate", "flag_and_fix",
)  # fmt: skip
DESK_LINES = (
    "tickets_in", "tickets_resolved", "tickets_closed", "first_response", "resolution",
    "response_sla", "resolution_sla", "reopen", "confirmation", "outside_on_time",
)  # fmt: skip


@dataclass(frozen=True)
class Report:
    period: Period
    scope: Scope
    knowledge: Knowledge
    desk: DeskMeasures
    weeks: list[Week]
    # Per team and per person: the desk report of a reporter only, else empty.
    teams: list[Row]
    people: list[Row]


def allowed_scope(viewer: Viewer, asked: Scope) -> Scope:
    """The scope the viewer gets for the one asked: any for reporters, else their own."""
    if viewer.has_any(REPORTERS):
        return asked
    if viewer.has_any(OWN_ONLY) and viewer.user_id is not None:
        return Scope("person", viewer.user_id)
    raise Forbidden("reports are for managers, editors and the desk's own staff")


def report(session: Session, viewer: Viewer, period: Period, asked: Scope, now: datetime):
    """Every measure of the period for the scope the viewer may see."""
    scope = allowed_scope(viewer, asked)
    tables = scope.is_desk
    return Report(
        period=period,
        scope=scope,
        knowledge=knowledge(session, period, scope, viewer),
        desk=desk_measures(session, period, scope, now),
        weeks=weekly(session, period, scope),
        teams=breakdown(session, period, "team") if tables else [],
        people=breakdown(session, period, "person") if tables else [],
    )


@dataclass(frozen=True)
class Choices:
    """What the scope chooser offers: the teams and the desk's working staff."""

    teams: list[tuple[int, str]]
    people: list[tuple[int, str]]


def choices(session: Session, viewer: Viewer) -> Choices:
    if not viewer.has_any(REPORTERS):
        return Choices([], [])
    teams = session.execute(select(SupportGroup.id, SupportGroup.name).order_by(SupportGroup.name))
    people = session.execute(
        select(User.id, User.name)
        .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(workflow.WORK))))
        .order_by(User.name)
    )
    return Choices([tuple(t) for t in teams], [tuple(p) for p in people])


def scope_name(session: Session, scope: Scope) -> str:
    """The team's or person's name, for the heading and the CSV; empty for the desk."""
    if scope.kind == "team":
        return session.scalar(select(SupportGroup.name).where(SupportGroup.id == scope.id)) or ""
    if scope.kind == "person":
        return session.scalar(select(User.name).where(User.id == scope.id)) or ""
    return ""


@dataclass(frozen=True)
class Line:
    """One measure as a page row or a CSV line: a rate, a spread of durations or a count."""

    section: str  # "knowledge" or "desk"
    key: str
    measure: Rate | Spread | int
    # A self-service measure: the whole desk's, whatever the scope.
    desk_wide: bool = False

    @property
    def kind(self) -> str:
        """ "rate", "spread" or "count": how the measure is printed."""
        if isinstance(self.measure, Rate):
            return "rate"
        return "spread" if isinstance(self.measure, Spread) else "count"


def lines(report: Report) -> list[Line]:
    """Every measure of the report in order."""
    found = [
        Line("knowledge", key, getattr(report.knowledge, key), key in DESK_WIDE)
        for key in KNOWLEDGE_LINES
    ]
    return found + [Line("desk", key, getattr(report.desk, key)) for key in DESK_LINES]
