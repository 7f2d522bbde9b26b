"""A fresh installation works without the demo, the importer or a test fixture seeding it."""

from sqlalchemy import select

from kb_service.access import BUILTIN_GROUPS
from kb_service.accounts.models import AccessGroup
from tests.builders import auth, make_token


def test_migrations_create_the_builtin_access_groups(session):
    names = set(session.scalars(select(AccessGroup.name)))
    assert names == set(BUILTIN_GROUPS)


def test_editor_creates_and_publishes_an_article_on_a_fresh_database(client, sessions):
    with sessions.begin() as s:
        token = make_token(s, ["editor"])
    created = client.post(
        "/api/v1/articles",
        json={"id": "first", "title": "Первая статья", "body": "Текст.", "language": "ru"},
        headers=auth(token),
    )
    assert created.status_code == 201, created.text
    assert created.json()["groups"] == ["public"]
    published = client.post(
        "/api/v1/articles/first/publish", headers={**auth(token), "If-Match": '"1"'}
    )
    assert published.status_code == 200, published.text
    assert client.get("/api/v1/articles/first").status_code == 200
