"""Sessions: never signed with a known key, and ended for real by signing out, a new password
or a change of roles."""

import stat

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from kb_service.browser_session import signing_key
from kb_service.config import Settings
from tests.builders import auth, make_token, make_user
from tests.portal.conftest import csrf_of, login


def test_without_a_configured_key_a_random_one_is_made_and_kept_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path / "a")
    key = signing_key(settings)
    path = tmp_path / "a" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32 and key != "change-me-in-production"
    assert signing_key(settings) == key  # kept across restarts
    assert signing_key(Settings(data_dir=tmp_path / "b")) != key


def test_a_key_file_readable_by_others_is_made_owner_only(tmp_path):
    settings = Settings(data_dir=tmp_path)
    key = signing_key(settings)
    (tmp_path / "secret_key").chmod(0o644)
    assert signing_key(settings) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_configured_key_wins_over_the_file(tmp_path):
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)
    assert signing_key(settings) == "k" * 40
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("weak", ["change-me-in-production", "short", ""])
def test_a_short_or_known_key_is_refused(tmp_path, weak):
    with pytest.raises(ValidationError):
        Settings(data_dir=tmp_path, secret_key=weak)


def test_the_app_signs_with_the_generated_key(sessions, database_url, tmp_path):
    from kb_service.app import create_app

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url)
    with sessions.begin() as s:
        make_user(s, ["client"], email="c@x.test")
    with TestClient(create_app(settings)) as client:
        login(client, "c@x.test", "correct horse")
        assert client.get("/api/v1/users/me").status_code == 200
    assert (tmp_path / "data" / "secret_key").exists()


def _signed_in(app, cookies) -> bool:
    with TestClient(app, cookies=cookies) as other:
        return other.get("/api/v1/users/me").status_code == 200


def test_a_cookie_saved_before_logout_does_not_work_after_it(app, portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    saved = dict(portal.cookies)
    assert _signed_in(app, saved)
    portal.post("/logout", data={"csrf_token": csrf_of(portal, "/")})
    assert not _signed_in(app, saved)
    assert portal.get("/api/v1/users/me").status_code == 401


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app, portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    with TestClient(app) as laptop:
        login(laptop, "client@demo.spravka", "demo-client-pass")
        other = dict(laptop.cookies)
    changed = portal.post(
        "/api/v1/users/me/password",
        json={"current": "demo-client-pass", "new": "a much better pass"},
        headers={"X-CSRF-Token": csrf_of(portal, "/")},
    )
    assert changed.status_code == 204, changed.text
    assert portal.get("/api/v1/users/me").status_code == 200
    assert not _signed_in(app, other)


def test_a_wrong_current_password_changes_nothing(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    refused = portal.post(
        "/api/v1/users/me/password",
        json={"current": "guess", "new": "a much better pass"},
        headers={"X-CSRF-Token": csrf_of(portal, "/")},
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_change_of_roles_ends_the_users_sessions(app, portal, sessions):
    login(portal, "editor@demo.spravka", "demo-editor-pass")
    me = portal.get("/api/v1/users/me").json()
    with sessions.begin() as s:
        admin = make_token(s, ["admin"])
    with TestClient(app) as api:
        patched = api.patch(
            f"/api/v1/users/{me['id']}", json={"roles": ["client"]}, headers=auth(admin)
        )
    assert patched.status_code == 200, patched.text
    assert patched.json()["roles"] == ["client"]
    assert portal.get("/api/v1/users/me").status_code == 401
    assert "Elena Editor" not in portal.get("/").text  # the page header forgets the name too
