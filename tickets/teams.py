"""Who the desk hands tickets to: support groups (tiers), outside firms, and categories.

Staff read them (to assign and escalate); managers and admins change them.
"""

from typing import Annotated

from fastapi import APIRouter, Path, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.deps import SessionDep, ViewerDep
from kb_service.errors import Forbidden, Invalid, NotFound
from kb_service.hostile_input import DB_INT_MAX
from tickets import workflow
from tickets.models import OutsideOrganisation, SupportGroup, TicketCategory
from tickets.schemas import (
    CategoryIn,
    CategoryOut,
    GroupIn,
    GroupOut,
    OutsideIn,
    OutsideOut,
)

router = APIRouter(tags=["desk setup"])
Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
MANAGERS = frozenset({"manager", "admin"})


def list_groups(session: Session) -> list[SupportGroup]:
    query = select(SupportGroup).options(selectinload(SupportGroup.members))
    return list(session.scalars(query.order_by(SupportGroup.tier, SupportGroup.name)))


def save_group(session: Session, data: GroupIn, group: SupportGroup | None = None):
    members = list(session.scalars(select(User).where(User.id.in_(data.members))))
    unknown = set(data.members) - {u.id for u in members}
    not_staff = [u.id for u in members if not u.roles & workflow.WORK]
    if unknown or not_staff:
        bad = sorted(unknown) + not_staff
        raise Invalid(f"not engineers of the desk: {bad}", errors=[_where("members")])
    group = group or SupportGroup()
    group.name, group.tier, group.email, group.members = (
        data.name, data.tier, data.email, members,
    )  # fmt: skip
    session.add(group)
    session.flush()
    return group


def list_outside(session: Session) -> list[OutsideOrganisation]:
    return list(session.scalars(select(OutsideOrganisation).order_by(OutsideOrganisation.name)))


def list_categories(session: Session) -> list[TicketCategory]:
    return list(session.scalars(select(TicketCategory).order_by(TicketCategory.slug)))


@router.get("/support-groups", response_model=list[GroupOut])
def get_groups(session: SessionDep, viewer: ViewerDep):
    _staff(viewer)
    return [_group_out(g) for g in list_groups(session)]


@router.post("/support-groups", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(data: GroupIn, session: SessionDep, viewer: ViewerDep):
    _managers(viewer)
    return _group_out(save_group(session, data))


@router.put("/support-groups/{group_id}", response_model=GroupOut)
def update_group(group_id: Id, data: GroupIn, session: SessionDep, viewer: ViewerDep):
    _managers(viewer)
    group = session.get(SupportGroup, group_id, options=[selectinload(SupportGroup.members)])
    if group is None:
        raise NotFound(f"no group {group_id}")
    return _group_out(save_group(session, data, group))


@router.get("/outside-organisations", response_model=list[OutsideOut])
def get_outside(session: SessionDep, viewer: ViewerDep):
    _staff(viewer)
    return [OutsideOut.model_validate(o, from_attributes=True) for o in list_outside(session)]


@router.post(
    "/outside-organisations", response_model=OutsideOut, status_code=status.HTTP_201_CREATED
)
def create_outside(data: OutsideIn, session: SessionDep, viewer: ViewerDep):
    _managers(viewer)
    outside = OutsideOrganisation(**data.model_dump())
    session.add(outside)
    session.flush()
    return OutsideOut.model_validate(outside, from_attributes=True)


@router.get("/ticket-categories", response_model=list[CategoryOut])
def get_categories(session: SessionDep, viewer: ViewerDep):
    _staff(viewer)
    return [CategoryOut.model_validate(c, from_attributes=True) for c in list_categories(session)]


@router.post("/ticket-categories", response_model=CategoryOut, status_code=status.HTTP_201_CREATED)
def create_category(data: CategoryIn, session: SessionDep, viewer: ViewerDep):
    _managers(viewer)
    category = TicketCategory(**data.model_dump())
    session.add(category)
    session.flush()
    return CategoryOut.model_validate(category, from_attributes=True)


def _group_out(group: SupportGroup) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        tier=group.tier,
        email=group.email,
        members=sorted(u.id for u in group.members),
    )


def _staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise Forbidden("only the desk's staff see its groups, firms and categories")


def _managers(viewer: Viewer) -> None:
    if not viewer.has_any(MANAGERS):
        raise Forbidden("only managers and admins change the desk's setup")


def _where(where: str) -> dict:
    return {"where": where, "message": "invalid"}
