"""Signing in and out (throttled), and choosing the interface language."""

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from kb_service.accounts import service as accounts
from kb_service.accounts.directory import DirectoryConfig
from kb_service.accounts.sessions import end_session, start_session, user_for_session
from kb_service.audit import service as audit
from kb_service.browser_session import LOCALE, sign_in, sign_out, signed_in_token
from kb_service.db import utcnow
from kb_service.deps import SessionDep
from portal.deps import local_path
from portal.i18n import LANGUAGES
from portal.templating import render

router = APIRouter()


@router.get("/login", name="portal.login")
def login_form(
    request: Request,
    next: Annotated[str, Query(max_length=500)] = "",
    reset: Annotated[str, Query(max_length=10)] = "",
):
    context = {"next": local_path(next, ""), "email": "", "reset_done": reset == "done"}
    return render(request, "account/login.html", **context)


@router.post("/login", name="portal.login_submit")
def login(
    request: Request,
    db: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=500)] = "",
):
    context = {"next": local_path(next, ""), "email": email}
    now = utcnow()
    directory = DirectoryConfig.of(request.app.state.settings)
    attempt = accounts.try_sign_in(db, email, password, _address(request), now, directory)
    if attempt.wait is not None:
        minutes = max(1, round(attempt.wait.total_seconds() / 60))
        return render(request, "account/login.html", 429, throttled=minutes, **context)
    if attempt.user is None:
        return render(request, "account/login.html", 401, failed=True, **context)
    user = attempt.user
    is_staff = accounts.viewer_for(db, user).is_staff
    sign_in(request, start_session(db, user, now), user.name, is_staff)
    request.session.setdefault(LOCALE, user.locale)
    # Without a page to go back to, staff land on the console and clients on their tickets.
    landing = context["next"] or ("/console" if is_staff else "/tickets")
    return RedirectResponse(landing, status_code=303)


@router.post("/logout", name="portal.logout")
def logout(request: Request, db: SessionDep):
    token = signed_in_token(request)
    if token is not None:
        user = user_for_session(db, token, utcnow())
        if user is not None:
            audit.record(db, user.id, audit.SIGN_OUT, ("user", user.id), address=_address(request))
        end_session(db, token)
    sign_out(request)
    return RedirectResponse(request.url_for("portal.home"), status_code=303)


@router.post("/language", name="portal.language")
def language(
    request: Request,
    db: SessionDep,
    locale: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
):
    if locale in LANGUAGES:
        request.session[LOCALE] = locale
        # A signed-in person's choice is theirs: their next sign-in, anywhere, greets them in it.
        token = signed_in_token(request)
        user = user_for_session(db, token, utcnow()) if token is not None else None
        if user is not None and user.locale != locale:
            user.locale = locale
    return RedirectResponse(local_path(next), status_code=303)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
