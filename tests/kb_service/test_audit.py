"""The audit log: every security-relevant action leaves an entry written with the action, the
database refuses to change or remove entries, and administrators read and export it."""

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from kb_service.accounts import reset
from kb_service.accounts import service as accounts
from kb_service.audit import service as audit
from kb_service.audit.export import safe_cell
from kb_service.audit.models import APPEND_ONLY, AuditEntry
from kb_service.audit.service import Actor
from kb_service.db import utcnow
from tests.builders import make_article, make_user
from tests.portal.conftest import csrf_of, login

PASSWORD = "correct horse"


@dataclass
class People:
    admin: int
    editor: int
    client: int
    tokens: dict[str, str]


@pytest.fixture
def people(sessions) -> People:
    with sessions.begin() as s:
        users = {
            role: make_user(s, [role], email=f"{role}@audit.test")
            for role in ("admin", "editor", "client")
        }
        tokens = {role: accounts.create_token(s, user) for role, user in users.items()}
        make_article(s, id="guarded", title="Guarded", body="Text.")
        return People(users["admin"].id, users["editor"].id, users["client"].id, tokens)


def bearer(people: People, role: str) -> dict:
    return {"Authorization": f"Bearer {people.tokens[role]}"}


def entries(sessions, action: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# Each case does one action the way a person does it, and says which target and actor the
# entry must name (None: no account acted, e.g. an anonymous visitor or the system).


def sign_in(c, p, sessions):
    login(c, "client@audit.test", PASSWORD)
    return ("user", p.client), p.client


def sign_in_failed(c, p, sessions):
    form = {"email": "client@audit.test", "password": "wrong", "csrf_token": csrf_of(c)}
    assert c.post("/login", data=form).status_code == 401
    return ("user", p.client), None


def sign_out(c, p, sessions):
    login(c, "client@audit.test", PASSWORD)
    assert c.post("/logout", data={"csrf_token": csrf_of(c, "/")}).status_code in (200, 303)
    return ("user", p.client), p.client


def password_changed(c, p, sessions):
    body = {"current": PASSWORD, "new": "another horse"}
    made = c.post("/api/v1/users/me/password", json=body, headers=bearer(p, "client"))
    assert made.status_code == 204, made.text
    return ("user", p.client), p.client


def reset_requested(c, p, sessions):
    form = {"email": "client@audit.test", "csrf_token": csrf_of(c, "/password/forgot")}
    assert c.post("/password/forgot", data=form).status_code == 200
    return ("user", p.client), None


def password_reset(c, p, sessions):
    links = []
    with sessions.begin() as s:
        reset.request_reset(s, c.app.state.settings, "client@audit.test", "192.0.2.9", utcnow(),
                            links.append)  # fmt: skip
    form = {"password": "brand new horse", "again": "brand new horse"}
    form["csrf_token"] = csrf_of(c, f"/password/reset/{links[0]}")
    made = c.post(f"/password/reset/{links[0]}", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    return ("user", p.client), p.client


def user_created(c, p, sessions):
    body = {"email": "new@audit.test", "name": "New", "roles": ["engineer"]}
    made = c.post("/api/v1/users", json=body, headers=bearer(p, "admin"))
    assert made.status_code == 201, made.text
    return ("user", made.json()["id"]), p.admin


def _patch_user(c, p, change: dict):
    made = c.patch(f"/api/v1/users/{p.client}", json=change, headers=bearer(p, "admin"))
    assert made.status_code == 200, made.text


def roles_changed(c, p, sessions):
    _patch_user(c, p, {"roles": ["client", "engineer"]})
    return ("user", p.client), p.admin


def deactivated(c, p, sessions):
    _patch_user(c, p, {"is_active": False})
    return ("user", p.client), p.admin


def activated(c, p, sessions):
    _patch_user(c, p, {"is_active": False})
    _patch_user(c, p, {"is_active": True})
    return ("user", p.client), p.admin


def group_added(c, p, sessions):
    with sessions.begin() as s:
        group = accounts.get_or_create_group(s, "dealers")
        user = accounts.get_user(s, p.client)
        accounts.add_member(s, group, user=user, actor=Actor(p.admin))
    return ("user", p.client), p.admin


def organisation_group_added(c, p, sessions):
    with sessions.begin() as s:
        group = accounts.get_or_create_group(s, "dealers")
        org = accounts.get_or_create_organisation(s, "Org A")
        accounts.add_member(s, group, org=org, actor=Actor(p.admin))
        org_id = org.id
    return ("organisation", org_id), p.admin


def article_access_changed(c, p, sessions):
    version = c.get("/api/v1/articles/guarded", headers=bearer(p, "editor")).headers["ETag"]
    headers = {**bearer(p, "editor"), "If-Match": version}
    made = c.patch("/api/v1/articles/guarded", json={"groups": ["internal"]}, headers=headers)
    assert made.status_code == 200, made.text
    return ("article", "guarded"), p.editor


def exported(c, p, sessions):
    login(c, "admin@audit.test", PASSWORD)
    assert c.get("/console/audit.csv").status_code == 200
    return ("report", "audit"), p.admin


def token_created(c, p, sessions):
    made = c.post("/api/v1/tokens", json={"name": "backup script"}, headers=bearer(p, "client"))
    assert made.status_code == 201, made.text
    return ("token", made.json()["id"]), p.client


def token_revoked(c, p, sessions):
    made = c.post("/api/v1/tokens", json={"name": "old"}, headers=bearer(p, "client"))
    token_id = made.json()["id"]
    assert c.delete(f"/api/v1/tokens/{token_id}", headers=bearer(p, "admin")).status_code == 204
    return ("token", token_id), p.admin


CASES = {
    audit.SIGN_IN: sign_in,
    audit.SIGN_IN_FAILED: sign_in_failed,
    audit.SIGN_OUT: sign_out,
    audit.PASSWORD_CHANGED: password_changed,
    audit.PASSWORD_RESET_REQUESTED: reset_requested,
    audit.PASSWORD_RESET: password_reset,
    audit.USER_CREATED: user_created,
    audit.USER_ROLES_CHANGED: roles_changed,
    audit.USER_DEACTIVATED: deactivated,
    audit.USER_ACTIVATED: activated,
    audit.USER_GROUP_ADDED: group_added,
    audit.ORGANISATION_GROUP_ADDED: organisation_group_added,
    audit.ARTICLE_ACCESS_CHANGED: article_access_changed,
    audit.EXPORTED: exported,
    audit.TOKEN_CREATED: token_created,
    audit.TOKEN_REVOKED: token_revoked,
}
# Made by `spravka backup`, tested with it in tests/kb_service/test_backup.py.
ELSEWHERE = {audit.BACKUP_CREATED, audit.BACKUP_RESTORED}


def test_every_action_has_a_case():
    assert set(CASES) | ELSEWHERE == set(audit.ACTIONS)


@pytest.mark.parametrize("action", list(CASES))
def test_the_action_leaves_an_entry_naming_its_actor_and_target(action, client, people, sessions):
    (kind, target_id), actor_id = CASES[action](client, people, sessions)
    matching = [
        e
        for e in entries(sessions, action)
        if (e.target_kind, e.target_id) == (kind, str(target_id))
    ]
    assert matching, f"no {action} entry for {kind}:{target_id}"
    entry = matching[-1]
    assert entry.actor_id == actor_id
    assert entry.at > utcnow() - timedelta(minutes=1)


def test_requests_record_their_network_never_the_address_or_what_was_typed(
    client, people, sessions
):
    form = {
        "email": "client@audit.test",
        "password": "hunter2-secret",
        "csrf_token": csrf_of(client),
    }
    client.post("/login", data=form)
    form = {"email": "nobody@audit.test", "password": "x", "csrf_token": csrf_of(client)}
    client.post("/login", data=form)
    failed = entries(sessions, audit.SIGN_IN_FAILED)
    assert [(e.target_kind, e.target_id) for e in failed] == [("user", str(people.client)),
                                                              (None, None)]  # fmt: skip
    for entry in failed:
        assert entry.actor_label == "anonymous"
        assert "hunter2" not in str(entry.details) and "nobody" not in str(entry.details)
    # TestClient's address is "testclient", not an IP: no network is kept for it.
    assert {e.source for e in failed} == {None}
    assert audit.network("192.0.2.77") == "192.0.2.0/24"
    assert audit.network("2001:db8:1:2:3::9") == "2001:db8:1::/48"
    assert audit.network("::ffff:198.51.100.7") == "198.51.100.0/24"


def test_an_entry_vanishes_with_an_action_that_fails(sessions, people):
    with pytest.raises(RuntimeError), sessions.begin() as s:
        accounts.update_user(s, people.client, roles=["engineer"], actor=Actor(people.admin))
        raise RuntimeError("the request failed after the change")
    assert entries(sessions, audit.USER_ROLES_CHANGED) == []


def _one_entry(sessions) -> int:
    with sessions.begin() as s:
        return audit.record(s, None, audit.BACKUP_CREATED, ("backup", "a.tar.gz")).id or _id(s)


def _id(s) -> int:
    s.flush()
    return s.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))


CHANGES = {
    "update": lambda s, i: s.execute(
        update(AuditEntry).where(AuditEntry.id == i).values(action="sign_in")
    ),  # fmt: skip
    "delete": lambda s, i: s.execute(delete(AuditEntry).where(AuditEntry.id == i)),
    "orm delete": lambda s, i: (s.delete(s.get(AuditEntry, i)), s.flush()),
    "raw sql": lambda s, i: s.execute(text("UPDATE audit_entry SET details = '{}'")),
    "truncate": lambda s, i: s.execute(
        text(
            "TRUNCATE audit_entry"
            if s.get_bind().dialect.name == "postgresql"
            else "DELETE FROM audit_entry"
        )  # fmt: skip
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_the_database_refuses_to_change_or_remove_an_entry(change, sessions):
    entry_id = _one_entry(sessions)
    with pytest.raises(DBAPIError, match=APPEND_ONLY), sessions.begin() as s:
        CHANGES[change](s, entry_id)
    with sessions() as s:
        kept = s.get(AuditEntry, entry_id)
        assert (kept.action, kept.target_id) == (audit.BACKUP_CREATED, "a.tar.gz")


# --- the console ----------------------------------------------------------------------


def _seed(sessions, people: People) -> None:
    """Sixty sign-ins of the client over sixty days, and a few other entries."""
    start = datetime(2027, 1, 1, 12, tzinfo=UTC)
    with sessions.begin() as s:
        for day in range(60):
            entry = audit.record(s, people.client, audit.SIGN_IN, ("user", people.client))
            entry.at = start + timedelta(days=day)
        entry = audit.record(s, people.admin, audit.USER_ROLES_CHANGED, ("user", people.client),
                             {"before": ["client"], "after": ["engineer"]})  # fmt: skip
        entry.at = start + timedelta(days=3, hours=1)
        entry = audit.record(s, None, audit.BACKUP_CREATED, ("backup", "=HYPERLINK(\"x\")"),
                             {"note": "@SUM(A1)"}, label="cli")  # fmt: skip
        entry.at = start + timedelta(days=3, hours=2)


@pytest.fixture
def admin_portal(app, people, sessions):
    _seed(sessions, people)
    with TestClient(app) as portal:
        login(portal, "admin@audit.test", PASSWORD)
        yield portal


# The seeded entries; the fixtures' own (accounts, tokens, the admin's sign-in) are of today.
IN_2027 = "from=2027-01-01&to=2027-12-31"


def _shown(response) -> list[AuditEntry]:
    assert response.template.name == "console/audit.html"
    return [row.entry for row in response.context["log"].rows]


def test_the_console_pages_newest_first(admin_portal):
    first = admin_portal.get(f"/console/audit?{IN_2027}")
    log = first.context["log"]
    assert (log.total, log.pages, len(log.rows)) == (62, 2, 50)
    shown = _shown(first)
    assert shown == sorted(shown, key=lambda e: e.id, reverse=True)
    second = _shown(admin_portal.get(f"/console/audit?{IN_2027}&page=2"))
    assert len(second) == 12 and not {e.id for e in shown} & {e.id for e in second}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "from=2027-01-04&to=2027-01-04",
            {audit.SIGN_IN, audit.USER_ROLES_CHANGED, audit.BACKUP_CREATED},
        ),  # fmt: skip
        ("action=user&" + IN_2027, {audit.USER_ROLES_CHANGED}),
        ("action=sign_in&from=2027-02-01", {audit.SIGN_IN}),
        ("actor=admin@audit.test&" + IN_2027, {audit.USER_ROLES_CHANGED}),
        ("actor=cli", {audit.BACKUP_CREATED}),
        ('target=backup:=HYPERLINK("x")', {audit.BACKUP_CREATED}),
        ("target=client@audit.test&action=user.roles_changed", {audit.USER_ROLES_CHANGED}),
        ("actor=nobody@audit.test", set()),
    ],
)
def test_the_console_filters(admin_portal, query, expected, people):
    response = admin_portal.get(f"/console/audit?{query}")
    assert response.status_code == 200
    assert {e.action for e in _shown(response)} == expected
    if query.startswith("action=sign_in&from"):
        assert response.context["log"].total == 29  # February and the first of March


def test_the_filter_form_as_a_browser_sends_it_when_left_empty(admin_portal):
    response = admin_portal.get("/console/audit?from=&to=&action=&actor=&target=")
    assert response.status_code == 200
    assert response.context["log"].total >= 62
    assert admin_portal.get("/console/audit?from=yesterday").status_code == 422


def test_the_csv_export_is_excel_ready_and_runs_no_formula(admin_portal, people):
    response = admin_portal.get("/console/audit.csv?from=2027-01-04&to=2027-01-04")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["action"] for r in rows] == [audit.SIGN_IN, audit.USER_ROLES_CHANGED,
                                           audit.BACKUP_CREATED]  # fmt: skip
    changed, backup = rows[1], rows[2]
    assert (changed["actor"], changed["target"]) == ("admin@audit.test", "client@audit.test")
    assert backup["target_id"] == '\'=HYPERLINK("x")'
    assert backup["actor"] == "cli"
    assert '"note": "@SUM(A1)"' in backup["details"]  # JSON starts with "{": no formula
    # The export is itself in the log, with the filters it used.
    log = admin_portal.get("/console/audit?action=export").context["log"]
    assert log.rows[0].entry.details["rows"] == 3


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_a_cell_that_would_be_a_formula_is_quoted(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("1-1") == "1-1" and safe_cell(None) == ""
