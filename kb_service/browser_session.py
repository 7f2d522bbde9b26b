"""The portal's signed session cookie: who is signed in, and the CSRF token of the session.

The API honours the same cookie (htmx calls from our pages), so the keys and the CSRF rule
live here in the core, and the portal and the API read them from one place. Every portal
router and every cookie-authenticated API write depends on `check_csrf`.
"""

import hmac
import secrets

from fastapi import Request

from kb_service.errors import Forbidden

USER_ID = "user_id"  # the signed-in user's id
USER_NAME = "user_name"  # shown in the page header without a query
IS_STAFF = "is_staff"  # whether to link the staff console
CSRF_FIELD = "csrf_token"  # in the session and in every form
CSRF_HEADER = "x-csrf-token"  # what htmx sends instead of the form field
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Forbidden):
    title = "Form expired"


def signed_in_user_id(request: Request) -> int | None:
    """The id of the user this request's session cookie signs in, if any."""
    return request.scope.get("session", {}).get(USER_ID)


def sign_in(request: Request, user_id: int, name: str, is_staff: bool) -> None:
    """Start a signed-in session; the CSRF token changes with it."""
    request.session.update({USER_ID: user_id, USER_NAME: name, IS_STAFF: is_staff})
    rotate(request)


def sign_out(request: Request, keep: tuple[str, ...] = ()) -> None:
    """End the signed-in session, keeping only the given preferences (e.g. the language)."""
    kept = {key: request.session[key] for key in keep if key in request.session}
    request.session.clear()
    request.session.update(kept)
    rotate(request)


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def rotate(request: Request) -> None:
    """A fresh token after signing in or out, so a token seen before is worth nothing."""
    request.session[CSRF_FIELD] = secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token is missing or differs from the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(CSRF_FIELD)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected("the form's security token is missing or wrong")
