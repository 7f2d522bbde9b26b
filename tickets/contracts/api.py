"""HTTP API for calendars and service contracts: staff read them, managers and admins change."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from kb_service.access import Viewer
from kb_service.deps import SessionDep, VersionDep, ViewerDep
from kb_service.errors import Forbidden
from kb_service.hostile_input import DB_INT_MAX
from tickets.contracts import service
from tickets.contracts.models import Calendar, ServiceContract
from tickets.contracts.schemas import (
    CalendarIn,
    CalendarOut,
    ContractIn,
    ContractOut,
    ContractPatch,
    DayIn,
    DayOut,
)

router = APIRouter(tags=["contracts"])
READERS = frozenset({"dispatcher", "engineer", "manager", "admin"})
CHANGERS = frozenset({"manager", "admin"})
IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def calendar_out(calendar: Calendar) -> CalendarOut:
    days = [DayOut(date=d.day, kind=d.kind, hours=d.hours, name=d.name) for d in calendar.days]
    return CalendarOut(
        id=calendar.id,
        name=calendar.name,
        time_zone=calendar.time_zone,
        week=calendar.week,
        days=days,
        updated_at=calendar.updated_at,
    )


def contract_out(contract: ServiceContract, response: Response | None = None) -> ContractOut:
    if response is not None:
        response.headers["ETag"] = f'"{contract.version}"'
    organisation = contract.organisation.name if contract.organisation else None
    fields = {name: getattr(contract, name) for name in ContractOut.model_fields}
    return ContractOut(**{**fields, "organisation": organisation})


@router.get("/calendars", response_model=list[CalendarOut])
def list_calendars(session: SessionDep, viewer: ViewerDep):
    _require(viewer, READERS)
    return [calendar_out(c) for c in service.list_calendars(session)]


@router.post("/calendars", response_model=CalendarOut, status_code=status.HTTP_201_CREATED)
def create_calendar(data: CalendarIn, session: SessionDep, viewer: ViewerDep):
    _require(viewer, CHANGERS)
    return calendar_out(service.save_calendar(session, data))


@router.get("/calendars/{calendar_id}", response_model=CalendarOut)
def get_calendar(calendar_id: IdPath, session: SessionDep, viewer: ViewerDep):
    _require(viewer, READERS)
    return calendar_out(service.get_calendar(session, calendar_id))


@router.put("/calendars/{calendar_id}", response_model=CalendarOut)
def save_calendar(calendar_id: IdPath, data: CalendarIn, session: SessionDep, viewer: ViewerDep):
    _require(viewer, CHANGERS)
    return calendar_out(service.save_calendar(session, data, calendar_id))


@router.put("/calendars/{calendar_id}/days/{day}", response_model=CalendarOut)
def put_day(calendar_id: IdPath, day: date, data: DayIn, session: SessionDep, viewer: ViewerDep):
    _require(viewer, CHANGERS)
    return calendar_out(service.put_day(session, calendar_id, day, data))


@router.delete("/calendars/{calendar_id}/days/{day}", status_code=status.HTTP_204_NO_CONTENT)
def remove_day(calendar_id: IdPath, day: date, session: SessionDep, viewer: ViewerDep):
    _require(viewer, CHANGERS)
    service.remove_day(session, calendar_id, day)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/contracts", response_model=list[ContractOut])
def list_contracts(
    session: SessionDep,
    viewer: ViewerDep,
    organisation_id: Annotated[int | None, Query(ge=1, le=DB_INT_MAX)] = None,
):
    _require(viewer, READERS)
    return [contract_out(c) for c in service.list_contracts(session, organisation_id)]


@router.post("/contracts", response_model=ContractOut, status_code=status.HTTP_201_CREATED)
def create_contract(data: ContractIn, session: SessionDep, viewer: ViewerDep, response: Response):
    _require(viewer, CHANGERS)
    return contract_out(service.create_contract(session, data), response)


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def get_contract(contract_id: IdPath, session: SessionDep, viewer: ViewerDep, response: Response):
    _require(viewer, READERS)
    return contract_out(service.get_contract(session, contract_id), response)


@router.patch("/contracts/{contract_id}", response_model=ContractOut)
def update_contract(
    contract_id: IdPath,
    data: ContractPatch,
    version: VersionDep,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
):
    _require(viewer, CHANGERS)
    changes = data.model_dump(exclude_unset=True)
    return contract_out(service.update_contract(session, contract_id, changes, version), response)


def _require(viewer: Viewer, roles: frozenset[str]) -> None:
    if not viewer.has_any(roles):
        raise Forbidden("calendars and contracts are read by staff and changed by managers")
