"""Concurrent edits: a save racing another is refused and the first save is kept."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from kb_service.articles import service
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleCreate, ArticleFields
from kb_service.errors import Conflict
from tests.builders import auth, make_token, make_viewer


def test_a_save_racing_another_is_a_conflict_and_the_first_save_stays(sessions):
    with sessions.begin() as s:
        editor = make_viewer(s, ["editor"])
        service.create_article(
            s, editor, ArticleCreate(id="r", title="T", body="v1", language="en")
        )
    first, second = sessions(), sessions()
    try:
        # Both editors loaded version 1 before either saved.
        service.get_article(first, editor, "r")
        service.get_article(second, editor, "r")
        service.update_article(first, editor, "r", ArticleFields(body="first"), 1)
        first.commit()
        with pytest.raises(Conflict):
            service.update_article(second, editor, "r", ArticleFields(body="second"), 1)
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as s:
        assert s.get(Article, "r").body_md == "first"


# Through the app, with real threads: the losers of a race must see 409, never 500, on
# PostgreSQL too, where the database rather than the session notices the clash.
RACERS = 8


@pytest.fixture
def editors(sessions) -> list[dict]:
    """Auth headers of one editor per racer: a shared token's use is itself a row update,
    which would queue the racers one behind the other."""
    with sessions.begin() as s:
        return [auth(make_token(s, ["editor"])) for _ in range(RACERS)]


def race(send) -> list:
    """Call `send(i)` from RACERS threads released together; their responses."""
    barrier = threading.Barrier(RACERS)

    def run(i):
        barrier.wait()
        return send(i)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(run, range(RACERS)))


def winner(responses) -> int:
    codes = sorted(r.status_code for r in responses)
    assert codes == [200 if codes[0] == 200 else 201] + [409] * (RACERS - 1), [
        r.text for r in responses if r.status_code >= 500
    ]
    assert all(
        r.headers["content-type"] == "application/problem+json"
        for r in responses
        if r.status_code == 409
    )
    return next(i for i, r in enumerate(responses) if r.status_code < 300)


def test_racing_edits_from_one_version_give_one_save_and_409s(client, editors):
    body = {"id": "r", "title": "T", "body": "v1", "language": "en"}
    assert client.post("/api/v1/articles", json=body, headers=editors[0]).status_code == 201
    responses = race(
        lambda i: client.patch(
            "/api/v1/articles/r",
            json={"body": f"edit {i}", "tags": [f"t{i}"]},
            headers={**editors[i], "If-Match": '"1"'},
        )
    )
    first = winner(responses)
    current = client.get("/api/v1/articles/r", headers=editors[0]).json()
    assert (current["body"], current["version"]) == (f"edit {first}", 2)


def test_racing_creates_of_one_article_id_give_one_article_and_409s(client, editors):
    responses = race(
        lambda i: client.post(
            "/api/v1/articles",
            json={"id": "same", "title": f"T{i}", "body": "b", "language": "en"},
            headers=editors[i],
        )
    )
    first = winner(responses)
    current = client.get("/api/v1/articles/same", headers=editors[0]).json()
    assert current["title"] == f"T{first}"


def test_racing_creates_of_one_category_slug_give_one_category_and_409s(client, editors):
    responses = race(
        lambda i: client.post(
            "/api/v1/categories",
            json={"slug": "printers", "name": f"Printers {i}"},
            headers=editors[i],
        )
    )
    first = winner(responses)
    names = [c["name"] for c in client.get("/api/v1/categories").json()]
    assert names == [f"Printers {first}"]
