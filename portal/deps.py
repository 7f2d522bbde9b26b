"""What every portal page needs: the database session, the viewer, the visit and settings."""

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.activity import ActivityLog
from kb_service.browser_session import VISIT, ensure_visit
from kb_service.config import Settings
from kb_service.deps import ActivityDep, SearchDep, SessionDep, SettingsDep, ViewerDep
from kb_service.search.service import SearchService


@dataclass
class Page:
    request: Request
    db: Session
    viewer: Viewer
    settings: Settings
    search: SearchService
    activity: ActivityLog  # where views and clicks are queued

    @property
    def visit_id(self) -> str:
        """The portal visit this request belongs to (searches, views and the ask form)."""
        return visit_id(self.request)

    def new_visit(self) -> None:
        """Start a new visit: the last one ended with a ticket or a deflection."""
        self.request.session[VISIT] = secrets.token_urlsafe(16)


def visit_id(request: Request) -> str:
    return ensure_visit(request.session)


def get_page(
    request: Request,
    db: SessionDep,
    viewer: ViewerDep,
    settings: SettingsDep,
    search: SearchDep,
    activity: ActivityDep,
) -> Page:
    request.state.viewer = viewer  # for the console's menu, which links admins' pages
    return Page(request, db, viewer, settings, search, activity)


PageDep = Annotated[Page, Depends(get_page)]


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def sign_in_first(request: Request, target: str) -> RedirectResponse:
    """To the sign-in page, coming back to `target` (a path of this site) afterwards."""
    login = request.url_for("portal.login")
    return RedirectResponse(f"{login}?next={local_path(target, '/')}", status_code=303)
