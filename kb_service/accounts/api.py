"""HTTP API for access groups and users (admin), and the caller's own account."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from sqlalchemy import select

from kb_service.access import Viewer
from kb_service.accounts import service, tokens
from kb_service.accounts.models import Organisation, User
from kb_service.accounts.schemas import (
    GroupIn,
    GroupOut,
    PasswordChange,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from kb_service.audit.service import Actor
from kb_service.browser_session import signed_in_token
from kb_service.deps import SessionDep, ViewerDep, client_address
from kb_service.errors import Forbidden, Unauthorized
from kb_service.hostile_input import DB_INT_MAX

router = APIRouter(tags=["accounts"])
IdPath = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


def user_out(user: User, organisations: dict[int, str]) -> UserOut:
    return UserOut(
        id=user.id,
        email=user.email,
        name=user.name,
        roles=sorted(user.roles),
        organisation=organisations.get(user.organisation_id) if user.organisation_id else None,
        locale=user.locale,
        is_active=user.is_active,
        created_at=user.created_at,
    )


@router.get("/groups", response_model=list[GroupOut])
def list_groups(session: SessionDep, viewer: ViewerDep):
    _require_staff(viewer)
    return service.list_groups(session)


@router.post("/groups", response_model=GroupOut, status_code=status.HTTP_201_CREATED)
def create_group(data: GroupIn, session: SessionDep, viewer: ViewerDep):
    _require_admin(viewer)
    return service.create_group(session, data.name, data.description)


@router.get("/users", response_model=list[UserOut])
def list_users(session: SessionDep, viewer: ViewerDep):
    _require_admin(viewer)
    return [user_out(u, _organisations(session)) for u in service.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(data: UserIn, request: Request, session: SessionDep, viewer: ViewerDep):
    _require_admin(viewer)
    actor = Actor(viewer.user_id, address=client_address(request))
    user = service.create_user(session, **data.model_dump(), actor=actor)
    return user_out(user, _organisations(session))


@router.get("/users/me", response_model=UserOut)
def me(session: SessionDep, viewer: ViewerDep):
    if viewer.user_id is None:
        raise Unauthorized("sign in or send a bearer token")
    return user_out(service.get_user(session, viewer.user_id), _organisations(session))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: IdPath, data: UserPatch, request: Request, session: SessionDep, viewer: ViewerDep
):
    _require_admin(viewer)
    actor = Actor(viewer.user_id, address=client_address(request))
    user = service.update_user(session, user_id, **data.model_dump(exclude_none=True), actor=actor)
    return user_out(user, _organisations(session))


@router.post("/users/me/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(data: PasswordChange, request: Request, session: SessionDep, viewer: ViewerDep):
    if viewer.user_id is None:
        raise Unauthorized("sign in or send a bearer token")
    user = service.get_user(session, viewer.user_id)
    keep = signed_in_token(request)  # the session that asked stays signed in
    service.change_password(
        session, user, data.current, data.new, keep_session=keep, address=client_address(request)
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(
    session: SessionDep,
    viewer: ViewerDep,
    user: Annotated[int | None, Query(ge=1, le=DB_INT_MAX, description="admins only")] = None,
):
    """The caller's API tokens; an administrator may name another user's id."""
    return tokens.list_tokens(session, viewer, user)


@router.post("/tokens", response_model=TokenCreated, status_code=status.HTTP_201_CREATED)
def create_token(data: TokenIn, request: Request, session: SessionDep, viewer: ViewerDep):
    """Issue a token of the caller's own; the answer is the only time it is shown."""
    row, token = tokens.create_own(session, viewer, data.name, client_address(request))
    return TokenCreated(**TokenOut.model_validate(row).model_dump(), token=token)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: IdPath, request: Request, session: SessionDep, viewer: ViewerDep):
    """Revoke a token at once: one's own, or as an administrator anyone's."""
    tokens.revoke_token(session, viewer, token_id, client_address(request))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _organisations(session) -> dict[int, str]:
    return {id_: name for id_, name in session.execute(select(Organisation.id, Organisation.name))}


def _require_admin(viewer: Viewer) -> None:
    if "admin" not in viewer.roles:
        raise Forbidden("only admins manage users and groups")


def _require_staff(viewer: Viewer) -> None:
    if not viewer.is_staff:
        raise Forbidden("only staff list access groups")
