"""Single sign-on with OpenID Connect against a real provider served over HTTP: the code flow
with PKCE, the ID token's checks, and the groups claim mapped to roles."""

from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts import service as accounts
from kb_service.app import create_app
from kb_service.audit import service as audit
from kb_service.audit.models import AuditEntry
from tests.live_server import serving
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture(scope="module")
def provider():
    provider = Provider()
    with serving(provider.app) as url:
        provider.issuer = url
        yield provider


@pytest.fixture
def portal(settings, sessions, provider):
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "oidc_groups": {
                "support-engineers": {"roles": ["engineer"]},
                "partner-staff": {
                    "roles": ["client"],
                    "groups": ["dealers"],
                    "organisation": "Партнёр",
                },  # fmt: skip
            },
        }
    )
    with TestClient(create_app(configured), headers={"Accept-Language": "en"}) as client:
        yield client


def _sign_in(portal, provider, claims: dict, next: str = ""):
    """The browser's trip: Spravka -> provider (which signs the person in) -> Spravka."""
    provider.person = claims
    start = portal.get("/login/sso", params={"next": next} if next else {},
                       follow_redirects=False)  # fmt: skip
    assert start.status_code == 302 and start.headers["location"].startswith(provider.issuer)
    back = httpx.get(start.headers["location"], follow_redirects=False)
    target = urlsplit(back.headers["location"])
    return portal.get(f"{target.path}?{target.query}", follow_redirects=False)


def test_the_login_page_offers_single_sign_on(portal):
    assert "/login/sso" in portal.get("/login").text


def test_an_engineer_signs_in_through_the_provider_and_lands_on_the_console(
    portal, provider, sessions
):
    claims = {"sub": "u-1", "email": "eng@corp.example", "email_verified": True,
              "name": "Erik Engineer", "groups": ["support-engineers"]}  # fmt: skip
    response = _sign_in(portal, provider, claims)
    assert response.status_code == 303 and response.headers["location"] == "/console"
    assert portal.get("/console").status_code == 200
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == audit.SIGN_IN)).all()[-1]
        assert entry.details == {"via": "single sign-on"}
    with sessions() as s:
        user = accounts.get_user_by_email(s, "eng@corp.example")
        assert (user.name, user.roles, user.password_hash) == (
            "Erik Engineer",
            {"engineer"},
            None,
        )


def test_a_partner_gets_the_client_role_its_group_and_organisation_and_keeps_next(
    portal, provider, sessions
):
    claims = {"sub": "u-2", "email": "p@partner.example", "email_verified": True,
              "name": "Pat Partner", "groups": ["partner-staff"]}  # fmt: skip
    response = _sign_in(portal, provider, claims, next="/ask")
    assert response.headers["location"] == "/ask"
    with sessions() as s:
        user = accounts.get_user_by_email(s, "p@partner.example")
        groups, _ = accounts.memberships(s, user)
        assert user.roles == {"client"} and "dealers" in groups and user.organisation_id


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u-3", "email": "x@corp.example", "email_verified": True, "groups": ["other"]},
        {
            "sub": "u-4",
            "email": "y@corp.example",
            "email_verified": False,
            "groups": ["support-engineers"],
        },  # fmt: skip
        {"sub": "u-5", "groups": ["support-engineers"]},
    ],
    ids=["no mapped group", "unverified e-mail", "no e-mail"],
)
def test_the_provider_vouching_is_not_enough_without_a_role_and_a_verified_address(
    portal, provider, sessions, claims
):
    response = _sign_in(portal, provider, claims)
    assert response.status_code in (401, 403)
    assert portal.get("/console", follow_redirects=False).status_code != 200
    with sessions() as s:
        assert all(
            accounts.get_user_by_email(s, e) is None for e in ("x@corp.example", "y@corp.example")
        )


def test_a_callback_without_the_state_of_this_browser_is_refused(portal, provider):
    provider.person = {"sub": "u-6", "email": "eng@corp.example", "email_verified": True,
                       "groups": ["support-engineers"]}  # fmt: skip
    start = portal.get("/login/sso", follow_redirects=False)
    back = httpx.get(start.headers["location"], follow_redirects=False)
    target = urlsplit(back.headers["location"])
    with TestClient(portal.app) as stranger:  # another browser replays the code
        response = stranger.get(f"{target.path}?{target.query}", follow_redirects=False)
    assert response.status_code == 401


def test_without_a_provider_the_routes_do_not_exist(client):
    assert client.get("/login/sso", follow_redirects=False).status_code == 404
    assert "/login/sso" not in client.get("/login").text
