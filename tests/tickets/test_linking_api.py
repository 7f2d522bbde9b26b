"""A ticket's ties to the knowledge base over the HTTP API."""

import pytest

from tests.builders import auth, make_article, make_token


@pytest.fixture
def people(app, client, sessions):
    """Tokens by role, a client's open ticket, and indexed articles of several audiences."""
    with sessions.begin() as s:
        tokens = {
            "client": make_token(s, ("client",), "Org", email="anna@org.test", name="Anna Lee"),
            "other": make_token(s, ("client",), "Other"),
            **{r: make_token(s, (r,)) for r in ("engineer", "dispatcher", "editor")},
        }
        make_article(s, id="kb-jam", title="Paper jam in tray 2", body="Open tray 2 and pull.")
        make_article(s, id="kb-int", title="Tray 2 service menu", groups=["internal"])
        make_article(
            s,
            id="kb-std",
            title="Closing reply",
            body="Dear {{client_name}}, ticket {{ticket_number}} is solved. {{engineer_name}}",
            standard_answer=True,
        )
    app.state.feed.drain()
    app.state.search.index.refresh()
    made = client.post(
        "/api/v1/tickets",
        json={"subject": "Paper jam in tray 2", "body": "Tray 2 jams; call 8 912 345-67-89."},
        headers=auth(tokens["client"]),
    )
    assert made.status_code == 201, made.text
    return tokens, made.json()["number"]


def _get(client, token, number):
    response = client.get(f"/api/v1/tickets/{number}/articles", headers=auth(token))
    assert response.status_code == 200, response.text
    return response.json()


def test_staff_get_suggestions_and_link_what_solved_the_ticket(client, people):
    tokens, number = people
    found = _get(client, tokens["engineer"], number)
    assert "kb-jam" in [s["article_id"] for s in found["suggestions"]]
    assert found["links"] == []

    linked = client.post(
        f"/api/v1/tickets/{number}/articles",
        json={"article_id": "kb-jam"},
        headers=auth(tokens["engineer"]),
    )
    assert linked.status_code == 201, linked.text
    assert (linked.json()["relation"], linked.json()["url"]) == ("used", "/articles/kb-jam")
    flagged = client.post(
        f"/api/v1/tickets/{number}/articles",
        json={"article_id": "kb-int", "relation": "flagged", "reason": "outdated",
              "comment": "Menu moved in 3.2"},
        headers=auth(tokens["engineer"]),
    )  # fmt: skip
    assert flagged.status_code == 201, flagged.text
    assert (flagged.json()["reason"], flagged.json()["comment"]) == (
        "outdated",
        "Menu moved in 3.2",
    )
    links = _get(client, tokens["engineer"], number)["links"]
    assert [(k["article_id"], k["relation"]) for k in links] == [
        ("kb-jam", "used"),
        ("kb-int", "flagged"),
    ]
    history = client.get(f"/api/v1/tickets/{number}", headers=auth(tokens["engineer"])).json()
    assert {"link_article", "flag_article"} <= {e["action"] for e in history["history"]}


def test_a_flag_needs_its_reason_and_unknown_articles_are_not_found(client, people):
    tokens, number = people
    url, headers = f"/api/v1/tickets/{number}/articles", auth(tokens["engineer"])
    no_reason = client.post(
        url, json={"article_id": "kb-jam", "relation": "flagged"}, headers=headers
    )
    assert no_reason.status_code == 422
    assert no_reason.headers["content-type"] == "application/problem+json"
    missing = client.post(url, json={"article_id": "kb-nothing"}, headers=headers)
    assert missing.status_code == 404


def test_unlink_and_the_client_sees_only_readable_used_articles_once_solved(client, people):
    tokens, number = people
    url, headers = f"/api/v1/tickets/{number}/articles", auth(tokens["engineer"])
    for article_id in ("kb-jam", "kb-int", "kb-std"):
        assert client.post(url, json={"article_id": article_id}, headers=headers).status_code == 201
    assert client.delete(f"{url}/kb-std", headers=headers).status_code == 204
    assert client.delete(f"{url}/kb-std", headers=headers).status_code == 404
    assert _get(client, tokens["client"], number) == {"links": [], "suggestions": []}

    solved = client.post(
        f"/api/v1/tickets/{number}/resolve", json={"text": "Pull tray 2."}, headers=headers
    )
    assert solved.status_code == 200, solved.text

    seen = _get(client, tokens["client"], number)
    assert [k["article_id"] for k in seen["links"]] == ["kb-jam"]
    assert seen["suggestions"] == []
    other = client.get(f"/api/v1/tickets/{number}/articles", headers=auth(tokens["other"]))
    assert other.status_code == 404


def test_a_writer_turns_the_solved_ticket_into_a_scrubbed_internal_draft(client, people):
    tokens, number = people
    url = f"/api/v1/tickets/{number}/article"
    assert client.post(url, headers=auth(tokens["engineer"])).status_code == 409
    client.post(
        f"/api/v1/tickets/{number}/resolve",
        json={"text": "Anna, pull tray 2 out fully; write to anna@org.test if it recurs."},
        headers=auth(tokens["engineer"]),
    )
    assert client.post(url, headers=auth(tokens["dispatcher"])).status_code == 403
    assert client.post(url, headers=auth(tokens["client"])).status_code == 403

    made = client.post(url, headers=auth(tokens["engineer"]))

    assert made.status_code == 201, made.text
    draft = made.json()
    assert (draft["status"], draft["groups"], draft["language"]) == ("draft", ["internal"], "en")
    assert "pull tray 2 out fully" in draft["body"] and "Tray 2 jams" in draft["body"]
    for datum in ("Anna", "anna@org.test", "345-67-89"):
        assert datum not in draft["body"], datum
    article = client.get(draft["url"], headers=auth(tokens["engineer"]))
    assert article.status_code == 200 and article.json()["body"] == draft["body"]
    assert client.get(draft["url"], headers=auth(tokens["client"])).status_code == 404
    links = _get(client, tokens["engineer"], number)["links"]
    assert [(k["article_id"], k["relation"]) for k in links] == [(draft["article_id"], "created")]


def test_a_standard_answer_comes_filled_for_the_ticket(client, people):
    tokens, number = people
    url = f"/api/v1/tickets/{number}/standard-answers/kb-std"
    filled = client.get(url, headers=auth(tokens["engineer"]))
    assert filled.status_code == 200, filled.text
    assert filled.json()["text"].startswith(f"Dear Anna Lee, ticket {number} is solved. ")
    assert client.get(url, headers=auth(tokens["client"])).status_code == 403
    plain = f"/api/v1/tickets/{number}/standard-answers/kb-jam"
    assert client.get(plain, headers=auth(tokens["engineer"])).status_code == 404


def test_an_editor_marks_an_article_as_a_standard_answer(client, people):
    tokens, _ = people
    headers = auth(tokens["editor"])
    current = client.get("/api/v1/articles/kb-jam", headers=headers)
    assert current.json()["standard_answer"] is False
    changed = client.patch(
        "/api/v1/articles/kb-jam",
        json={"standard_answer": True},
        headers=headers | {"If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["standard_answer"] is True
