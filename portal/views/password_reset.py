"""Forgotten passwords: ask for a link by e-mail, then choose a new password through it."""

import logging
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Path, Request
from fastapi.responses import RedirectResponse

from kb_service import mail
from kb_service.accounts import reset
from kb_service.db import utcnow
from kb_service.deps import SessionDep, SettingsDep, client_address
from kb_service.errors import Invalid
from portal.templating import render

log = logging.getLogger(__name__)
router = APIRouter()
Token = Annotated[str, Path(max_length=100)]


@router.get("/password/forgot", name="portal.password_forgot")
def forgot_form(request: Request):
    return render(request, "account/forgot.html", sent=False, email="")


@router.post("/password/forgot", name="portal.password_forgot_submit")
def forgot(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=254)],
):
    def link_for(token: str) -> str:
        return _absolute(settings.base_url, request, token)

    address = client_address(request) or "unknown"
    asked = reset.request_reset(db, settings, email, address, utcnow(), link_for)
    if asked.wait is not None:
        minutes = max(1, round(asked.wait.total_seconds() / 60))
        return render(request, "account/forgot.html", 429, throttled=minutes, email=email)
    if asked.message is not None:
        # After the answer (and the commit that stores the link): the same time either way.
        background.add_task(_send, settings, asked.message)
    return render(request, "account/forgot.html", sent=True, email="")


@router.get("/password/reset/{token}", name="portal.password_reset")
def reset_form(request: Request, db: SessionDep, token: Token):
    state = reset.link_state(db, token, utcnow())
    status = _STATUS[state]
    return render(request, "account/reset.html", status, state=state.value, token=token)


@router.post("/password/reset/{token}", name="portal.password_reset_submit")
def reset_submit(
    request: Request,
    db: SessionDep,
    token: Token,
    password: Annotated[str, Form(max_length=200)],
    again: Annotated[str, Form(max_length=200)],
):
    if password != again:
        return _form_error(request, token, "reset.mismatch")
    try:
        reset.reset_password(db, token, password, utcnow(), client_address(request))
    except reset.LinkRefused as refused:
        context = {"state": refused.state.value, "token": token}
        return render(request, "account/reset.html", _STATUS[refused.state], **context)
    except Invalid:
        return _form_error(request, token, "reset.too_short")
    return RedirectResponse(f"{request.url_for('portal.login')}?reset=done", status_code=303)


_STATUS = {
    reset.LinkState.VALID: 200,
    reset.LinkState.USED: 410,
    reset.LinkState.EXPIRED: 410,
    reset.LinkState.UNKNOWN: 404,
}


def _form_error(request: Request, token: str, message: str):
    context = {"state": "valid", "token": token, "error": message}
    return render(request, "account/reset.html", 422, **context)


def _absolute(base_url: str, request: Request, token: str) -> str:
    """The link in the mail: on the portal's public address, not the one this request used
    (behind a proxy, or when someone forges the Host header to collect tokens)."""
    return base_url.rstrip("/") + request.app.url_path_for("portal.password_reset", token=token)


def _send(settings, message) -> None:
    try:
        mail.send_now(settings, message)
    except Exception:  # the person sees no error; they may ask again
        log.exception("could not send a password reset link")
