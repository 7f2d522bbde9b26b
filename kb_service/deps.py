"""Request dependencies: the session (the request owns the transaction) and the viewer."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from kb_service.access import ANONYMOUS, Viewer, viewer_for
from kb_service.accounts.models import User
from kb_service.accounts.service import user_for_token
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.errors import PreconditionRequired, Unauthorized


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_viewer(request: Request, session: SessionDep) -> Viewer:
    """Bearer token, then the portal's session cookie; otherwise anonymous."""
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        user = user_for_token(session, token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthorized("invalid or revoked bearer token")
        return viewer_for(session, user)
    user_id = request.scope.get("session", {}).get("user_id")
    if user_id is not None:
        return viewer_for(session, session.get(User, user_id))
    return ANONYMOUS


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int:
    """The version an edit is based on, from `If-Match` (an ETag such as `"3"`)."""
    if not if_match:
        raise PreconditionRequired('send If-Match with the version you edited, e.g. If-Match: "3"')
    value = if_match.strip().removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()):
        raise PreconditionRequired(f"If-Match must be a version number, not {if_match!r}")
    return int(value)


def optional_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    return expected_version(if_match) if if_match else None


VersionDep = Annotated[int, Depends(expected_version)]
OptionalVersionDep = Annotated[int | None, Depends(optional_version)]
