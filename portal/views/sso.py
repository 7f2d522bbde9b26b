"""Single sign-on with OpenID Connect (authorisation code flow with PKCE, through Authlib).

The provider vouches for the person: Spravka checks the ID token (signature, issuer,
audience, expiry, nonce), requires a verified e-mail address, maps the groups claim to roles,
access groups and an organisation (`SPRAVKA_OIDC_GROUPS`, the same rules as the directory's,
kb_service/accounts/external.py) and signs the person in with a session of its own.
"""

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from kb_service.accounts import service as accounts
from kb_service.accounts.external import Grant, combined, grants_of, managed_groups, upsert_account
from kb_service.accounts.sessions import start_session
from kb_service.audit import service as audit
from kb_service.browser_session import IS_STAFF, LOCALE, sign_in
from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from kb_service.deps import client_address
from kb_service.errors import NotFound
from portal.deps import local_path
from portal.templating import render

router = APIRouter()
NEXT = "sso_next"


def provider(settings: Settings) -> OAuth | None:
    """The registered provider, or None without one configured."""
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    oauth = OAuth()
    oauth.register(
        "spravka",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    return oauth


@router.get("/login/sso", name="portal.sso")
async def start(request: Request, next: str = ""):
    oauth = _oauth(request)
    request.session[NEXT] = local_path(next, "")
    callback = request.url_for("portal.sso_callback")
    return await oauth.spravka.authorize_redirect(request, str(callback))


@router.get("/login/sso/callback", name="portal.sso_callback")
async def callback(request: Request):
    oauth = _oauth(request)
    try:
        token = await oauth.spravka.authorize_access_token(request)
    except OAuthError:
        return render(request, "account/login.html", 401, failed=True, next="", email="")
    claims = token.get("userinfo") or {}
    email = claims.get("email")
    if not email or claims.get("email_verified") is False:
        return render(request, "account/login.html", 401, failed=True, next="", email="")
    settings: Settings = request.app.state.settings
    grants = grants_of(settings.oidc_groups)
    named = claims.get(settings.oidc_groups_claim) or []
    grant = combined(grants[g] for g in named if isinstance(g, str) and g in grants)
    if not grant.roles and settings.oidc_default_role:
        grant = Grant(frozenset({settings.oidc_default_role}), grant.groups, grant.organisation)
    if not grant.roles:
        return render(request, "account/login.html", 403, failed=True, next="", email=email)
    name = claims.get("name") or claims.get("preferred_username") or email
    signed = await run_in_threadpool(_sign_in, request, email, name, grant, managed_groups(grants))
    if not signed:
        return render(request, "account/login.html", 401, failed=True, next="", email=email)
    is_staff = request.session.get(IS_STAFF, False)
    landing = request.session.pop(NEXT, "") or ("/console" if is_staff else "/tickets")
    return RedirectResponse(landing, status_code=303)


def _sign_in(request: Request, email: str, name: str, grant: Grant, managed) -> bool:
    with session_scope(request.app.state.sessions) as db:
        user = upsert_account(db, email, name, grant, managed)
        if user is None:
            return False
        is_staff = accounts.viewer_for(db, user).is_staff
        sign_in(request, start_session(db, user, utcnow()), user.name, is_staff)
        audit.record(db, user.id, audit.SIGN_IN, ("user", user.id), {"via": "single sign-on"},
                     address=client_address(request))  # fmt: skip
        request.session.setdefault(LOCALE, user.locale)
    return True


def _oauth(request: Request) -> OAuth:
    oauth = request.app.state.oidc
    if oauth is None:
        raise NotFound("single sign-on is not configured")
    return oauth
