"""Search through the API: freshness after publishing, access filtering, hostile input, events."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from kb_service.articles.models import Article
from kb_service.search.models import SearchEvent
from tests.builders import auth, make_article, make_token


def wait_for(client, query, expected_id, headers=None, timeout=5.0) -> float:
    """Seconds until `expected_id` is found for `query`; fails after `timeout`."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        results = client.get("/api/v1/search", params={"q": query}, headers=headers or {}).json()
        if expected_id in [r["id"] for r in results["results"]]:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{expected_id} not found for {query!r} within {timeout} s")


def test_a_published_article_is_found_within_one_second(client, sessions):
    with sessions.begin() as s:
        editor = make_token(s, ["editor"])
    body = {
        "id": "toner",
        "title": "Тонер размазывается по странице",
        "language": "ru",
        "body": "Замените фотобарабан и проверьте узел термозакрепления.",
    }
    created = client.post("/api/v1/articles", json=body, headers=auth(editor))
    assert created.status_code == 201
    started = time.monotonic()
    client.post("/api/v1/articles/toner/publish", headers=auth(editor))
    wait_for(client, "термозакрепление", "toner", timeout=1.0)
    assert time.monotonic() - started <= 1.0


def test_archiving_or_restricting_withdraws_from_search(client, sessions):
    with sessions.begin() as s:
        editor = make_token(s, ["editor"])
        make_article(s, id="vpn", title="VPN tunnel drops every hour", body="Rekey lifetime.")
        make_article(s, id="wifi", title="Wi-Fi roaming", body="Rekey the access point.")
    wait_for(client, "rekey", "vpn")
    version = client.get("/api/v1/articles/vpn").json()["version"]
    headers = {**auth(editor), "If-Match": f'"{version}"'}
    client.patch("/api/v1/articles/vpn", json={"groups": ["internal"]}, headers=headers)
    client.post("/api/v1/articles/wifi/archive", headers=auth(editor))
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        found = client.get("/api/v1/search", params={"q": "rekey"}).json()
        if found["total"] == 0:
            break
        time.sleep(0.02)
    assert found == {**found, "total": 0, "results": []}
    wait_for(client, "rekey", "vpn", headers=auth(editor))


@pytest.fixture
def mixed(client, sessions):
    with sessions.begin() as s:
        tokens = {
            "client": make_token(s, ["client"], organisation="Альфа"),
            "engineer": make_token(s, ["engineer"]),
        }
        make_article(s, id="pub", title="Printer does not print", body="Clear the print queue.")
        make_article(
            s,
            id="int",
            title="Printer service menu",
            groups=["internal"],
            body="Hold the key to enter the zyxservice menu for the printer.",
        )
        make_article(
            s,
            id="cust",
            title="Printer firmware download",
            groups=["customers"],
            body="Download the printer firmware from the portal.",
        )
        make_article(
            s,
            id="deal",
            title="Printer dealer prices",
            groups=["dealers"],
            body="Dealer discount for printer bundles.",
        )
    wait_for(client, "printer", "int", headers=auth(tokens["engineer"]))
    return tokens


def search(client, q, token=None, **params):
    headers = auth(token) if token else {}
    response = client.get("/api/v1/search", params={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_anonymous_search_shows_only_public_articles_counts_and_facets(client, mixed):
    found = search(client, "printer")
    assert [r["id"] for r in found["results"]] == ["pub"]
    assert found["total"] == 1
    assert sum(f["count"] for f in found["facets"]["language"]) == 1
    assert "service" not in str(found).lower() and "dealer" not in str(found).lower()


def test_client_sees_customers_articles_but_not_internal_or_other_groups(client, mixed):
    found = search(client, "printer", mixed["client"])
    assert {r["id"] for r in found["results"]} == {"pub", "cust"}
    assert found["total"] == 2


def test_no_correction_or_suggestion_reveals_restricted_words(client, mixed):
    assert search(client, "zyxservise")["did_you_mean"] is None
    assert client.get("/api/v1/suggest", params={"q": "printer se"}).json() == []
    titles = [s["title"] for s in client.get("/api/v1/suggest", params={"q": "print"}).json()]
    assert titles == ["Printer does not print"]


def test_the_search_api_has_the_designed_shape(client, mixed):
    found = search(client, "printer queue", limit=5)
    assert set(found) >= {"query", "total", "results", "facets", "did_you_mean"}
    result = found["results"][0]
    assert set(result) == {"id", "title", "snippet", "url", "score", "language", "products"}
    assert "<mark>" in result["snippet"]
    assert set(found["facets"]) == {"product", "category", "language"}


def test_searches_are_recorded_with_normalised_query_and_count(app, client, mixed, session):
    found = search(client, "  Printer   QUEUE ", visit="v-1")
    app.state.activity.flush()
    event = session.scalar(select(SearchEvent).where(SearchEvent.visit_id == "v-1"))
    assert (event.query, event.result_count, event.viewer_kind) == ("printer queue", 1, "anonymous")
    assert event.id == found["search_id"]
    click_url = f"/api/v1/search/{found['search_id']}/click"
    # Another visitor (another visit) cannot claim the click of this search.
    foreign = client.post(click_url, json={"article_id": "pub", "visit": "v-2"})
    assert foreign.status_code == 404
    assert client.post(click_url, json={"article_id": "pub"}).status_code == 404
    click = client.post(click_url, json={"article_id": "pub", "visit": "v-1"})
    assert click.status_code == 204
    app.state.activity.flush()
    session.expire_all()
    assert session.get(SearchEvent, event.id).clicked_article_id == "pub"
    hidden = client.post(click_url, json={"article_id": "int", "visit": "v-1"})
    assert hidden.status_code == 404


def test_bad_parameters_are_problem_json(client):
    response = client.get("/api/v1/search", params={"q": "x", "limit": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


HOSTILE = st.one_of(
    st.text(max_size=200),
    st.text(alphabet='"()[]{}*?~^:-+!&|\\/ ANDORNOT ёЁпринтер', max_size=60),
    st.sampled_from(
        [
            '"',
            '"unbalanced',
            "((",
            "AND",
            "OR NOT",
            "*",
            "-",
            "a:b",
            "title:",
            "\x00",
            "ё" * 5000,
            "~2",
            "^",
            "[a TO",
            "{}",
            "\u202e",
            "%",
            "' OR 1=1 --",
        ]
    ),
)


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=HOSTILE)
def test_hostile_queries_never_cause_a_server_error(client, mixed, query):
    for path in ("/api/v1/search", "/api/v1/suggest"):
        response = client.get(path, params={"q": query})
        assert response.status_code < 500, (path, query, response.text)


def test_a_reindex_by_another_process_is_served_without_any_new_event(app, client, sessions):
    from indexer.index import SearchIndex
    from kb_service.search.feed import rebuild

    with sessions.begin() as s:
        make_article(s, id="old", title="Scanner feeds two sheets", body="Clean the rollers.")
    wait_for(client, "rollers", "old")
    # Written straight into the database, as a restore would: no outbox event at all.
    with sessions.begin() as s:
        s.get(Article, "old").title = "Scanner pulls two sheets at once"
    other = SearchIndex(app.state.settings.index_path)  # what `spravka reindex` opens
    try:
        rebuild(other, sessions)
    finally:
        other.close()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        titles = [
            r["title"]
            for r in client.get("/api/v1/search", params={"q": "rollers"}).json()["results"]
        ]
        if titles == ["Scanner pulls two sheets at once"]:
            break
        time.sleep(0.02)
    assert titles == ["Scanner pulls two sheets at once"]


def test_nobody_can_claim_the_click_of_an_anonymous_search_made_without_a_visit(client, mixed):
    found = search(client, "printer queue")
    assert found["search_id"] is not None
    click = client.post(f"/api/v1/search/{found['search_id']}/click", json={"article_id": "pub"})
    assert click.status_code == 404


def test_a_search_can_be_clicked_before_its_event_is_written(app, client, mixed, sessions):
    found = search(client, "printer", visit="v-1")
    click_url = f"/api/v1/search/{found['search_id']}/click"
    assert client.post(click_url, json={"article_id": "pub", "visit": "v-2"}).status_code == 404
    assert client.post(click_url, json={"article_id": "pub", "visit": "v-1"}).status_code == 204
    app.state.activity.flush()
    with sessions() as s:
        assert s.get(SearchEvent, found["search_id"]).clicked_article_id == "pub"


@pytest.mark.parametrize("first", ["engineer", None])
def test_a_kept_result_is_never_served_to_a_viewer_with_other_access(client, mixed, first):
    second = None if first else "engineer"
    for token in (mixed.get(first), mixed.get(second), mixed.get(first)):
        found = {r["id"] for r in search(client, "printer", token)["results"]}
        headers = auth(token) if token else {}
        suggested = client.get("/api/v1/suggest", params={"q": "printer se"}, headers=headers)
        assert ("int" in found) == bool(suggested.json()) == (token is not None)


def test_a_kept_result_is_still_recorded_for_each_request(app, client, mixed, session):
    for visit in ("v-a", "v-b"):
        assert search(client, "Printer  queue", visit=visit)["query"] == "Printer  queue"
    app.state.activity.flush()
    events = session.scalars(select(SearchEvent).where(SearchEvent.query == "printer queue"))
    assert sorted(e.visit_id for e in events) == ["v-a", "v-b"]


def test_kept_results_are_dropped_when_the_index_changes(client, mixed, sessions):
    assert search(client, "rekey")["total"] == 0
    with sessions.begin() as s:
        make_article(s, id="vpn", title="VPN tunnel drops", body="Rekey lifetime.")
    wait_for(client, "rekey", "vpn")
