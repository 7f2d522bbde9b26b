"""The staff console: queues, the ticket page's actions, phone tickets, the overview."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts.models import User
from kb_service.db import utcnow
from tests.portal.conftest import csrf_of, login
from tickets.demo import load_desk_demo
from tickets.models import OutsideOrganisation, SupportGroup, Ticket

PASSWORDS = {
    "client": "demo-client-pass",
    "dispatcher": "demo-dispatcher-pass",
    "engineer": "demo-engineer-pass",
    "editor": "demo-editor-pass",
    "manager": "demo-manager-pass",
}


@pytest.fixture
def worked(app, demo, sessions):
    """The demo with its worked desk; yields a factory of signed-in browsers by role."""
    with sessions.begin() as session:
        load_desk_demo(session)

    @contextmanager
    def signed_in(role: str):
        with TestClient(app, headers={"Accept-Language": "ru"}) as web:
            login(web, f"{role}@demo.spravka", PASSWORDS[role])
            yield web

    return signed_in


def _number(sessions, subject_part: str) -> str:
    with sessions() as session:
        return session.scalar(select(Ticket.number).where(Ticket.subject.contains(subject_part)))


def _act(web, number: str, action: str, **fields):
    data = {**fields, "csrf_token": csrf_of(web, f"/console/tickets/{number}")}
    return web.post(f"/console/tickets/{number}/{action}", data=data, follow_redirects=False)


def _subjects(response) -> set[str]:
    return {t.subject for t in response.context["console"].queue.rows}


@pytest.mark.parametrize(
    ("view", "subject", "absent"),
    [
        ("unassigned", "печатает полосами", "ACC-PRO после обновления"),
        ("mine", "ACC-PRO после обновления", "печатает полосами"),
        ("vendor", "RT-500", "Сканер"),
        ("client", "Сканер", "RT-500"),
        ("breached", "PJ-400", "печатает полосами"),
        ("open", "Нет интернета", "Не печатает по сети"),
    ],
)
def test_queue_views_hold_their_tickets(worked, view, subject, absent):
    with worked("engineer") as web:
        response = web.get("/console", params={"view": view})
    assert response.template.name == "console/queue.html"
    subjects = " | ".join(_subjects(response))
    assert subject in subjects and absent not in subjects
    assert response.context["console"].queue.counts[view] >= 1


def test_search_finds_tickets_by_phone_subject_number_and_conversation(worked, sessions):
    number = _number(sessions, "RT-500")
    with worked("dispatcher") as web:
        by_phone = web.get("/console", params={"view": "open", "q": "123-45-67"})
        by_words = web.get("/console", params={"view": "open", "q": "rt-500 перезагружается"})
        by_number = web.get("/console", params={"view": "open", "q": number})
        by_note = web.get("/console", params={"view": "open", "q": "watchdog"})
    assert _subjects(by_phone) == {"Нет интернета в бухгалтерии"}
    assert _subjects(by_words) == {"Маршрутизатор RT-500 перезагружается каждый час"}
    assert [t.number for t in by_number.context["console"].queue.rows] == [number]
    # Only an internal note says it: the ticket index holds the whole conversation.
    assert [t.number for t in by_note.context["console"].queue.rows] == [number]


def test_dispatcher_classifies_and_assigns_a_new_ticket(worked, sessions):
    number = _number(sessions, "печатает полосами")
    with sessions() as session:
        group = session.scalar(select(SupportGroup).where(SupportGroup.tier == 1))
    with worked("dispatcher") as web:
        page = web.get(f"/console/tickets/{number}").context["console"]
        engineer_id = next(u.id for u in page.choices.staff if u.name == "Егор Инженеров")
        classified = _act(
            web, number, "classify", priority="high", category="fault", product="LP-2040"
        )
        assigned = _act(web, number, "assign", group=str(group.id), assignee=str(engineer_id))
        page = web.get(f"/console/tickets/{number}").context["console"]
    assert classified.status_code == assigned.status_code == 303
    assert assigned.headers["location"].endswith(f"/console/tickets/{number}#assign")
    ticket = page.ticket
    assert (ticket.status, ticket.priority, ticket.category.slug) == ("open", "high", "fault")
    assert (ticket.assignee.name, ticket.group.name) == ("Егор Инженеров", group.name)
    assert [e.action for e in page.history][-2:] == ["classify", "assign"]


def test_an_internal_note_is_not_shown_to_the_client(worked, sessions):
    number = _number(sessions, "ACC-PRO после обновления")
    with worked("engineer") as web:
        assert _act(web, number, "note", body="Ключ в чёрном списке").status_code == 303
        assert "Ключ в чёрном списке" in web.get(f"/console/tickets/{number}").text
    with worked("client") as web:
        page = web.get(f"/tickets/{number}")
    assert page.template.name == "tickets/show.html"
    assert "Ключ в чёрном списке" not in page.text
    assert "Похоже на известную проблему" not in page.text


def test_an_outside_escalation_shows_its_promise_on_the_ticket_and_in_the_overview(
    worked, sessions
):
    number = _number(sessions, "ACC-PRO после обновления")
    promised = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    with sessions() as session:
        firm = session.scalar(
            select(OutsideOrganisation).where(OutsideOrganisation.kind == "dealer")
        )
        firm_id, firm_name = firm.id, firm.name
    with worked("engineer") as web:
        response = _act(
            web,
            number,
            "escalate_outside",
            outside=str(firm_id),
            reference="NC-77",
            promised_at=promised,
            body="Нужен новый ключ от дилера",
        )
        page = web.get(f"/console/tickets/{number}")
    assert response.status_code == 303
    assert "NC-77" in page.text and firm_name in page.text
    with worked("manager") as web:
        overview = web.get("/console/overview")
    promises = overview.context["console"].promises
    mine = next(p for p in promises if p.ticket.number == number)
    assert mine.escalation.reference == "NC-77" and mine.escalation.promised_at is not None
    assert firm_name in overview.text
    tier1 = next(g for g in overview.context["console"].groups if g.name == "Первая линия")
    assert tier1.counts["vendor"] >= 1 and tier1.counts["open"] >= 1


def test_an_engineer_resolves_and_the_client_confirms(worked, sessions):
    number = _number(sessions, "ACC-PRO после обновления")
    with worked("engineer") as web:
        resolved = _act(web, number, "resolve", body="Перезапустили сервер лицензий.")
        assert web.get(f"/console/tickets/{number}").context["console"].ticket.status == "resolved"
    assert resolved.status_code == 303
    with worked("client") as web:
        page = web.get(f"/tickets/{number}")
        assert (
            "Перезапустили сервер лицензий." in page.text and "confirm" in page.context["actions"]
        )
        token = csrf_of(web, f"/tickets/{number}")
        web.post(f"/tickets/{number}/confirm", data={"csrf_token": token})
        assert web.get(f"/tickets/{number}").context["ticket"].status == "closed"


def test_a_refused_form_keeps_what_was_typed_and_says_why(worked, sessions):
    number = _number(sessions, "ACC-PRO после обновления")
    with worked("engineer") as web:
        firm = web.get(f"/console/tickets/{number}").context["console"].choices.outside[0]
        response = _act(
            web,
            number,
            "escalate_outside",
            outside=str(firm.id),
            promised_at="2001-01-01T10:00",
            body="Текст, который жалко терять",
        )
    assert response.status_code == 422
    assert response.context["console"].errors == {"promised_at"}
    assert "Текст, который жалко терять" in response.text
    assert 'role="alert"' in response.text
    assert response.context["console"].ticket.escalations == []  # nothing of it was saved


def test_a_stale_form_or_a_move_the_workflow_refuses_is_a_409(worked, sessions):
    number = _number(sessions, "ACC-PRO после обновления")
    closed = _number(sessions, "Не печатает по сети")
    with worked("dispatcher") as web:
        stale = _act(web, number, "note", body="Поздно", version="1")
        refused = _act(web, closed, "resolve", body="Ещё раз")
    assert stale.status_code == 409 and stale.context["console"].problem == "stale"
    assert refused.status_code == 409 and refused.context["console"].problem == "conflict"
    assert "Поздно" in stale.text


def test_an_editor_may_add_notes_but_not_sort(worked, sessions):
    number = _number(sessions, "печатает полосами")
    with worked("editor") as web:
        assert _act(web, number, "note", body="Статья устарела?").status_code == 303
        assert _act(web, number, "classify", priority="low").status_code == 403
        page = web.get(f"/console/tickets/{number}").context["console"]
    assert page.actions == ["note"]


def test_a_dispatcher_enters_a_phone_request_for_a_client_found_by_name(worked, sessions):
    with worked("dispatcher") as web:
        found = web.get("/console/new", params={"q": "Клиентова"}).context["console"].found
        assert [c.email for c in found] == ["client@demo.spravka"]
        form = web.get("/console/new", params={"q": "Клиентова", "choose": found[0].email})
        filled = form.context["console"].form
        data = {
            **filled.model_dump(),
            "subject": "Не включается МФУ",
            "body": "Звонок клиента.",
            "phone": "+7 900 000-00-00",
            "csrf_token": csrf_of(web, "/console/new"),
        }
        made = web.post("/console/new", data=data, follow_redirects=False)
        refused = web.post("/console/new", data={**data, "subject": ""})
    assert made.status_code == 303
    number = made.headers["location"].rsplit("/", 1)[-1]
    with sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        creator = session.scalar(select(User.email).where(User.id == ticket.created_by_id))
    assert (ticket.source, ticket.requester_email) == ("phone", "client@demo.spravka")
    assert ticket.requester_id is not None and ticket.organisation_id is not None
    assert creator == "dispatcher@demo.spravka"
    assert refused.status_code == 422 and "Звонок клиента." in refused.text


@pytest.mark.parametrize(
    ("role", "landing"),
    [("dispatcher", "/console"), ("manager", "/console"), ("client", "/tickets")],
)
def test_staff_land_on_the_console_and_clients_on_their_tickets(app, demo, role, landing):
    with TestClient(app) as web:
        data = {
            "email": f"{role}@demo.spravka",
            "password": PASSWORDS[role],
            "csrf_token": csrf_of(web),
        }
        response = web.post("/login", data=data, follow_redirects=False)
    assert response.headers["location"] == landing


def test_staff_opening_the_clients_page_get_the_consoles(worked, sessions):
    number = _number(sessions, "Сканер")
    with worked("engineer") as web:
        response = web.get(f"/tickets/{number}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/console/tickets/{number}")


def test_the_trail_shows_article_titles_and_each_query_once_with_its_count(worked, sessions):
    at = utcnow().isoformat()
    trail = {
        "searches": [
            {"query": "принтер полосы", "results": 3, "clicked": None, "at": at},
            {"query": "Принтер  полосы", "results": 3, "clicked": "kb-0001", "at": at},
            {"query": "картридж", "results": 0, "clicked": None, "at": at},
        ],
        "viewed": [{"article_id": "kb-0001", "title": "Viewed title", "at": at}] * 2,
        "suggested": [],
    }
    with sessions.begin() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.subject.contains("полосами")))
        ticket.trail, number = trail, ticket.number
    with worked("dispatcher") as web:
        page = web.get(f"/console/tickets/{number}")
    searches = page.context["console"].trail.searches
    assert [(s.query, s.times) for s in searches] == [("принтер полосы", 2), ("картридж", 1)]
    assert searches[0].clicked[0][0] == "kb-0001" and searches[0].clicked[0][1] != "kb-0001"
    assert page.text.count("«принтер полосы»") == 1 and "2 раза" in page.text
    assert page.context["console"].trail.viewed == [("kb-0001", "Viewed title")]
    assert '/articles/kb-0001">Viewed title</a>' in page.text


def test_a_visitor_is_asked_to_sign_in_and_comes_back_to_the_console(client):
    response = client.get("/console/tickets/10001", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login?next=/console/tickets/10001")
