"""Hostile input to the API: huge integers, odd If-Match values and NUL characters get a
clear 4xx problem, never a 500 (PostgreSQL refuses NUL in text and ints past its columns)."""

import pytest

from kb_service.deps import expected_version
from kb_service.errors import PreconditionRequired
from tests.builders import auth, make_article, make_token

BIG = 2**64


@pytest.fixture
def admin(sessions) -> dict:
    with sessions.begin() as s:
        make_article(s, id="pub")
        return auth(make_token(s, ["admin"]))


def assert_problem(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    for word in words:
        assert word in response.json()["detail"]


@pytest.mark.parametrize("big", [2**31, BIG, 10**40])
def test_an_offset_beyond_the_database_integers_is_a_422(client, big):
    assert_problem(client.get("/api/v1/articles", params={"offset": big}), 422, "offset")


def test_a_search_id_beyond_the_database_integers_is_a_422(client):
    response = client.post(f"/api/v1/search/{BIG}/click", json={"article_id": "pub"})
    assert_problem(response, 422, "search_id")


# A server decodes header bytes as Latin-1, so the byte 0xB2 arrives as "²", which
# str.isdigit accepts and int() refuses. (The test client would send it as UTF-8.)
@pytest.mark.parametrize("value", ['"²"', '"¹³"', '"½"', "3.0", '"-1"'])
def test_if_match_that_is_not_a_plain_version_number_is_a_precondition_error(value):
    with pytest.raises(PreconditionRequired, match="If-Match"):
        expected_version(value)


def test_a_weak_if_match_version_is_accepted():
    assert expected_version('W/"12"') == 12


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/pub%00", "/api/v1/articles?product=a%00b", "/api/v1/search?q=%00"]
)
def test_nul_in_the_address_is_a_400(client, path):
    assert_problem(client.get(path), 400, "NUL")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/articles", {"title": "T\x00", "body": "B", "language": "en"}),
        (
            "post",
            "/api/v1/articles",
            {"title": "T", "body": "B", "language": "en", "tags": ["\x00"]},
        ),
        ("post", "/api/v1/products", {"code": "NUL-1", "name": "N\x00"}),
        ("post", "/api/v1/categories", {"slug": "nul", "name": "N\x00"}),
        ("post", "/api/v1/groups", {"name": "nul", "description": "\x00"}),
        ("post", "/api/v1/users", {"email": "a\x00@example.test"}),
    ],
)
def test_nul_in_a_json_field_is_a_422_naming_the_field(client, admin, method, path, body):
    response = getattr(client, method)(path, json=body, headers=admin)
    assert_problem(response, 422, "NUL")
