"""The ask form as a deflection flow: suggestions, "this solved my problem", tickets with trails."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.portal.conftest import csrf_of, login
from tickets.models import AskSuggestion, AskVisit, Ticket, TicketAttachment
from tickets.schemas import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS

TEXT = {"subject": "Принтер не печатает", "body": "Очередь печати зависла, задания висят"}


def _open(client, path="/ask"):
    response = client.get(path)
    return response, response.context["ask"].token, csrf_of(client, path)


def test_opening_the_form_writes_nothing_until_it_is_used(portal, sessions):
    """A row per GET made visitors fail on SQLite's write lock under load (bench/RESULTS.md)."""
    _page, ask, token = _open(portal, "/ask?article=kb-0001")
    assert _count(sessions, AskVisit) == 0
    portal.post("/ask/suggest", data={"ask": ask, "article": "kb-0001", **TEXT},
                headers={"X-CSRF-Token": token})  # fmt: skip
    with sessions() as s:
        assert s.scalar(select(AskVisit.article_id).where(AskVisit.token == ask)) == "kb-0001"


def test_a_form_token_cannot_be_taken_over_by_another_visit(portal, app):
    _page, ask, token = _open(portal)
    portal.post("/ask/suggest", data={"ask": ask, **TEXT}, headers={"X-CSRF-Token": token})
    with TestClient(app) as other:
        theirs = csrf_of(other, "/ask")
        response = other.post("/ask/suggest", data={"ask": ask, **TEXT},
                              headers={"X-CSRF-Token": theirs})  # fmt: skip
    assert response.status_code == 404


def _count(sessions, model, *where) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def test_suggestions_appear_and_each_shown_one_is_recorded(portal, sessions):
    _page, ask, token = _open(portal)
    response = portal.post("/ask/suggest", data={"ask": ask, **TEXT},
                           headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.template.name == "ask/_suggestions.html"
    hits = response.context["hits"]
    assert hits and "kb-0001" in {h.id for h in hits}
    assert {"kb-0005", "kb-0006"}.isdisjoint({h.id for h in hits})
    assert _count(sessions, AskSuggestion) == len(hits)


def test_this_solved_my_problem_ends_the_visit_without_a_ticket(portal, sessions):
    _page, ask, token = _open(portal)
    portal.post("/ask/suggest", data={"ask": ask, **TEXT}, headers={"X-CSRF-Token": token})
    opened = portal.get(f"/ask/{ask}/open/kb-0001", follow_redirects=False)
    assert opened.headers["location"].endswith("/articles/kb-0001")
    response = portal.post(
        f"/ask/{ask}/solved", data={"article_id": "kb-0001", "csrf_token": token}
    )
    assert response.template.name == "ask/solved.html"
    with sessions() as s:
        visit = s.scalar(select(AskVisit))
        suggestion = s.scalar(select(AskSuggestion).where(AskSuggestion.article_id == "kb-0001"))
    assert (visit.outcome, visit.solved_article_id, visit.ticket_id) == (
        "deflected",
        "kb-0001",
        None,
    )
    assert suggestion.clicked_at is not None
    assert _count(sessions, Ticket) == 0
    # The visit is over and a new one began: the old form cannot be used again.
    again = portal.post(f"/ask/{ask}/solved", data={"article_id": "kb-0001", "csrf_token": token})
    assert again.status_code == 404


def test_a_ticket_carries_the_trail_of_the_visit(portal, sessions):
    login(portal, "client@demo.spravka", "demo-client-pass")
    event_id = portal.get("/search", params={"q": "принтер"}).context["event_id"]
    portal.get(f"/articles/kb-0001?s={event_id}")
    _page, ask, token = _open(portal, "/ask?article=kb-0001")
    form = {"ask": ask, "article": "kb-0001", **TEXT}  # the form's hidden fields too
    portal.post("/ask/suggest", data=form, headers={"X-CSRF-Token": token})
    portal.app.state.activity.flush()  # the trail holds what was written before the ask
    response = portal.post(
        "/ask",
        data={**form, "csrf_token": token, "product": "ACC-PRO"},
        files=[("attachments", ("log.txt", b"spooler error 0x1", "text/plain"))],
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sessions() as s:
        ticket = s.scalar(select(Ticket))
        visit = s.scalar(select(AskVisit))
    assert ticket.source == "portal" and ticket.article_id == "kb-0001"
    assert response.headers["location"].endswith(f"/tickets/{ticket.number}")
    assert [q["query"] for q in ticket.trail["searches"]] == ["принтер"]
    assert ticket.trail["searches"][0]["clicked"] == "kb-0001"
    assert [v["article_id"] for v in ticket.trail["viewed"]] == ["kb-0001"]
    assert "kb-0001" in {s["article_id"] for s in ticket.trail["suggested"]}
    assert (visit.outcome, visit.ticket_id) == ("ticket", ticket.id)
    page = portal.get(f"/tickets/{ticket.number}")
    assert page.context["ticket"].attachments[0].filename == "log.txt"


def test_the_clients_own_products_come_first(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    context = portal.get("/ask").context
    own = {p.code for p in context["own_products"]}
    assert own and own.isdisjoint({p.code for p in context["other_products"]})


def test_an_anonymous_visitor_opens_a_ticket_with_an_e_mail(portal, sessions):
    _page, ask, token = _open(portal)
    missing = portal.post("/ask", data={"ask": ask, "csrf_token": token, **TEXT})
    assert missing.status_code == 422 and "email" in missing.context["errors"]
    response = portal.post("/ask", data={"ask": ask, "csrf_token": token,
                                         "email": "Visitor@Example.test", **TEXT})  # fmt: skip
    assert response.template.name == "ask/sent.html"
    with sessions() as s:
        assert s.scalar(select(Ticket.requester_email)) == "visitor@example.test"


def test_an_incomplete_request_is_shown_again_with_its_errors(portal):
    login(portal, "client@demo.spravka", "demo-client-pass")
    _page, ask, token = _open(portal)
    response = portal.post("/ask", data={"ask": ask, "csrf_token": token, "subject": "x"})
    assert response.status_code == 422
    assert response.context["errors"] == {"subject", "body"}
    assert response.context["fields"]["subject"] == "x"


@pytest.fixture
def closed_desk(settings, sessions, demo):
    from kb_service.app import create_app

    settings.anonymous_tickets = False
    with TestClient(create_app(settings)) as client:
        yield client


def test_anonymous_tickets_can_be_switched_off(closed_desk):
    response = closed_desk.get("/ask", follow_redirects=False)
    assert response.status_code == 303 and "/login?next=/ask" in response.headers["location"]


def test_another_visit_cannot_use_the_form(portal, app):
    _page, ask, _token = _open(portal)
    with TestClient(app) as stranger:
        token = csrf_of(stranger, "/")
        response = stranger.post(f"/ask/{ask}/solved", data={"article_id": "kb-0001",
                                 "csrf_token": token})  # fmt: skip
    assert response.status_code == 404


def test_a_ticket_may_carry_as_many_and_as_large_files_as_the_desk_accepts(portal, sessions):
    login(portal, "client@demo.spravka", "demo-client-pass")
    _page, ask, token = _open(portal)
    files = [
        ("attachments", (f"dump{i}.bin", bytes([i]) * MAX_ATTACHMENT_BYTES, "application/x-dump"))
        for i in range(MAX_ATTACHMENTS)
    ]
    response = portal.post("/ask", data={"ask": ask, "csrf_token": token, **TEXT}, files=files,
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    with sessions() as s:
        sizes = s.scalars(select(TicketAttachment.size)).all()
    assert sizes == [MAX_ATTACHMENT_BYTES] * MAX_ATTACHMENTS
