"""HTTP API for planned work: staff read the plans; dispatchers and managers plan for anyone,
an engineer for themselves (tickets/planning/service.py holds the rules)."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import AwareDatetime

from kb_service.deps import OptionalVersionDep, SessionDep, VersionDep, ViewerDep
from kb_service.hostile_input import DB_INT_MAX
from tickets.planning import service
from tickets.planning.models import PlannedWork
from tickets.planning.schemas import PlannedWorkIn, PlannedWorkOut, PlannedWorkPatch

router = APIRouter(tags=["planning"])
IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
IdQuery = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]


def work_out(work: PlannedWork, response: Response | None = None) -> PlannedWorkOut:
    if response is not None:
        response.headers["ETag"] = f'"{work.version}"'
    fields = {name: getattr(work, name) for name in PlannedWorkOut.model_fields}
    ticket = work.ticket.number if work.ticket else None
    return PlannedWorkOut(**{**fields, "engineer": work.engineer.name, "ticket": ticket})


@router.get("/planned-work", response_model=list[PlannedWorkOut])
def list_work(
    session: SessionDep,
    viewer: ViewerDep,
    engineer: IdQuery = None,
    group: IdQuery = None,
    from_: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    to: Annotated[AwareDatetime | None, Query()] = None,
    ticket: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
):
    """Planned work overlapping [from, to), of an engineer or a support group, by start."""
    found = service.list_work(
        session,
        viewer,
        engineer_id=engineer,
        group_id=group,
        start=from_,
        end=to,
        ticket=ticket,
        limit=limit,
    )
    return [work_out(w) for w in found]


@router.post("/planned-work", response_model=PlannedWorkOut, status_code=status.HTTP_201_CREATED)
def plan(data: PlannedWorkIn, session: SessionDep, viewer: ViewerDep, response: Response):
    return work_out(service.plan(session, viewer, data), response)


@router.get("/planned-work/{work_id}", response_model=PlannedWorkOut)
def get_work(work_id: IdPath, session: SessionDep, viewer: ViewerDep, response: Response):
    return work_out(service.get_work(session, viewer, work_id), response)


@router.patch("/planned-work/{work_id}", response_model=PlannedWorkOut)
def update_work(
    work_id: IdPath,
    data: PlannedWorkPatch,
    version: VersionDep,
    session: SessionDep,
    viewer: ViewerDep,
    response: Response,
):
    changes = data.model_dump(exclude_unset=True)
    return work_out(service.update(session, viewer, work_id, changes, version), response)


@router.delete("/planned-work/{work_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_work(
    work_id: IdPath, version: OptionalVersionDep, session: SessionDep, viewer: ViewerDep
):
    service.remove(session, viewer, work_id, version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
