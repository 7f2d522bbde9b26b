"""Request dependencies: the session (the request owns the transaction), the viewer and the
search service. The API routes and the portal's pages both take them from here."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from kb_service.access import ANONYMOUS, Viewer
from kb_service.accounts.service import user_for_token, viewer_for
from kb_service.accounts.sessions import user_for_session
from kb_service.activity import ActivityLog
from kb_service.browser_session import check_csrf, sign_out, signed_in_token
from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from kb_service.errors import PreconditionRequired, Unauthorized
from kb_service.search.service import SearchService


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.sessions) as session:
        yield session


# Committed when the handler returns, before the response leaves: a browser following a
# redirect after a form must find the change (FastAPI's default commits after sending).
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_search(request: Request) -> SearchService:
    return request.app.state.search


SearchDep = Annotated[SearchService, Depends(get_search)]


# The portal's route that shows an article: the API links to it by name, not by a path.
ARTICLE_PAGE = "portal.article"
ArticleLinks = Callable[[str], str]


def get_article_links(request: Request) -> ArticleLinks:
    """The page URL of an article id, as the router builds it.

    The router is asked once per app: walking every route for each result was 14% of a
    search request's time (py-spy, 20,000 articles). The path parameter is a plain string
    that the router inserts as it is, so the same shape serves every id.
    """
    state = request.app.state
    shape = getattr(state, "article_link_shape", None)
    if shape is None:
        shape = state.article_link_shape = request.app.url_path_for(ARTICLE_PAGE, article_id="\0")
    return lambda article_id: shape.replace("\0", article_id)


ArticleLinksDep = Annotated[ArticleLinks, Depends(get_article_links)]


def get_activity(request: Request) -> ActivityLog:
    return request.app.state.activity


ActivityDep = Annotated[ActivityLog, Depends(get_activity)]


def _authorization(request: Request) -> str:
    return request.headers.get("authorization", "").strip()


def get_viewer(request: Request, session: SessionDep, activity: ActivityDep) -> Viewer:
    """Bearer token, then the portal's session cookie; otherwise anonymous."""
    header = _authorization(request)
    if header:
        scheme, _, token = header.partition(" ")
        bearer = scheme.lower() == "bearer"
        user = user_for_token(session, token.strip(), activity, utcnow()) if bearer else None
        if user is None:
            raise Unauthorized("invalid or revoked bearer token")
        return viewer_for(session, user)
    token = signed_in_token(request)
    if token is None:
        return ANONYMOUS
    user = user_for_session(session, token, utcnow())
    if user is None:
        # Signed out elsewhere, expired, or ended by a new password: forget it here too.
        sign_out(request)
        return ANONYMOUS
    return viewer_for(session, user)


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


async def cookie_callers_need_csrf(request: Request) -> None:
    """A write that is authenticated by the portal's cookie must carry the CSRF token.

    The API also honours the signed-in session cookie (htmx calls); such a request must prove
    it comes from our pages, as a form would. The test is the one `get_viewer` uses, so a
    blank `Authorization` header cannot skip it.
    """
    if not _authorization(request) and signed_in_token(request) is not None:
        await check_csrf(request)


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


def client_address(request: Request) -> str | None:
    """The caller's address as the server sees it (the proxy's, unless told otherwise)."""
    return request.client.host if request.client else None
