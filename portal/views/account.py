"""Signing in and out (throttled), and choosing the interface language."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from kb_service.access import viewer_for
from kb_service.accounts.service import sign_in
from kb_service.db import utcnow
from kb_service.deps import SessionDep
from portal.csrf import rotate
from portal.deps import local_path
from portal.i18n import LANGUAGES
from portal.templating import LOCALE, render

router = APIRouter()


@router.get("/login", name="portal.login")
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/tickets"):
    return render(request, "account/login.html", next=local_path(next, "/tickets"), email="")


@router.post("/login", name="portal.login_submit")
def login(
    request: Request,
    db: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "/tickets",
):
    context = {"next": local_path(next, "/tickets"), "email": email}
    attempt = sign_in(db, email, password, _address(request), utcnow())
    if attempt.wait is not None:
        minutes = max(1, round(attempt.wait.total_seconds() / 60))
        return render(request, "account/login.html", 429, throttled=minutes, **context)
    if attempt.user is None:
        return render(request, "account/login.html", 401, failed=True, **context)
    _sign_in(request, attempt.user, viewer_for(db, attempt.user).is_staff)
    return RedirectResponse(context["next"], status_code=303)


@router.post("/logout", name="portal.logout")
def logout(request: Request):
    keep = {key: request.session[key] for key in (LOCALE,) if key in request.session}
    request.session.clear()
    request.session.update(keep)
    rotate(request)
    return RedirectResponse(request.url_for("portal.home"), status_code=303)


@router.post("/language", name="portal.language")
def language(request: Request, locale: Annotated[str, Form()], next: Annotated[str, Form()] = "/"):
    if locale in LANGUAGES:
        request.session[LOCALE] = locale
    return RedirectResponse(local_path(next), status_code=303)


def _sign_in(request: Request, user, is_staff: bool) -> None:
    request.session.update(user_id=user.id, user_name=user.name, is_staff=is_staff)
    request.session.setdefault(LOCALE, user.locale)
    rotate(request)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
