"""CSRF protection: a random token per session, sent back in every form or as an htmx header.

Every portal router depends on `check_csrf`, so no unsafe request can skip it.
"""

import hmac
import secrets

from fastapi import Request

from kb_service.errors import Forbidden

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Forbidden):
    title = "Form expired"


def csrf_token(request: Request) -> str:
    """This session's token, created on first use."""
    token = request.session.get(FIELD)
    if not token:
        token = request.session[FIELD] = secrets.token_urlsafe(32)
    return token


def rotate(request: Request) -> None:
    """A fresh token after signing in or out, so a token seen before is worth nothing."""
    request.session[FIELD] = secrets.token_urlsafe(32)


async def check_csrf(request: Request) -> None:
    """Refuse an unsafe request whose token is missing or differs from the session's."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(FIELD)
    sent = request.headers.get(HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfRejected("the form's security token is missing or wrong")
