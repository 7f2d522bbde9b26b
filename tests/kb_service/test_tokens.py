"""API tokens: listed, created and revoked by their owners through the API and the page, by
administrators for anyone; a revoked token stops working at once."""

import re

import pytest
from fastapi.testclient import TestClient

from kb_service.accounts import service as accounts
from tests.builders import make_user
from tests.portal.conftest import csrf_of, login


@pytest.fixture
def owners(sessions) -> dict:
    with sessions.begin() as s:
        found = {}
        for role in ("client", "engineer", "admin"):
            user = make_user(s, [role], email=f"{role}@tokens.test")
            found[role] = {"id": user.id, "token": accounts.create_token(s, user, "seed")}
        return found


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_an_owner_creates_lists_and_revokes_a_token(client, owners):
    mine = auth(owners["client"]["token"])
    made = client.post("/api/v1/tokens", json={"name": "  nightly sync "}, headers=mine)
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["name"] == "nightly sync" and created["token"].startswith("spr_")
    new = auth(created["token"])
    assert client.get("/api/v1/users/me", headers=new).json()["email"] == "client@tokens.test"

    listed = client.get("/api/v1/tokens", headers=mine).json()
    assert [t["name"] for t in listed] == ["nightly sync", "seed"]
    assert all("token" not in t and "token_hash" not in t for t in listed)

    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=mine).status_code == 204
    refused = client.get("/api/v1/users/me", headers=new)
    assert refused.status_code == 401
    assert [t["name"] for t in client.get("/api/v1/tokens", headers=mine).json()] == ["seed"]


def test_an_owner_may_revoke_the_token_they_call_with(client, owners):
    mine = auth(owners["client"]["token"])
    [seed] = client.get("/api/v1/tokens", headers=mine).json()
    assert client.delete(f"/api/v1/tokens/{seed['id']}", headers=mine).status_code == 204
    assert client.get("/api/v1/tokens", headers=mine).status_code == 401


def test_another_users_token_is_neither_listed_nor_revocable(client, owners):
    admin = auth(owners["admin"]["token"])
    theirs = client.get(f"/api/v1/tokens?user={owners['client']['id']}", headers=admin).json()
    engineer = auth(owners["engineer"]["token"])
    listed = client.get(f"/api/v1/tokens?user={owners['client']['id']}", headers=engineer)
    assert listed.status_code == 403
    revoked = client.delete(f"/api/v1/tokens/{theirs[0]['id']}", headers=engineer)
    assert revoked.status_code == 404
    assert (
        client.get("/api/v1/users/me", headers=auth(owners["client"]["token"])).status_code == 200
    )


def test_an_administrator_lists_and_revokes_anyones_token(client, owners):
    admin = auth(owners["admin"]["token"])
    theirs = client.get(f"/api/v1/tokens?user={owners['client']['id']}", headers=admin).json()
    assert [t["user_id"] for t in theirs] == [owners["client"]["id"]]
    assert client.delete(f"/api/v1/tokens/{theirs[0]['id']}", headers=admin).status_code == 204
    assert (
        client.get("/api/v1/users/me", headers=auth(owners["client"]["token"])).status_code == 401
    )
    assert client.get("/api/v1/tokens?user=999999", headers=admin).status_code == 404


def test_a_token_needs_a_name(client, owners):
    mine = auth(owners["client"]["token"])
    assert client.post("/api/v1/tokens", json={"name": "  "}, headers=mine).status_code == 422
    assert client.post("/api/v1/tokens", json={"name": "x"}).status_code == 401


def test_the_page_shows_a_new_token_once_and_revokes_with_the_form(app, owners):
    with TestClient(app, follow_redirects=False) as browser, TestClient(app) as api:
        login(browser, "engineer@tokens.test", "correct horse")
        page = browser.get("/account/tokens")
        assert page.status_code == 200 and [t.name for t in page.context["tokens"]] == ["seed"]
        form = {"name": "laptop", "csrf_token": csrf_of(browser, "/account/tokens")}
        made = browser.post("/account/tokens", data=form)
        token = made.context["created"]
        assert token in made.text and token.startswith("spr_")
        assert api.get("/api/v1/users/me", headers=auth(token)).status_code == 200
        shown = browser.get("/account/tokens")
        assert token not in shown.text  # once only
        laptop = next(t for t in shown.context["tokens"] if t.name == "laptop")
        revoke = f"/account/tokens/{laptop.id}/revoke"
        assert re.search(re.escape(revoke) + r'"', shown.text)
        without_csrf = browser.post(revoke, data={})
        assert without_csrf.status_code == 403
        done = browser.post(revoke, data={"csrf_token": csrf_of(browser, "/account/tokens")})
        assert done.status_code == 303
        assert api.get("/api/v1/users/me", headers=auth(token)).status_code == 401
        assert [t.name for t in browser.get("/account/tokens").context["tokens"]] == ["seed"]


def test_the_page_asks_to_sign_in(client):
    assert client.get("/account/tokens", follow_redirects=False).status_code == 303


def test_a_token_made_on_the_command_line_is_audited_as_the_cli(settings, owners, sessions):
    from sqlalchemy import select
    from typer.testing import CliRunner

    from kb_service.audit.models import AuditEntry
    from kb_service.cli import app as cli

    env = {
        "SPRAVKA_DATABASE_URL": settings.database_url,
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
        "SPRAVKA_SECRET_KEY": settings.secret_key,
    }
    args = ["token", "create", "--user", "client@tokens.test", "--name", "ci"]
    made = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert made.exit_code == 0, made.output
    with sessions() as s:
        entry = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.actor_id, entry.actor_label) == ("token.created", None, "cli")
    assert entry.details == {"owner": owners["client"]["id"], "name": "ci"}
