"""The console ticket page's knowledge base panel, its forms, standard answers in the reply,
and the articles that solved a ticket on the client's page."""

import re
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts.service import viewer_for
from tests.builders import make_article, make_user
from tests.portal.conftest import csrf_of, login
from tickets import desk
from tickets.models import TicketArticle

PASSWORD = "correct horse"


@pytest.fixture
def desk_page(app, sessions):
    """A client's open ticket about a paper jam, indexed articles, and signed-in browsers."""
    with sessions.begin() as s:
        client = make_user(s, ("client",), "Org", email="anna@org.test", name="Anna Lee")
        for role in ("engineer", "dispatcher", "editor"):
            make_user(s, (role,), email=f"{role}@desk.test", name=f"The {role}")
        make_article(s, id="kb-jam", title="Paper jam in tray 2", body="Open tray 2 and pull.")
        make_article(s, id="kb-int", title="Tray 2 service menu", groups=["internal"])
        make_article(s, id="kb-other", title="Scanner is offline", body="Restart the scanner.")
        make_article(
            s,
            id="kb-std",
            title="Closing reply",
            body="Dear {{client_name}}, ticket {{ticket_number}}: pull tray 2. {{engineer_name}}",
            standard_answer=True,
        )
        ticket = desk.open_ticket(
            s,
            desk.NewTicket(
                subject="Paper jam in tray 2",
                body="Tray 2 jams on every page.",
                channel="portal",
                requester_email=client.email,
                requester_id=client.id,
            ),
        )
        number = ticket.number

    @contextmanager
    def signed_in(email: str):
        with TestClient(app, headers={"Accept-Language": "en"}) as web:
            app.state.feed.drain()
            app.state.search.index.refresh()
            login(web, email, PASSWORD)
            yield web

    return number, signed_in


def _post(web, number: str, form: str, **fields):
    data = {**fields, "csrf_token": csrf_of(web, f"/console/tickets/{number}")}
    return web.post(f"/console/tickets/{number}/kb/{form}", data=data, follow_redirects=False)


def _resolve(sessions, number: str) -> None:
    with sessions.begin() as s:
        engineer = viewer_for(s, make_user(s, ("engineer",), password=None))
        ticket = desk.get(s, engineer, number)
        desk.resolve(s, desk.actor_for(engineer, ticket), ticket, "Pull tray 2 out fully.")


def test_the_panel_suggests_matching_articles_and_searches_from_the_subject(desk_page):
    number, signed_in = desk_page
    with signed_in("engineer@desk.test") as web:
        page = web.get(f"/console/tickets/{number}")
        kb = page.context["console"].kb
        assert kb.query == "Paper jam in tray 2" and not kb.searched
        assert kb.hits[0].id == "kb-jam"
        assert 'name="kb_q" value="Paper jam in tray 2"' in page.text
        assert not kb.can_create  # the ticket is not solved

        searched = web.get(f"/console/tickets/{number}", params={"kb_q": "scanner"})
        assert searched.context["console"].kb.searched
        assert [h.id for h in searched.context["console"].kb.hits] == ["kb-other"]

        partial = web.get(f"/console/tickets/{number}/kb/search", params={"kb_q": "scanner"})
        assert partial.status_code == 200
        assert partial.text.lstrip().startswith("<section") and "<html" not in partial.text
        assert "Scanner is offline" in partial.text


def test_used_flag_and_unlink_from_the_page(desk_page, sessions):
    number, signed_in = desk_page
    with signed_in("engineer@desk.test") as web:
        used = _post(web, number, "link", article_id="kb-jam")
        assert used.status_code == 303
        assert used.headers["location"].endswith(f"/console/tickets/{number}#knowledge")
        refused = _post(web, number, "flag", article_id="kb-int", reason="boring")
        assert refused.status_code == 422
        assert refused.context["console"].failed == "knowledge"
        flagged = _post(web, number, "flag", article_id="kb-int", reason="wrong", comment="Old")
        assert flagged.status_code == 303

        page = web.get(f"/console/tickets/{number}")
        links = {(k.article.id, k.relation) for k in page.context["console"].kb.links}
        assert links == {("kb-jam", "used"), ("kb-int", "flagged")}
        assert "Ошибочна: Old" in page.text

        assert _post(web, number, "unlink", article_id="kb-jam").status_code == 303
        assert _post(web, number, "unlink", article_id="kb-jam").status_code == 404
    with sessions() as s:
        rows = s.scalars(select(TicketArticle.relation).where(TicketArticle.article_id == "kb-jam"))
        assert list(rows) == []


def test_a_writer_creates_an_article_from_a_solved_ticket_and_goes_to_the_editor(
    desk_page, sessions
):
    number, signed_in = desk_page
    with signed_in("engineer@desk.test") as web:
        early = _post(web, number, "article")
        assert early.status_code == 409
    _resolve(sessions, number)
    with signed_in("dispatcher@desk.test") as web:
        page = web.get(f"/console/tickets/{number}")
        assert not page.context["console"].kb.can_create
        assert "Создать статью по заявке" not in page.text
        assert _post(web, number, "article").status_code == 403
    with signed_in("editor@desk.test") as web:
        page = web.get(f"/console/tickets/{number}")
        assert page.context["console"].kb.can_create
        assert "Создать статью по заявке" in page.text
        made = _post(web, number, "article")
    assert made.status_code == 303
    article_id = re.fullmatch(r"/console/articles/(.+)", made.headers["location"]).group(1)
    with sessions() as s:
        link = s.get(TicketArticle, (int(number) - 10000, article_id, "created"))
        assert link is not None


def test_a_standard_answer_fills_the_reply_and_sending_it_links_the_article(desk_page, sessions):
    number, signed_in = desk_page
    with signed_in("engineer@desk.test") as web:
        page = web.get(f"/console/tickets/{number}")
        assert [a.id for a in page.context["console"].kb.answers] == ["kb-std"]
        assert 'id="standard-answer"' in page.text

        filled = web.get(f"/console/tickets/{number}", params={"answer": "kb-std"})
        expected = f"Dear Anna Lee, ticket {number}: pull tray 2. The engineer"
        assert filled.context["console"].kb.reply == expected
        assert f">{expected}</textarea>" in filled.text
        assert 'name="standard_answer" value="kb-std"' in filled.text

        partial = web.get(f"/console/tickets/{number}/kb/answer", params={"answer": "kb-std"})
        assert partial.text.lstrip().startswith('<div id="reply-box">')
        assert expected in partial.text

        data = {"body": expected, "standard_answer": "kb-std", "csrf_token": csrf_of(web)}
        sent = web.post(f"/console/tickets/{number}/answer", data=data, follow_redirects=False)
        assert sent.status_code == 303
    with sessions() as s:
        relations = s.scalars(
            select(TicketArticle.relation).where(TicketArticle.article_id == "kb-std")
        )
        assert list(relations) == ["used"]


def test_the_client_page_lists_the_readable_articles_that_solved_the_ticket(desk_page, sessions):
    number, signed_in = desk_page
    with signed_in("engineer@desk.test") as web:
        for article_id in ("kb-jam", "kb-int"):
            assert _post(web, number, "link", article_id=article_id).status_code == 303
    with signed_in("anna@org.test") as web:
        before = web.get(f"/tickets/{number}")
        assert before.context["solved_by"] == [] and "Paper jam in tray 2</a>" not in before.text
        _resolve(sessions, number)
        after = web.get(f"/tickets/{number}")
    assert [a.id for a in after.context["solved_by"]] == ["kb-jam"]
    assert '/articles/kb-jam"' in after.text
    assert "Tray 2 service menu" not in after.text
