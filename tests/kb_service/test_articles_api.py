"""The articles API: visibility, optimistic concurrency, versions and sanitising."""

import pytest
from sqlalchemy import select

from kb_service.articles.models import Article
from tests.builders import auth, make_article, make_token


@pytest.fixture
def tokens(sessions):
    with sessions.begin() as s:
        return {
            "client": make_token(s, ["client"], organisation="ООО Ромашка"),
            "engineer": make_token(s, ["engineer"]),
            "editor": make_token(s, ["editor"]),
            "admin": make_token(s, ["admin"]),
        }


@pytest.fixture
def catalogue(sessions):
    with sessions.begin() as s:
        make_article(s, id="pub", title="Printer does not print")
        make_article(s, id="cust", title="Firmware download", groups=["customers"])
        make_article(s, id="int", title="Service menu codes", groups=["internal"])
        make_article(s, id="dealer", title="Dealer prices", groups=["dealers"])
        make_article(s, id="draft", title="Unfinished", status="draft")


def ids(response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_anonymous_lists_only_public_articles(client, catalogue):
    assert ids(client.get("/api/v1/articles")) == {"pub"}


@pytest.mark.parametrize("article_id", ["int", "draft", "cust", "dealer", "missing"])
def test_anonymous_gets_404_for_what_it_may_not_see(client, catalogue, article_id):
    response = client.get(f"/api/v1/articles/{article_id}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    # The 404 of a hidden article is word for word that of a missing one.
    assert "Service menu" not in response.text


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("client", {"pub", "cust"}),
        ("engineer", {"pub", "cust", "int", "dealer"}),
        ("editor", {"pub", "cust", "int", "dealer", "draft"}),
        ("admin", {"pub", "cust", "int", "dealer", "draft"}),
    ],
)
def test_each_role_lists_exactly_what_it_may_see(client, catalogue, tokens, role, visible):
    response = client.get("/api/v1/articles", headers=auth(tokens[role]))
    assert ids(response) == visible
    assert response.json()["total"] == len(visible)


def test_client_reads_customers_article_but_not_internal(client, catalogue, tokens):
    headers = auth(tokens["client"])
    assert client.get("/api/v1/articles/cust", headers=headers).status_code == 200
    assert client.get("/api/v1/articles/int", headers=headers).status_code == 404


def test_editor_reads_a_draft(client, catalogue, tokens):
    response = client.get("/api/v1/articles/draft", headers=auth(tokens["editor"]))
    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_bad_token_is_401_problem(client):
    response = client.get("/api/v1/articles", headers=auth("spr_nope"))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def create(client, token, **fields):
    body = {"title": "Paper jam in tray 2", "body": "Open tray 2.", "language": "en", **fields}
    return client.post("/api/v1/articles", json=body, headers=auth(token))


def test_client_cannot_create_articles(client, tokens):
    assert create(client, tokens["client"]).status_code == 403


def test_editor_creates_and_publishes_and_anonymous_then_sees_it(client, tokens):
    created = create(client, tokens["editor"], id="jam")
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft"
    assert client.get("/api/v1/articles/jam").status_code == 404
    published = client.post("/api/v1/articles/jam/publish", headers=auth(tokens["editor"]))
    assert published.json()["status"] == "published"
    assert client.get("/api/v1/articles/jam").json()["title"] == "Paper jam in tray 2"


def test_engineer_may_draft_but_not_publish(client, tokens):
    assert create(client, tokens["engineer"], id="e1").status_code == 201
    assert create(client, tokens["engineer"], id="e2", status="published").status_code == 403
    response = client.post("/api/v1/articles/e1/publish", headers=auth(tokens["engineer"]))
    assert response.status_code == 403


def edit(client, token, version, **fields):
    headers = {**auth(token), "If-Match": f'"{version}"'}
    return client.patch("/api/v1/articles/jam", json=fields, headers=headers)


def test_second_edit_from_the_same_version_gets_409_and_the_first_is_kept(client, tokens):
    version = create(client, tokens["editor"], id="jam").json()["version"]
    first = edit(client, tokens["editor"], version, body="First editor's text.")
    assert first.status_code == 200
    second = edit(client, tokens["admin"], version, body="Second editor's text.")
    assert second.status_code == 409
    assert second.headers["content-type"] == "application/problem+json"
    current = client.get("/api/v1/articles/jam", headers=auth(tokens["editor"])).json()
    assert current["body"] == "First editor's text."


def test_edit_without_if_match_is_refused(client, tokens):
    create(client, tokens["editor"], id="jam")
    response = client.patch(
        "/api/v1/articles/jam", json={"title": "x"}, headers=auth(tokens["editor"])
    )
    assert response.status_code == 428


def test_history_shows_every_saved_text_with_who_and_when(client, tokens):
    article = create(client, tokens["editor"], id="jam").json()
    texts = ["Second text.", "Third text."]
    version = article["version"]
    for text in texts:
        response = edit(client, tokens["editor"], version, body=text)
        version = response.json()["version"]
    history = client.get("/api/v1/articles/jam/versions", headers=auth(tokens["editor"])).json()
    assert [v["body"] for v in history] == ["Third text.", "Second text.", "Open tray 2."]
    assert [v["version"] for v in history] == [3, 2, 1]
    assert all(v["editor"] and v["created_at"] for v in history)


def test_etag_carries_the_version(client, tokens):
    response = create(client, tokens["editor"], id="jam")
    assert response.headers["etag"] == f'"{response.json()["version"]}"'


@pytest.mark.parametrize(
    "body",
    [
        "Hello <script>alert('x')</script> world",
        'Look <img src="x.png" onerror="alert(1)"> here',
        "[click me](javascript:alert(1))",
        '<a href="JaVaScRiPt:alert(1)">x</a> <iframe src="https://evil"></iframe>',
    ],
)
def test_article_html_is_stored_and_shown_without_script(client, tokens, body):
    create(client, tokens["editor"], id="jam", body=body, status="published")
    html = client.get("/api/v1/articles/jam").json()["html"]
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered


def test_unknown_group_or_product_is_a_clear_422(client, tokens):
    response = create(client, tokens["editor"], groups=["no-such-group"])
    assert response.status_code == 422
    assert "no-such-group" in response.json()["detail"]
    response = create(client, tokens["editor"], products=["NOPE-1"])
    assert response.status_code == 422


def test_invalid_body_is_problem_json(client, tokens):
    response = client.post("/api/v1/articles", json={"title": ""}, headers=auth(tokens["editor"]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


def _history(client, token=None) -> list[int]:
    headers = auth(token) if token else {}
    response = client.get("/api/v1/articles/jam/versions", headers=headers)
    assert response.status_code == 200, response.text
    return [v["version"] for v in response.json()]


def test_history_shows_a_viewer_only_versions_they_could_have_read(client, tokens):
    editor = tokens["editor"]
    create(client, editor, id="jam", body="Secret draft.", groups=["internal"])
    edit(client, editor, 1, body="Service menu code 1234.")
    client.post("/api/v1/articles/jam/publish", headers=auth(editor))
    edit(client, editor, 3, body="Customers only.", groups=["customers"])
    edit(client, editor, 4, body="For everyone.", groups=["public"])
    assert _history(client) == [5]
    assert _history(client, tokens["client"]) == [5, 4]
    assert _history(client, tokens["engineer"]) == [5, 4, 3, 2, 1]
    assert _history(client, editor) == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    "change", [{"body": "Rewritten."}, {"groups": ["public"]}, {"title": "New title"}]
)
def test_engineer_cannot_change_a_published_article(client, tokens, change):
    create(client, tokens["editor"], id="jam", groups=["internal"], status="published")
    response = edit(client, tokens["engineer"], 1, **change)
    assert response.status_code == 403
    assert "publish" in response.json()["detail"]
    current = client.get("/api/v1/articles/jam", headers=auth(tokens["editor"])).json()
    assert (current["version"], current["groups"]) == (1, ["internal"])


def test_engineer_still_edits_their_own_draft(client, tokens):
    create(client, tokens["engineer"], id="jam")
    assert edit(client, tokens["engineer"], 1, body="Better.").status_code == 200


def test_recent_articles_are_the_newest_visible_published_ones(session):
    from datetime import timedelta

    from kb_service.access import ANONYMOUS
    from kb_service.articles.service import recent_articles
    from kb_service.db import utcnow

    for number in range(8):
        make_article(session, id=f"r{number}", title=f"Recent {number}")
    make_article(session, id="r-int", title="Internal", groups=["internal"])
    make_article(session, id="r-draft", title="Draft", status="draft")
    now = utcnow()
    for number, article in enumerate(session.scalars(select(Article).order_by(Article.id))):
        article.updated_at = now - timedelta(minutes=number)
    session.flush()
    shown = [a.id for a in recent_articles(session, ANONYMOUS, limit=3)]
    assert shown == ["r0", "r1", "r2"]
