"""Calendars and service contracts: keeping them, and turning them into the values
`tickets/sla.py` counts with."""

from datetime import date, timedelta

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.accounts.models import Organisation
from kb_service.errors import Conflict, Invalid, NotFound
from tickets import sla
from tickets.contracts.hours import parse_hours, parse_week
from tickets.contracts.levels import mirror_levels
from tickets.contracts.models import DEFAULT, Calendar, CalendarDay, ServiceContract
from tickets.contracts.schemas import CalendarIn, ContractIn, DayIn

_WITH_DAYS = selectinload(Calendar.days)
# A contract with what turns it into rules: its calendar and days (and whose it is).
WITH_CALENDAR = (
    selectinload(ServiceContract.calendar).selectinload(Calendar.days),
    selectinload(ServiceContract.organisation),
)


def list_calendars(session: Session) -> list[Calendar]:
    return list(session.scalars(select(Calendar).options(_WITH_DAYS).order_by(Calendar.name)))


def get_calendar(session: Session, calendar_id: int) -> Calendar:
    calendar = session.get(Calendar, calendar_id, options=[_WITH_DAYS])
    if calendar is None:
        raise NotFound(f"no calendar {calendar_id}")
    return calendar


def save_calendar(session: Session, data: CalendarIn, calendar_id: int | None = None) -> Calendar:
    """Create a calendar, or replace the name, zone and week of calendar `calendar_id`."""
    calendar = Calendar(days=[]) if calendar_id is None else get_calendar(session, calendar_id)
    same_name = session.scalar(select(Calendar.id).where(Calendar.name == data.name))
    if same_name is not None and same_name != calendar.id:
        raise Conflict(f"a calendar named {data.name!r} exists already")
    calendar.name, calendar.time_zone, calendar.week = data.name, data.time_zone, data.week
    session.add(calendar)
    session.flush()
    return calendar


def put_day(session: Session, calendar_id: int, day: date, data: DayIn) -> Calendar:
    """Make `day` a holiday or a working day with its hours, replacing what it was."""
    calendar = get_calendar(session, calendar_id)
    found = next((d for d in calendar.days if d.day == day), None)
    if found is None:
        found = CalendarDay(day=day)
        calendar.days.append(found)
    found.kind, found.hours, found.name = data.kind, data.hours, data.name
    session.flush()
    return calendar


def remove_day(session: Session, calendar_id: int, day: date) -> None:
    """Let `day` follow its weekday again (nothing to do when it already does)."""
    calendar = get_calendar(session, calendar_id)
    calendar.days[:] = [d for d in calendar.days if d.day != day]
    session.flush()


def list_contracts(session: Session, organisation_id: int | None = None) -> list[ServiceContract]:
    query = select(ServiceContract).options(*WITH_CALENDAR).order_by(ServiceContract.id)
    if organisation_id is not None:
        query = query.where(ServiceContract.organisation_id == organisation_id)
    return list(session.scalars(query))


def get_contract(session: Session, contract_id: int) -> ServiceContract:
    # Loaded again even when in the session, so a contract just saved comes with its relations.
    contract = session.get(
        ServiceContract, contract_id, options=list(WITH_CALENDAR), populate_existing=True
    )
    if contract is None:
        raise NotFound(f"no contract {contract_id}")
    return contract


def create_contract(session: Session, data: ContractIn) -> ServiceContract:
    """A contract of an organisation; the default terms exist already and are only changed."""
    if data.organisation_id is None:
        raise Conflict("the default contract exists already; change its terms instead")
    contract = ServiceContract()
    _fill(session, contract, data)
    session.add(contract)
    session.flush()
    mirror_levels(session, contract.organisation_id)
    return get_contract(session, contract.id)


def update_contract(
    session: Session, contract_id: int, changes: dict, expected_version: int
) -> ServiceContract:
    """Change some fields of a contract edited from `expected_version`; the result must hold
    together as a new contract would, and a stale edit is refused."""
    contract = get_contract(session, contract_id)
    if contract.version != expected_version:
        raise Conflict(
            f"contract {contract.id} is at version {contract.version}, not {expected_version}: "
            "someone saved it meanwhile; reload, merge your change and save again"
        )
    current = {name: getattr(contract, name) for name in ContractIn.model_fields}
    try:
        data = ContractIn.model_validate({**current, **changes})
    except ValidationError as exc:
        errors = [
            {"where": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        raise Invalid("; ".join(e["message"] for e in errors), errors=errors) from None
    _fill(session, contract, data)
    session.flush()
    if contract.organisation_id is not None:
        mirror_levels(session, contract.organisation_id)
    return get_contract(session, contract.id)


def _fill(session: Session, contract: ServiceContract, data: ContractIn) -> None:
    if data.organisation_id is not None and not session.get(Organisation, data.organisation_id):
        raise Invalid(f"no organisation {data.organisation_id}")
    if session.get(Calendar, data.calendar_id) is None:
        raise Invalid(f"no calendar {data.calendar_id}")
    for name, value in data.model_dump(exclude={"terms"}).items():
        setattr(contract, name, value)
    contract.terms = {p: term.model_dump() for p, term in data.terms.items()}


def default_contract(session: Session) -> ServiceContract | None:
    """The terms of clients without a contract (the migration made them)."""
    query = select(ServiceContract).where(
        ServiceContract.organisation_id.is_(None), ServiceContract.name == DEFAULT
    )
    return session.scalar(query.options(*WITH_CALENDAR))


def calendar_value(calendar: Calendar) -> sla.Calendar:
    """The calendar as the SLA rules count with it."""
    days = {day.day: parse_hours(day.hours) for day in calendar.days}
    return sla.Calendar(calendar.time_zone, tuple(parse_week(calendar.week)), days)


def contract_value(contract: ServiceContract) -> sla.Contract:
    """The contract as the SLA rules count with it; the default one has no key."""
    terms = {
        priority: sla.Terms(
            timedelta(minutes=term["response_minutes"]),
            timedelta(minutes=term["resolution_minutes"]),
        )
        for priority, term in contract.terms.items()
    }
    return sla.Contract(
        terms,
        calendar_value(contract.calendar),
        contract.starts_on,
        contract.ends_on,
        key=None if contract.is_default else contract.id,
    )


def ticket_contract(session: Session, ticket) -> ServiceContract | None:
    """The contract whose terms the ticket runs on (`apply_deadlines` set it), else the default."""
    if ticket.contract_id is not None:
        contract = session.get(ServiceContract, ticket.contract_id, options=WITH_CALENDAR)
        if contract is not None:
            return contract
    return default_contract(session)


def auto_close_at(session: Session, ticket, sent_at):
    """When a solution sent at `sent_at` and left unanswered closes the ticket: the contract's
    number of working days later, in its calendar."""
    contract = ticket_contract(session, ticket)
    if contract is None:
        return sla.add_working_days(sla.around_the_clock(), sent_at, 5)
    calendar = calendar_value(contract.calendar)
    return sla.add_working_days(calendar, sent_at, contract.auto_close_days)


def auto_notify_client(session: Session, ticket) -> bool:
    """Whether the desk sends a ticket's solution to the client by itself: the setting of the
    contract whose terms the ticket runs on (`apply_deadlines` sets it), else the default's."""
    if ticket.contract_id is not None:
        contract = session.get(ServiceContract, ticket.contract_id)
    else:
        contract = default_contract(session)
    return contract.auto_notify_client if contract is not None else True
