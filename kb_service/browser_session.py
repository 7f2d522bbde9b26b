"""The portal's signed session cookie: who is signed in, and the CSRF token of the session.

The API honours the same cookie (htmx calls from our pages), so the keys and the CSRF rule
live here in the core, and the portal and the API read them from one place. Every portal
router and every cookie-authenticated API write depends on `check_csrf`.
"""

import hmac
import logging
import os
import secrets
from pathlib import Path

from fastapi import Request

from kb_service.config import Settings
from kb_service.errors import Forbidden

log = logging.getLogger(__name__)
# The token of the server-side session (kb_service.accounts.sessions) this cookie signs in.
SIGNED_IN = "signed_in"
USER_NAME = "user_name"  # shown in the page header without a query
IS_STAFF = "is_staff"  # whether to link the staff console
LOCALE = "locale"  # the interface language chosen in the portal
VISIT = "visit"  # the portal visit searches, views and the ask form are grouped by
VOTED = "voted"  # this visit voted on an article: its article pages show the vote
CSRF_FIELD = "csrf_token"  # in the session and in every form
CSRF_HEADER = "x-csrf-token"  # what htmx sends instead of the form field
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Forbidden):
    title = "Form expired"


def signed_in_token(request: Request) -> str | None:
    """The server-side session token this request's cookie carries, if any."""
    token = request.scope.get("session", {}).get(SIGNED_IN)
    return token if isinstance(token, str) else None


def sign_in(request: Request, token: str, name: str, is_staff: bool) -> None:
    """Put a started server-side session into the cookie; the CSRF token changes with it."""
    request.session.update({SIGNED_IN: token, USER_NAME: name, IS_STAFF: is_staff})
    rotate(request)


# The browser's, not the person's: it outlives signing out. The language does not: signing in
# sets the person's own, and on a shared computer it would greet the next person in it; after
# signing out the browser's Accept-Language decides again.
KEPT_ON_SIGN_OUT = (VISIT,)


def sign_out(request: Request) -> None:
    """Forget the signed-in session and its language in this cookie; the visit stays."""
    kept = {key: request.session[key] for key in KEPT_ON_SIGN_OUT if key in request.session}
    request.session.clear()
    request.session.update(kept)
    rotate(request)


def ensure_visit(session: dict) -> str:
    """The portal visit of this session, started on first use."""
    visit = session.get(VISIT)
    if not visit:
        visit = session[VISIT] = secrets.token_urlsafe(16)
    return visit


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


def signing_key(settings: Settings) -> str:
    """The key that signs cookies: `SPRAVKA_SECRET_KEY` when set, else one generated on first
    start and kept in the data folder, readable by its owner only. Never a known default:
    whoever knows the key can forge any user's cookie."""
    if settings.secret_key:
        return settings.secret_key
    path = settings.data_dir / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together must not each write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    log.info("generated a new secret key in %s", path)
    return _read_key(path)


def _read_key(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by others; making it owner-only", path)
        path.chmod(0o600)
    key = path.read_text(encoding="utf-8").strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to have a new one made")
    return key
