"""The editors' mining page: groups with their evidence, and one step from a group to a draft
article or a standard answer that links all its tickets."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.articles.models import Article
from kb_service.db import session_scope
from tests.builders import make_user
from tests.portal.conftest import csrf_of, login
from tests.tickets.test_mining import _history, _import
from tickets.mining import cache_path, candidates, mine
from tickets.mining_models import ARTICLE, DISMISSED, MinedTicket, MinedTopic
from tickets.models import TicketArticle


@pytest.fixture
def browser(app):
    with TestClient(app, headers={"Accept-Language": "en"}, follow_redirects=False) as client:
        yield client


@pytest.fixture
def mined(sessions, settings) -> dict:
    """The bilingual history mined; the people who look at it; topic ids by size."""
    with session_scope(sessions) as s:
        editor = make_user(s, ["editor"], email="editor@example.test")
        make_user(s, ["engineer"], email="engineer@example.test")
        _import(s, _history())
        mine(s, cache_path(settings))
        jam, vpn = s.scalars(select(MinedTopic.id).order_by(MinedTopic.size.desc())).all()
        return {"editor": editor.id, "jam": jam, "vpn": vpn}


def _post(browser, path: str):
    return browser.post(path, data={"csrf_token": csrf_of(browser, "/console/mining")})


def test_an_editor_sees_the_groups_largest_first_with_their_tickets(browser, mined):
    login(browser, "editor@example.test", "correct horse")
    page = browser.get("/console/mining")
    assert page.status_code == 200 and page.template.name == "console/mining.html"
    jam, vpn = page.context["topics"]
    assert (jam.topic.id, jam.topic.size, len(jam.tickets)) == (mined["jam"], 4, 4)
    assert vpn.topic.language == "en"
    assert f'/console/tickets/{jam.tickets[0].number}"' in page.text
    assert f'/console/mining/{mined["vpn"]}/answer"' in page.text


def test_an_engineer_may_not_open_the_mining_page(browser, mined):
    login(browser, "engineer@example.test", "correct horse")
    assert browser.get("/console/mining").status_code == 403
    assert _post(browser, f"/console/mining/{mined['jam']}/article").status_code == 403


def test_a_group_becomes_a_draft_article_linked_to_all_its_tickets(browser, mined, sessions):
    login(browser, "editor@example.test", "correct horse")
    made = _post(browser, f"/console/mining/{mined['jam']}/article")
    assert made.status_code == 303
    article_id = made.headers["location"].rsplit("/", 1)[-1]
    assert made.headers["location"] == f"/console/articles/{article_id}"
    with sessions() as s:
        article = s.get(Article, article_id)
        assert (article.status, article.author_id, article.language) == (
            "draft",
            mined["editor"],
            "ru",
        )
        assert not article.standard_answer and "По 4 заявкам." in article.body_md
        links = s.scalars(select(TicketArticle).where(TicketArticle.article_id == article_id)).all()
        assert len(links) == 4
        assert {(link.relation, link.by_id) for link in links} == {("created", mined["editor"])}
        topic = s.get(MinedTopic, mined["jam"])
        assert (topic.state, topic.article_id, topic.acted_by_id) == (
            ARTICLE,
            article_id,
            mined["editor"],
        )
        linked = {link.ticket_id for link in links}
        assert linked.isdisjoint(candidates(s))  # covered now: mining leaves them alone
    again = _post(browser, f"/console/mining/{mined['jam']}/article")
    assert again.status_code == 409


def test_a_group_becomes_a_standard_answer(browser, mined, sessions):
    login(browser, "editor@example.test", "correct horse")
    made = _post(browser, f"/console/mining/{mined['vpn']}/answer")
    assert made.status_code == 303
    with sessions() as s:
        article = s.get(Article, made.headers["location"].rsplit("/", 1)[-1])
        assert article.standard_answer and article.version == 1 and article.language == "en"


def test_a_dismissed_group_and_its_tickets_stay_out_of_mining(browser, mined, sessions, settings):
    login(browser, "editor@example.test", "correct horse")
    gone = _post(browser, f"/console/mining/{mined['vpn']}/dismiss")
    assert gone.status_code == 303 and gone.headers["location"].endswith("/console/mining")
    with session_scope(sessions) as s:
        assert s.get(MinedTopic, mined["vpn"]).state == DISMISSED
        mine(s, cache_path(settings), full=True)
        assert s.get(MinedTopic, mined["vpn"]).state == DISMISSED
        kept = s.scalars(select(MinedTicket.ticket_id).where(MinedTicket.topic_id == mined["vpn"]))
        assert len(kept.all()) == 3
    shown = browser.get("/console/mining").context["topics"]
    assert [t.topic.id for t in shown] == [mined["jam"]]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/console/mining/abc/article", 422),
        ("/console/mining/0/article", 422),
        ("/console/mining/99999999999/article", 422),
        ("/console/mining/424242/article", 404),
        ("/console/mining/{jam}/publish", 404),
    ],
)
def test_bad_requests_are_refused_with_a_page(browser, mined, path, status):
    login(browser, "editor@example.test", "correct horse")
    response = _post(browser, path.format(**mined))
    assert response.status_code == status
    assert "text/html" in response.headers["content-type"]
