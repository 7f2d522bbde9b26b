"""Work planning: who plans for whom, what may not overlap, what the client sees of it, the
API, and the week calendar in the desk's time zone."""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from kb_service.accounts import service as accounts
from kb_service.accounts.models import User
from kb_service.accounts.service import viewer_for
from kb_service.demo import load_demo
from kb_service.errors import Forbidden, Invalid
from tests.builders import auth, make_token, make_user
from tests.portal.conftest import csrf_of, login
from tickets import desk
from tickets.models import SupportGroup
from tickets.planning import service, visits, weeks
from tickets.planning.service import Clash

MOSCOW = ZoneInfo("Europe/Moscow")
# A Monday; 07:00 UTC is 10:00 in Moscow.
MONDAY = date(2027, 3, 1)


def at(hour: int, day: int = 0, minute: int = 0) -> datetime:
    """UTC time on the test week's Monday (+ `day` days)."""
    return datetime(2027, 3, 1 + day, hour, minute, tzinfo=UTC)


def work(engineer_id: int, start: datetime, hours: float = 2, **overrides) -> dict:
    end = start + timedelta(hours=hours)
    fields = {"engineer_id": engineer_id, "kind": "visit", "title": "Replace the drum",
              "starts_at": start, "ends_at": end}  # fmt: skip
    return fields | overrides


def plan(session, viewer, **fields):
    return service.plan(session, viewer, service.validated(fields))


@pytest.fixture
def people(session):
    users = {
        role: make_user(session, [role], "Client Org" if role == "client" else None, password=None)
        for role in ("client", "dispatcher", "engineer", "editor", "manager")
    }
    users["other_engineer"] = make_user(session, ["engineer"], name="Olga Other", password=None)
    viewers = {name: viewer_for(session, user) for name, user in users.items()}
    return users, viewers


def _ticket(session, viewer, subject="Printer jams"):
    new = desk.NewTicket(subject=subject, body="It jams.", channel="portal",
                         requester_email="c@example.test", requester_id=viewer.user_id)  # fmt: skip
    return desk.open_ticket(session, new)


# --- The rules ------------------------------------------------------------------------------


def test_an_engineers_visits_may_not_overlap_and_the_clash_is_named(session, people):
    users, viewers = people
    engineer = users["engineer"].id
    first = plan(session, viewers["dispatcher"], **work(engineer, at(7)))
    with pytest.raises(Clash) as refused:
        plan(session, viewers["dispatcher"], **work(engineer, at(8), title="Another visit"))
    assert refused.value.status == 409 and refused.value.work.id == first.id
    assert "Replace the drum" in refused.value.message and f"#{first.id}" in refused.value.message


def test_back_to_back_visits_and_tasks_over_visits_are_fine(session, people):
    users, viewers = people
    engineer, dispatcher = users["engineer"].id, viewers["dispatcher"]
    plan(session, dispatcher, **work(engineer, at(7)))
    plan(session, dispatcher, **work(engineer, at(9)))
    plan(session, dispatcher, **work(engineer, at(8), kind="task", title="Write the report"))
    plan(session, dispatcher, **work(users["other_engineer"].id, at(8)))
    assert len(service.list_work(session, dispatcher, engineer_id=engineer)) == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [("absence", "visit"), ("visit", "absence")],
    ids=["absence-first", "visit-first"],
)
def test_absences_and_visits_block_each_other(session, people, first, second):
    users, viewers = people
    engineer = users["engineer"].id
    plan(session, viewers["manager"], **work(engineer, at(0), hours=24, kind=first, title="Away"))
    with pytest.raises(Clash):
        plan(session, viewers["manager"], **work(engineer, at(10), kind=second, title="Then"))


def test_moving_work_onto_a_busy_hour_is_a_clash_but_moving_within_its_own_is_not(session, people):
    users, viewers = people
    engineer, dispatcher = users["engineer"].id, viewers["dispatcher"]
    plan(session, dispatcher, **work(engineer, at(7)))
    later = plan(session, dispatcher, **work(engineer, at(12)))
    moved = service.update(session, dispatcher, later.id, {"starts_at": at(11, minute=30)}, 1)
    assert moved.starts_at == at(11, minute=30) and moved.version == 2
    with pytest.raises(Clash):
        service.update(session, dispatcher, later.id, {"starts_at": at(8)}, 2)


def test_two_planners_booking_the_same_hour_at_once_cannot_both_succeed(sessions):
    with sessions.begin() as s:
        engineer = make_user(s, ["engineer"], password=None).id
        dispatcher = viewer_for(s, make_user(s, ["dispatcher"], password=None))
    outcome = {}

    def second_planner():
        try:
            with sessions.begin() as s:
                plan(s, dispatcher, **work(engineer, at(8), title="Second"))
            outcome["second"] = "planned"
        except Clash:
            outcome["second"] = "clash"

    with sessions.begin() as first:
        plan(first, dispatcher, **work(engineer, at(7), title="First"))
        racer = threading.Thread(target=second_planner)
        racer.start()
        racer.join(0.5)  # it waits for the first booking to commit
        assert racer.is_alive()
    racer.join(10)
    assert outcome == {"second": "clash"}


@pytest.mark.parametrize(
    ("role", "for_whom", "allowed"),
    [
        ("dispatcher", "engineer", True),
        ("manager", "engineer", True),
        ("engineer", "engineer", True),
        ("engineer", "other_engineer", False),
        ("editor", "engineer", False),
        ("client", "engineer", False),
    ],
)
def test_who_plans_for_whom(session, people, role, for_whom, allowed):
    users, viewers = people
    fields = work(users[for_whom].id, at(7))
    if allowed:
        assert plan(session, viewers[role], **fields).created_by_id == users[role].id
    else:
        with pytest.raises(Forbidden):
            plan(session, viewers[role], **fields)


def test_an_engineer_cannot_move_their_work_to_a_colleague(session, people):
    users, viewers = people
    own = plan(session, viewers["engineer"], **work(users["engineer"].id, at(7)))
    with pytest.raises(Forbidden):
        service.update(
            session, viewers["engineer"], own.id, {"engineer_id": users["other_engineer"].id}, 1
        )


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"ends_at": at(6)}, "ends_at"),
        ({"ends_at": at(7)}, "ends_at"),
        ({"title": ""}, "title"),
        ({"starts_at": "2027-03-01T07:00:00"}, "starts_at"),
        ({"kind": "holiday"}, "kind"),
        ({"ticket": "99999"}, "ticket"),
    ],
    ids=["ends-before", "ends-at-start", "no-title", "naive-time", "unknown-kind", "no-ticket"],
)
def test_invalid_work_is_refused_naming_the_field(session, people, fields, where):
    users, viewers = people
    with pytest.raises(Invalid) as refused:
        plan(session, viewers["dispatcher"], **(work(users["engineer"].id, at(7)) | fields))
    assert where in [e["where"] for e in refused.value.errors]


def test_only_the_desks_people_have_work_planned(session, people):
    users, viewers = people
    with pytest.raises(Invalid):
        plan(session, viewers["dispatcher"], **work(users["client"].id, at(7)))


def test_an_absence_serves_no_ticket(session, people):
    users, viewers = people
    ticket = _ticket(session, viewers["client"])
    fields = work(users["engineer"].id, at(7), kind="absence", ticket=ticket.number)
    with pytest.raises(Invalid):
        plan(session, viewers["dispatcher"], **fields)


def test_the_client_sees_the_visits_on_their_own_ticket_only(session, people):
    users, viewers = people
    mine = _ticket(session, viewers["client"])
    other_client = viewer_for(session, make_user(session, ["client"], "Other Org", password=None))
    theirs = _ticket(session, other_client, "Scanner")
    engineer = users["engineer"].id
    plan(session, viewers["dispatcher"], **work(engineer, at(7), ticket=mine.number))
    plan(session, viewers["dispatcher"], **work(engineer, at(12), kind="task", ticket=mine.number))
    plan(session, viewers["dispatcher"], **work(engineer, at(7, day=1), ticket=theirs.number))
    (visit,) = visits.visits_for_ticket(session, viewers["client"], mine.id)
    assert visit.engineer == users["engineer"].name
    assert (visit.starts_at.hour, visit.starts_at.tzinfo) == (10, MOSCOW)
    assert visits.visits_for_ticket(session, viewers["client"], theirs.id) == []
    assert len(visits.visits_for_ticket(session, viewers["editor"], theirs.id)) == 1


def test_a_week_puts_each_item_on_the_days_it_covers_in_the_desks_zone():
    class Item:
        def __init__(self, id, starts_at, ends_at):
            self.id, self.starts_at, self.ends_at = id, starts_at, ends_at

    late = Item(1, at(22), at(23))  # Monday 22:00 UTC is Tuesday 01:00 in Moscow
    leave = Item(2, at(21, day=2), at(21, day=4))  # Thursday and Friday in Moscow
    week = weeks.arrange([late, leave], MONDAY, MOSCOW)
    on = {d.day.isoformat(): [e.work.id for e in d.entries] for d in week.days}
    assert on == {"2027-03-01": [], "2027-03-02": [1], "2027-03-03": [], "2027-03-04": [2],
                  "2027-03-05": [2], "2027-03-06": [], "2027-03-07": []}  # fmt: skip
    assert week.days[1].entries[0].starts.hour == 1
    assert weeks.span(MONDAY, MOSCOW)[0] == datetime(2027, 2, 28, 21, tzinfo=UTC)
    assert weeks.from_local("2027-03-01T10:00", MOSCOW) == at(7)


# --- The API --------------------------------------------------------------------------------


@pytest.fixture
def api_people(sessions):
    with sessions.begin() as s:
        users = {r: make_user(s, [r], password=None) for r in ("dispatcher", "engineer")}
        tokens = {r: accounts.create_token(s, u) for r, u in users.items()}
        tokens["client"] = make_token(s, ["client"], "Client Org")
        group = SupportGroup(name="Field team", members=[users["engineer"]])
        s.add(group)
        s.flush()
        ids = {r: u.id for r, u in users.items()} | {"group": group.id}
    return tokens, ids


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_the_api_plans_reads_edits_and_cancels_work(client, api_people):
    tokens, ids = api_people
    body = {"engineer_id": ids["engineer"], "kind": "visit", "title": "Install the router",
            "starts_at": "2027-03-01T10:00:00+03:00", "ends_at": _iso(at(9)),
            "location": "Tverskaya 1"}  # fmt: skip
    made = client.post("/api/v1/planned-work", json=body, headers=auth(tokens["engineer"]))
    assert made.status_code == 201, made.text
    assert made.headers["ETag"] == '"1"' and made.json()["starts_at"].startswith("2027-03-01T07")
    url = f"/api/v1/planned-work/{made.json()['id']}"
    dispatcher = auth(tokens["dispatcher"])
    moved = client.patch(url, json={"title": "Install two routers"},
                         headers=dispatcher | {"If-Match": '"1"'})  # fmt: skip
    assert moved.status_code == 200 and moved.headers["ETag"] == '"2"'
    stale = client.patch(url, json={"title": "Lost"}, headers=dispatcher | {"If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert client.get(url, headers=dispatcher).json()["title"] == "Install two routers"
    assert client.patch(url, json={"title": "No version"}, headers=dispatcher).status_code == 428
    assert client.delete(url, headers=dispatcher | {"If-Match": '"1"'}).status_code == 409
    assert client.delete(url, headers=dispatcher | {"If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=dispatcher).status_code == 404


def test_the_api_says_which_work_clashes(client, api_people):
    tokens, ids = api_people
    headers = auth(tokens["dispatcher"])
    first = work(ids["engineer"], at(7))
    first = {k: _iso(v) if isinstance(v, datetime) else v for k, v in first.items()}
    made = client.post("/api/v1/planned-work", json=first, headers=headers).json()
    again = client.post("/api/v1/planned-work", json=first | {"title": "Twice"}, headers=headers)
    assert again.status_code == 409
    assert again.json()["errors"][0]["planned_work"] == made["id"]
    assert "Replace the drum" in again.json()["detail"]


def test_the_api_filters_by_engineer_group_time_and_ticket(client, api_people, sessions):
    tokens, ids = api_people
    with sessions.begin() as s:
        dispatcher = viewer_for(s, s.get(User, ids["dispatcher"]))
        ticket = _ticket(s, dispatcher)
        number = ticket.number
        plan(s, dispatcher, **work(ids["engineer"], at(7), ticket=number))
        plan(s, dispatcher, **work(ids["engineer"], at(7, day=7), title="Next week"))
        plan(s, dispatcher, **work(ids["dispatcher"], at(7), kind="absence", title="Off"))
    headers = auth(tokens["dispatcher"])

    def titles(**params):
        found = client.get("/api/v1/planned-work", params=params, headers=headers)
        assert found.status_code == 200, found.text
        return [w["title"] for w in found.json()]

    assert titles() == ["Replace the drum", "Off", "Next week"]
    assert titles(group=ids["group"]) == ["Replace the drum", "Next week"]
    assert titles(engineer=ids["dispatcher"]) == ["Off"]
    week = {"from": _iso(at(0)), "to": _iso(at(0, day=7))}
    assert titles(engineer=ids["engineer"], **week) == ["Replace the drum"]
    assert titles(ticket=number) == ["Replace the drum"]
    naive = client.get("/api/v1/planned-work", params={"from": "2027-03-01T00:00"}, headers=headers)
    assert naive.status_code == 422
    assert client.get("/api/v1/planned-work", headers=auth(tokens["client"])).status_code == 403


# --- The calendar and the ticket page -------------------------------------------------------


def _demo(session, email: str):
    user = session.scalar(select(User).where(User.email == email))
    return user, viewer_for(session, user)


@pytest.fixture
def portal(app, sessions):
    """A browser (Russian preferred) on the demo content, as tests/portal/conftest.py has it."""
    with sessions.begin() as session:
        load_demo(session)
    with TestClient(app, headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"}) as client:
        yield client


@pytest.fixture
def desk_week(portal, sessions):
    """The demo dispatcher signed in; a visit for the client's ticket on Monday 10:00 Moscow."""
    with sessions.begin() as s:
        engineer, _ = _demo(s, "engineer@demo.spravka")
        _, dispatcher = _demo(s, "dispatcher@demo.spravka")
        _, client = _demo(s, "client@demo.spravka")
        ticket = _ticket(s, client, "Принтер не печатает")
        visit = plan(s, dispatcher, **work(engineer.id, at(7), ticket=ticket.number))
        ids = {"engineer": engineer.id, "ticket": ticket.number, "visit": visit.id}
    login(portal, "dispatcher@demo.spravka", "demo-dispatcher-pass")
    return ids


def test_the_week_shows_each_item_in_the_desks_time_zone_with_its_ticket(portal, desk_week):
    page = portal.get("/planning", params={"week": "2027-03-03"})
    assert page.template.name == "planning/week.html"
    week = page.context["week"]
    assert week.monday == MONDAY and week.zone == MOSCOW
    (entry,) = week.days[0].entries
    assert entry.work.id == desk_week["visit"] and entry.starts.hour == 10
    assert "10:00" in page.text and "07:00" not in page.text
    assert f'/console/tickets/{desk_week["ticket"]}"' in page.text
    assert "?week=2027-02-22" in page.text and "?week=2027-03-08" in page.text


def test_the_week_of_another_engineer_or_week_is_empty_and_says_so(portal, desk_week, sessions):
    with sessions() as s:
        other, _ = _demo(s, "dispatcher@demo.spravka")
    page = portal.get("/planning", params={"week": "2027-03-01", "engineer": other.id})
    assert page.context["week"].is_empty and "ничего не запланировано" in page.text
    assert portal.get("/planning", params={"week": "2027-03-08"}).context["week"].is_empty


def test_the_calendar_opens_on_this_week(portal, desk_week):
    monday = portal.get("/planning").context["week"].monday
    assert monday.weekday() == 0 and monday <= date.today() + timedelta(days=1)


def test_planning_from_the_form_goes_back_to_the_week_of_the_new_work(portal, desk_week, sessions):
    form = {"engineer": desk_week["engineer"], "kind": "task", "title": "Написать отчёт",
            "starts": "2027-03-10T09:00", "ends": "2027-03-10T10:00",
            "csrf_token": csrf_of(portal, "/planning")}  # fmt: skip
    made = portal.post("/planning", data=form, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].endswith("?week=2027-03-10")
    with sessions() as s:
        (task,) = [
            w for w in service.list_work(s, _demo(s, "admin@demo.spravka")[1]) if w.kind == "task"
        ]
        assert task.starts_at == datetime(2027, 3, 10, 6, tzinfo=UTC)


def test_a_clash_from_the_form_names_the_work_in_the_way_and_keeps_what_was_typed(
    portal, desk_week
):
    form = {"engineer": desk_week["engineer"], "kind": "visit", "title": "Второй выезд",
            "starts": "2027-03-01T11:00", "ends": "2027-03-01T13:00",
            "csrf_token": csrf_of(portal, "/planning")}  # fmt: skip
    refused = portal.post("/planning", data=form)
    assert refused.status_code == 409 and refused.template.name == "planning/week.html"
    assert refused.context["clash"].work.id == desk_week["visit"]
    assert "Replace the drum" in refused.text and "Второй выезд" in refused.text


def test_an_invalid_form_marks_the_fields_and_keeps_what_was_typed(portal, desk_week):
    form = {"engineer": desk_week["engineer"], "kind": "visit", "title": "Наоборот",
            "starts": "2027-03-01T15:00", "ends": "2027-03-01T14:00", "ticket": "no such",
            "csrf_token": csrf_of(portal, "/planning")}  # fmt: skip
    refused = portal.post("/planning", data=form)
    assert refused.status_code == 422 and refused.context["errors"] == {"ends"}
    assert refused.context["fields"]["title"] == "Наоборот"
    garbled = portal.post("/planning", data=form | {"starts": "завтра", "ends": "потом"})
    assert garbled.status_code == 422 and garbled.context["errors"] == {"starts", "ends"}


def test_the_client_sees_the_visit_on_their_ticket_page(app, desk_week):
    with TestClient(app, headers={"Accept-Language": "ru"}) as browser:
        login(browser, "client@demo.spravka", "demo-client-pass")
        page = browser.get(f"/tickets/{desk_week['ticket']}")
    (visit,) = page.context["visits"]
    assert visit.engineer == "Егор Инженеров" and visit.starts_at.hour == 10
    assert "Запланированные выезды" in page.text and "10:00" in page.text
    assert "Replace the drum" not in page.text  # the desk's title and notes stay inside


def test_the_calendar_runs_the_same_statements_for_few_and_many_items(
    portal, desk_week, sessions, engine
):
    def statements() -> int:
        seen = []

        def count(_conn, _cursor, statement, *_):
            if not threading.current_thread().name.startswith("spravka-"):
                seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert portal.get("/planning", params={"week": "2027-03-01"}).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    few = statements()
    with sessions.begin() as s:
        _, dispatcher = _demo(s, "dispatcher@demo.spravka")
        client = _demo(s, "client@demo.spravka")[1]
        for day in range(7):
            for hour in (9, 12):
                ticket = _ticket(s, client)
                engineer = make_user(s, ["engineer"], password=None)
                plan(s, dispatcher, **work(engineer.id, at(hour, day=day), ticket=ticket.number))
    assert statements() == few
