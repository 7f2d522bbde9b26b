"""Sign-in against a real OpenLDAP directory: people sign in with their directory password,
their groups decide their roles and access groups, and local accounts still work."""

import pytest
from fastapi.testclient import TestClient
from ldap3 import MODIFY_ADD, MODIFY_DELETE

from kb_service.accounts import service as accounts
from kb_service.accounts.service import viewer_for
from kb_service.app import create_app
from tests import ldap_server
from tests.builders import make_user
from tests.portal.conftest import csrf_of

pytestmark = pytest.mark.skipif(not ldap_server.available(), reason="slapd is not installed")

BASE = ldap_server.BASE


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    with ldap_server.running_directory(tmp_path_factory.mktemp("ldap")) as directory:
        for group in ("support", "editors", "partners", "nobody"):
            directory.add_group(group)
        directory.add_person("ivan", "Иван Петров", "ivan@example.org", "ivan-directory-pw",
                             ["support", "partners"])  # fmt: skip
        directory.add_person("olga", "Olga Smirnova", "olga@example.org", "olga-directory-pw",
                             ["nobody"])  # fmt: skip
        directory.add_person("dana", "Dana Client", "dana@example.org", "dana-directory-pw",
                             ["partners"])  # fmt: skip
        yield directory


def _settings(settings, url):
    return settings.model_copy(
        update={
            "ldap_url": url,
            "ldap_base_dn": BASE,
            "ldap_bind_dn": ldap_server.ADMIN,
            "ldap_bind_password": ldap_server.ADMIN_PASSWORD,
            "ldap_timeout": 2.0,
            "ldap_groups": {
                f"cn=support,ou=groups,{BASE}": {"roles": ["engineer"]},
                f"cn=editors,ou=groups,{BASE}": {"roles": ["editor"]},
                f"cn=partners,ou=groups,{BASE}": {
                    "roles": ["client"],
                    "groups": ["dealers"],
                    "organisation": "Партнёр",
                },
            },
        }
    )


@pytest.fixture
def portal(settings, sessions, directory):
    with TestClient(create_app(_settings(settings, directory.url))) as client:
        yield client


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_of(client)},
                       follow_redirects=False)  # fmt: skip


def _viewer(sessions, email):
    with sessions() as s:
        return viewer_for(s, accounts.get_user_by_email(s, email))


def test_a_directory_person_signs_in_with_the_roles_and_groups_of_their_directory_groups(
    portal, sessions
):
    response = _login(portal, "ivan@example.org", "ivan-directory-pw")
    assert response.status_code == 303 and response.headers["location"] == "/console"
    with sessions() as s:
        user = accounts.get_user_by_email(s, "ivan@example.org")
        assert user.name == "Иван Петров" and user.password_hash is None
        assert user.roles == {"engineer", "client"}
        groups, _ = accounts.memberships(s, user)
    assert "dealers" in groups


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ivan@example.org", "wrong"),  # wrong directory password
        ("ivan@example.org", ""),  # an empty password would be an anonymous bind
        ("olga@example.org", "olga-directory-pw"),  # in the directory, in no mapped group
        ("*)(mail=*", "ivan-directory-pw"),  # a filter injected through the address
    ],
)
def test_refused_sign_ins_create_no_account(portal, sessions, email, password):
    assert _login(portal, email, password).status_code in (401, 422)
    with sessions() as s:
        assert accounts.get_user_by_email(s, "olga@example.org") is None
        if email.startswith("ivan"):
            assert accounts.get_user_by_email(s, "ivan@example.org") is None


def test_a_local_account_the_directory_does_not_know_still_signs_in(portal, sessions):
    with sessions.begin() as s:
        make_user(s, roles=["admin"], email="admin@local.test", password="local-admin-pw")
    assert _login(portal, "admin@local.test", "local-admin-pw").status_code == 303


def test_roles_and_managed_groups_follow_the_directory_at_the_next_sign_in(
    portal, sessions, directory
):
    assert _login(portal, "dana@example.org", "dana-directory-pw").status_code == 303
    viewer = _viewer(sessions, "dana@example.org")
    assert viewer.kind == "client" and "dealers" in viewer.groups
    dana = f"uid=dana,ou=people,{BASE}"
    with directory.connect() as c:
        c.modify(f"cn=partners,ou=groups,{BASE}", {"member": [(MODIFY_DELETE, [dana])]})
        c.modify(f"cn=editors,ou=groups,{BASE}", {"member": [(MODIFY_ADD, [dana])]})
    try:
        portal.cookies.clear()
        assert _login(portal, "dana@example.org", "dana-directory-pw").status_code == 303
        with sessions() as s:
            user = accounts.get_user_by_email(s, "dana@example.org")
            assert user.roles == {"editor"}
            groups, _ = accounts.memberships(s, user)
        assert "dealers" not in groups
    finally:
        with directory.connect() as c:
            c.modify(f"cn=editors,ou=groups,{BASE}", {"member": [(MODIFY_DELETE, [dana])]})
            c.modify(f"cn=partners,ou=groups,{BASE}", {"member": [(MODIFY_ADD, [dana])]})


def test_while_the_directory_is_down_local_accounts_work_and_directory_people_cannot(
    settings, sessions
):
    from tests.live_server import free_port

    with sessions.begin() as s:
        make_user(s, roles=["admin"], email="admin2@local.test", password="local-admin-pw")
        accounts.create_user(s, email="ivan2@example.org", name="Ivan", roles=["engineer"])
    down = _settings(settings, f"ldap://127.0.0.1:{free_port()}")
    with TestClient(create_app(down)) as client:
        assert _login(client, "admin2@local.test", "local-admin-pw").status_code == 303
        client.cookies.clear()
        assert _login(client, "ivan2@example.org", "ivan-directory-pw").status_code == 401
