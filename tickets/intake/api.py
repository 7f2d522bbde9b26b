"""HTTP API of the intake, for administrators: the quarantine and its retry."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kb_service.access import Viewer
from kb_service.deps import SessionDep, SettingsDep, ViewerDep
from kb_service.errors import Forbidden
from kb_service.hostile_input import DB_INT_MAX
from kb_service.storage import AttachmentStore
from tickets.intake import service
from tickets.intake.schemas import QuarantinedOut, TakenOut

router = APIRouter(prefix="/intake", tags=["intake"])
IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


@router.get("/quarantine", response_model=list[QuarantinedOut])
def quarantine(
    session: SessionDep,
    viewer: ViewerDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=DB_INT_MAX)] = 0,
) -> list[QuarantinedOut]:
    """Messages that could not be taken, the newest first."""
    _require_admin(viewer)
    held = service.list_quarantine(session, limit, offset)
    return [QuarantinedOut.model_validate(record) for record in held]


@router.post("/quarantine/{inbound_id}/retry", response_model=TakenOut)
def retry(
    inbound_id: IdPath, session: SessionDep, settings: SettingsDep, viewer: ViewerDep
) -> TakenOut:
    """Read a quarantined message again: it becomes a ticket or reply, or stays with its error."""
    _require_admin(viewer)
    store, limits = AttachmentStore.of(settings), service.limits_of(settings)
    taken = service.retry(session, store, inbound_id, limits)
    return TakenOut(outcome=taken.outcome, ticket=taken.ticket, subject=taken.subject)


def _require_admin(viewer: Viewer) -> None:
    if "admin" not in viewer.roles:
        raise Forbidden("only admins see and retry the e-mail quarantine")
