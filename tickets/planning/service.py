"""Planning work: who may plan for whom, what may not overlap, and reading the plans back.

Dispatchers, managers and admins plan for any engineer of the desk; an engineer plans their
own work; the rest of the staff only read. A visit takes the engineer away, so it may not
overlap another visit or an absence (and an absence may not be put over a visit); tasks are
done at the desk between other things and overlap anything.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import User, UserRole
from kb_service.db import utcnow
from kb_service.errors import Conflict, Forbidden, Invalid, NotFound
from tickets import workflow
from tickets.contracts.models import DEFAULT, Calendar, ServiceContract
from tickets.models import SupportGroup, Ticket, support_group_member
from tickets.planning import weeks
from tickets.planning.models import ABSENCE, TASK, VISIT, PlannedWork
from tickets.planning.schemas import PlannedWorkIn

# The zone of a desk whose default calendar is gone (migration t0003 makes it Moscow).
FALLBACK_ZONE = "Europe/Moscow"
# Longer than any leave; a longer span is a typing mistake in the year.
MAX_SPAN = timedelta(days=366)
# What each kind may not overlap, of the same engineer's other work.
CLASHES = {VISIT: (VISIT, ABSENCE), ABSENCE: (VISIT,), TASK: ()}
WITH_NAMES = (selectinload(PlannedWork.engineer), selectinload(PlannedWork.ticket))


class Clash(Conflict):
    """The engineer is busy then: `work` is the planned work in the way."""

    def __init__(self, work: PlannedWork) -> None:
        self.work = work
        message = (
            f"{work.engineer.name} already has {work.kind} {work.title!r} (#{work.id}) "
            f"from {work.starts_at:%Y-%m-%d %H:%M} to {work.ends_at:%Y-%m-%d %H:%M} UTC"
        )
        where = {"where": "starts_at", "message": message, "planned_work": work.id}
        super().__init__(message, errors=[where])


def desk_zone(session: Session) -> ZoneInfo:
    """The desk's time zone: that of the default contract's calendar."""
    query = (
        select(Calendar.time_zone)
        .join(ServiceContract, ServiceContract.calendar_id == Calendar.id)
        .where(ServiceContract.organisation_id.is_(None), ServiceContract.name == DEFAULT)
    )
    return ZoneInfo(session.scalar(query) or FALLBACK_ZONE)


def can_plan(viewer: Viewer, engineer_id: int | None = None) -> bool:
    """Whether the viewer plans work (for `engineer_id`, when given)."""
    if viewer.has_any(workflow.DISPATCH):
        return True
    own = engineer_id is None or engineer_id == viewer.user_id
    return "engineer" in viewer.roles and own


def engineers(session: Session) -> list[User]:
    """The active people of the desk whose work is planned, by name."""
    workers = select(UserRole.user_id).where(UserRole.role.in_(sorted(workflow.WORK)))
    query = select(User).where(User.id.in_(workers), User.is_active.is_(True))
    return list(session.scalars(query.order_by(User.name, User.id)))


def groups(session: Session) -> list[SupportGroup]:
    return list(
        session.scalars(select(SupportGroup).order_by(SupportGroup.tier, SupportGroup.name))
    )


def list_work(
    session: Session,
    viewer: Viewer,
    *,
    engineer_id: int | None = None,
    group_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    ticket: str | None = None,
    limit: int = 500,
) -> list[PlannedWork]:
    """Planned work overlapping [start, end), of an engineer or a group's members, by start."""
    _check_reader(viewer)
    query = select(PlannedWork).options(*WITH_NAMES)
    if engineer_id is not None:
        query = query.where(PlannedWork.engineer_id == engineer_id)
    if group_id is not None:
        members = select(support_group_member.c.user_id).where(
            support_group_member.c.group_id == group_id
        )
        query = query.where(PlannedWork.engineer_id.in_(members))
    if start is not None:
        query = query.where(PlannedWork.ends_at > start)
    if end is not None:
        query = query.where(PlannedWork.starts_at < end)
    if ticket is not None:
        query = query.join(Ticket, PlannedWork.ticket_id == Ticket.id).where(
            Ticket.number == ticket
        )
    query = query.order_by(PlannedWork.starts_at, PlannedWork.id).limit(limit)
    return list(session.scalars(query))


def week(
    session: Session,
    viewer: Viewer,
    day: date | None = None,
    *,
    engineer_id: int | None = None,
    group_id: int | None = None,
    now: datetime | None = None,
) -> weeks.Week:
    """The week of `day` (default: this week, in the desk's zone) of an engineer, a group's
    members or everyone."""
    zone = desk_zone(session)
    monday = weeks.monday_of(day or weeks.local_day(now or utcnow(), zone))
    start, end = weeks.span(monday, zone)
    items = list_work(
        session, viewer, engineer_id=engineer_id, group_id=group_id, start=start, end=end
    )
    return weeks.arrange(items, monday, zone)


def get_work(session: Session, viewer: Viewer, work_id: int) -> PlannedWork:
    _check_reader(viewer)
    work = session.get(PlannedWork, work_id, options=WITH_NAMES, populate_existing=True)
    if work is None:
        raise NotFound(f"no planned work {work_id}")
    return work


def plan(session: Session, viewer: Viewer, data: PlannedWorkIn) -> PlannedWork:
    """Book the engineer's time, unless it clashes with what they have already."""
    _check_planner(viewer, data.engineer_id)
    work = PlannedWork(created_by_id=viewer.user_id, created_at=utcnow())
    _fill(session, work, data)
    session.add(work)
    session.flush()
    return get_work(session, viewer, work.id)


def update(
    session: Session, viewer: Viewer, work_id: int, changes: dict, expected_version: int
) -> PlannedWork:
    """Change some fields of planned work edited from `expected_version`; the result must
    hold together as new work would, and a stale edit is refused."""
    work = get_work(session, viewer, work_id)
    _check_planner(viewer, work.engineer_id)
    _check_version(work, expected_version)
    data = validated({**_fields_of(work), **changes})
    _check_planner(viewer, data.engineer_id)
    _fill(session, work, data)
    session.flush()
    return get_work(session, viewer, work.id)


def remove(
    session: Session, viewer: Viewer, work_id: int, expected_version: int | None = None
) -> None:
    """Cancel planned work (only the version edited from, when one is given)."""
    work = get_work(session, viewer, work_id)
    _check_planner(viewer, work.engineer_id)
    if expected_version is not None:
        _check_version(work, expected_version)
    session.delete(work)
    session.flush()


def validated(fields: dict) -> PlannedWorkIn:
    """The fields as planned work, or Invalid naming every field to correct."""
    try:
        return PlannedWorkIn.model_validate(fields)
    except ValidationError as exc:
        errors = [
            {"where": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        raise Invalid("; ".join(e["message"] for e in errors), errors=errors) from None


def _fill(session: Session, work: PlannedWork, data: PlannedWorkIn) -> None:
    _check_span(data)
    _check_engineer(session, data.engineer_id)
    ticket_id = _ticket_id(session, data)
    clash = _clash(session, data, work.id)
    if clash is not None:
        raise Clash(clash)
    for name in ("engineer_id", "kind", "title", "starts_at", "ends_at", "location", "notes"):
        setattr(work, name, getattr(data, name))
    work.ticket_id = ticket_id


def _clash(session: Session, data: PlannedWorkIn, work_id: int | None) -> PlannedWork | None:
    kinds = CLASHES[data.kind]
    if not kinds:
        return None
    # Planning for one engineer waits for any other planning for them to commit, so two
    # bookings of the same hour cannot both pass this check. A write, not SELECT FOR UPDATE:
    # SQLite ignores that, but a write takes its database lock before the check reads.
    lock = sql_update(User).where(User.id == data.engineer_id).values(is_active=User.is_active)
    session.execute(lock.execution_options(synchronize_session=False))
    query: Select = select(PlannedWork).where(
        PlannedWork.engineer_id == data.engineer_id,
        PlannedWork.kind.in_(kinds),
        PlannedWork.starts_at < data.ends_at,
        PlannedWork.ends_at > data.starts_at,
    )
    if work_id is not None:
        query = query.where(PlannedWork.id != work_id)
    query = query.options(selectinload(PlannedWork.engineer)).order_by(PlannedWork.starts_at)
    return session.scalars(query.limit(1)).first()


def _check_span(data: PlannedWorkIn) -> None:
    if data.ends_at <= data.starts_at:
        raise Invalid("the work must end after it starts", errors=[_where("ends_at", "after")])
    if data.ends_at - data.starts_at > MAX_SPAN:
        raise Invalid("planned work lasts a year at most", errors=[_where("ends_at", "too long")])


def _check_engineer(session: Session, engineer_id: int) -> None:
    user = session.get(User, engineer_id)
    if user is None or not user.is_active or not user.roles & workflow.WORK:
        raise Invalid(
            f"user {engineer_id} is not an engineer of the desk", errors=[_where("engineer_id")]
        )


def _ticket_id(session: Session, data: PlannedWorkIn) -> int | None:
    if data.ticket is None:
        return None
    if data.kind == ABSENCE:
        raise Invalid("an absence serves no ticket", errors=[_where("ticket")])
    found = session.scalar(select(Ticket.id).where(Ticket.number == data.ticket))
    if found is None:
        raise Invalid(f"no ticket {data.ticket}", errors=[_where("ticket")])
    return found


def _fields_of(work: PlannedWork) -> dict:
    fields = {name: getattr(work, name) for name in PlannedWorkIn.model_fields if name != "ticket"}
    return {**fields, "ticket": work.ticket.number if work.ticket else None}


def _check_version(work: PlannedWork, expected: int) -> None:
    if work.version != expected:
        raise Conflict(
            f"planned work {work.id} is at version {work.version}, not {expected}: someone "
            "saved it meanwhile; reload, merge your change and save again"
        )


def _check_reader(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise Forbidden("only the desk's staff see planned work")


def _check_planner(viewer: Viewer, engineer_id: int) -> None:
    if not can_plan(viewer, engineer_id):
        raise Forbidden("dispatchers and managers plan for anyone; an engineer plans their own")


def _where(where: str, message: str = "invalid") -> dict:
    return {"where": where, "message": message}
