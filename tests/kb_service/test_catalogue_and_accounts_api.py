"""Products, groups and users through the API, by role."""

import pytest

from tests.builders import auth, make_token


@pytest.fixture
def tokens(sessions):
    with sessions.begin() as s:
        return {role: make_token(s, [role]) for role in ("client", "engineer", "editor", "admin")}


def test_catalogue_families_and_versions_round_trip(client, tokens):
    admin = auth(tokens["admin"])
    assert (
        client.post(
            "/api/v1/products", json={"code": "NET", "name": "Network"}, headers=admin
        ).status_code
        == 201
    )
    created = client.post(
        "/api/v1/products",
        headers=admin,
        json={"code": "RT-500", "name": "Router 500", "parent": "NET", "versions": ["1.0", "1.1"]},
    )
    assert created.status_code == 201, created.text
    assert client.get("/api/v1/products/RT-500").json()["parent"] == "NET"
    assert [p["code"] for p in client.get("/api/v1/products").json()] == ["NET", "RT-500"]
    again = client.post("/api/v1/products", json={"code": "NET", "name": "x"}, headers=admin)
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("role", "status"), [("client", 403), ("engineer", 403), ("editor", 201), ("admin", 201)]
)
def test_who_may_change_the_catalogue(client, tokens, role, status):
    response = client.post(
        "/api/v1/products", json={"code": "X1", "name": "X"}, headers=auth(tokens[role])
    )
    assert response.status_code == status


def test_a_product_cannot_become_its_own_ancestor(client, tokens):
    admin = auth(tokens["admin"])
    client.post("/api/v1/products", json={"code": "A", "name": "A"}, headers=admin)
    client.post("/api/v1/products", json={"code": "B", "name": "B", "parent": "A"}, headers=admin)
    response = client.put(
        "/api/v1/products/A", json={"code": "A", "name": "A", "parent": "B"}, headers=admin
    )
    assert response.status_code == 422


@pytest.mark.parametrize(("role", "status"), [("client", 403), ("editor", 403), ("admin", 200)])
def test_only_admins_list_users(client, tokens, role, status):
    assert client.get("/api/v1/users", headers=auth(tokens[role])).status_code == status


def test_admin_adds_a_user_whose_password_is_hashed(client, tokens, session):
    from kb_service.accounts.service import get_user_by_email, verify_password

    response = client.post(
        "/api/v1/users",
        headers=auth(tokens["admin"]),
        json={
            "email": "New@Example.test",
            "name": "New",
            "password": "s3cret-enough",
            "roles": ["dispatcher", "engineer"],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["roles"] == ["dispatcher", "engineer"]
    user = get_user_by_email(session, "new@example.test")
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user, "s3cret-enough") and not verify_password(user, "wrong")
    duplicate = client.post(
        "/api/v1/users", headers=auth(tokens["admin"]), json={"email": "new@example.test"}
    )
    assert duplicate.status_code == 409


def test_admin_creates_a_named_group_and_staff_list_groups(client, tokens):
    created = client.post("/api/v1/groups", json={"name": "dealers"}, headers=auth(tokens["admin"]))
    assert created.status_code == 201
    names = [
        g["name"] for g in client.get("/api/v1/groups", headers=auth(tokens["engineer"])).json()
    ]
    assert {"public", "customers", "internal", "dealers"} <= set(names)
    assert client.get("/api/v1/groups", headers=auth(tokens["client"])).status_code == 403


def test_me_needs_a_caller(client, tokens):
    assert client.get("/api/v1/users/me").status_code == 401
    assert client.get("/api/v1/users/me", headers=auth(tokens["editor"])).json()["roles"] == [
        "editor"
    ]


def test_admin_creates_a_product_group_named_by_its_upper_case_code(client, tokens):
    admin = auth(tokens["admin"])
    created = client.post("/api/v1/groups", json={"name": "product:LP-2040"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "product:LP-2040"


@pytest.mark.parametrize("name", ["Dealers", "product:", "product:-x", "product:LP 2040"])
def test_a_group_name_outside_the_patterns_is_refused(client, tokens, name):
    response = client.post("/api/v1/groups", json={"name": name}, headers=auth(tokens["admin"]))
    assert response.status_code == 422
