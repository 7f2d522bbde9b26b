"""The report and gap pages: who sees which scope, the charts with their tables, the CSV."""

import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kb_service.accounts.models import User
from kb_service.db import utcnow
from tests.builders import make_user
from tests.portal.conftest import login
from tests.tickets.history import article, link, search, team, ticket
from tickets.models import SupportGroup

PASSWORD = "correct horse"


@pytest.fixture
def worked(app, sessions):
    """A desk with two teams; yields a factory of signed-in browsers by role, one person each
    (`{role}@demo.spravka`)."""
    with sessions.begin() as session:
        for role in ("client", "dispatcher", "engineer", "editor", "manager"):
            make_user(session, (role,), email=f"{role}@demo.spravka", name=role.title())
        team(session, "First line")
        team(session, "Second line")

    @contextmanager
    def signed_in(role: str):
        with TestClient(app, headers={"Accept-Language": "ru"}) as web:
            login(web, f"{role}@demo.spravka", PASSWORD)
            yield web

    return signed_in


def _rows(response) -> list[list[str]]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "no byte-order mark: Excel would misread Cyrillic"
    return list(csv.reader(io.StringIO(text[1:])))


def _user_id(sessions, role: str) -> int:
    with sessions() as session:
        return session.scalar(select(User.id).where(User.email == f"{role}@demo.spravka"))


def test_manager_sees_both_sections_charts_with_their_tables_and_team_tables(worked, sessions):
    with sessions.begin() as session:
        engineer = session.scalars(select(User).where(User.email == "engineer@demo.spravka")).one()
        for days in (1, 9, 20):
            ticket(session, utcnow() - timedelta(days=days), assignee_id=engineer.id)
    with worked("manager") as web:
        response = web.get("/console/reports?period=30d")
    assert response.status_code == 200
    assert response.template.name == "console/reports.html"
    shown = response.context["console"]
    assert shown.report.scope.is_desk
    keys = [line.key for line in shown.lines]
    assert "link_rate" in keys and "outside_on_time" in keys and len(keys) == 24
    html = response.text
    for chart in ("chart-weekly", "chart-link-rate", "chart-workload"):
        assert f'id="{chart}"' in html
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    assert 'id="weekly-data"' in html and 'id="workload-data"' in html
    assert 'id="by-team"' in html and 'id="by-person"' in html
    # Each week of the period is a pair of columns in the chart and a row of the table.
    weeks = len(shown.report.weeks)
    weekly = html.split('id="chart-weekly"')[1].split("</figure>")[0]
    assert weekly.count('class="chart-bar chart-series-0"') == weeks
    assert (
        html.split('id="weekly-data"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
        == weeks
    )


def test_a_week_of_tickets_shows_in_the_chart_and_its_table(worked, sessions):
    now = utcnow()
    with sessions.begin() as session:
        for _ in range(3):
            ticket(session, now - timedelta(hours=1))
    with worked("manager") as web:
        shown = web.get("/console/reports?period=week").context["console"]
    assert shown.report.weeks[-1].tickets_in >= 3
    assert shown.weekly.bars[-2].value == shown.report.weeks[-1].tickets_in


def test_manager_scopes_to_a_team(worked, sessions):
    with sessions.begin() as session:
        team = session.scalars(select(SupportGroup)).first()
        team_id, team_name = team.id, team.name
    with worked("manager") as web:
        response = web.get(f"/console/reports?scope=team&team={team_id}")
    shown = response.context["console"]
    assert (shown.report.scope.kind, shown.report.scope.id) == ("team", team_id)
    assert shown.scope_name == team_name
    assert shown.report.teams == [] and 'id="by-team"' not in response.text


def test_engineer_sees_only_their_own_numbers_whatever_they_ask(worked, sessions):
    mine = _user_id(sessions, "engineer")
    other = _user_id(sessions, "dispatcher")
    with worked("engineer") as web:
        response = web.get(f"/console/reports?scope=person&person={other}")
        rows = _rows(web.get("/console/reports.csv?scope=desk&part=measures"))
    shown = response.context["console"]
    assert (shown.report.scope.kind, shown.report.scope.id) == ("person", mine)
    assert shown.choices.people == [] and 'id="report-person"' not in response.text
    assert {row[2] for row in rows[1:]} == {"person"}


@pytest.mark.parametrize(
    "query",
    [
        "period=custom",
        "period=custom&start=2026-02-01&end=2026-01-01",
        "period=custom&start=yesterday&end=2026-01-01",
        "period=fortnight",
        "scope=team",
        "scope=team&team=first",
        "scope=galaxy",
    ],
)
def test_a_bad_choice_is_a_form_message(worked, query):
    with worked("manager") as web:
        response = web.get(f"/console/reports?{query}")
    assert response.status_code == 422
    assert response.template.name == "console/reports.html"
    assert 'id="report-error"' in response.text


def test_the_form_as_a_browser_sends_it_with_empty_fields(worked):
    with worked("manager") as web:
        response = web.get("/console/reports?period=quarter&start=&end=&scope=desk&team=&person=")
    assert response.status_code == 200
    assert response.context["console"].asked.period == "quarter"


def test_clients_get_no_reports(worked):
    with worked("client") as web:
        assert web.get("/console/reports").status_code == 403
        assert web.get("/console/reports?period=fortnight").status_code == 403


def test_measures_csv_lists_every_measure_with_its_counts(worked, sessions):
    now = utcnow()
    with sessions.begin() as session:
        a = article(session)
        closed = ticket(session, now - timedelta(days=3), closed_at=now - timedelta(days=1))
        link(session, closed, a, "used", now - timedelta(days=2))
        ticket(session, now - timedelta(days=3), closed_at=now - timedelta(days=1))
    with worked("manager") as web:
        page = web.get("/console/reports?period=30d").context["console"]
        rows = _rows(web.get("/console/reports.csv?period=30d&part=measures"))
    head, body = rows[0], rows[1:]
    assert head[:7] == ["period_start", "period_end", "scope", "scope_name", "section", "measure",
                        "label"]  # fmt: skip
    by_key = {row[5]: dict(zip(head, row, strict=True)) for row in body}
    assert list(by_key) == [line.key for line in page.lines]
    link_rate = page.report.knowledge.link_rate
    assert link_rate.denominator >= 2
    assert by_key["link_rate"]["numerator"] == str(link_rate.numerator)
    assert by_key["link_rate"]["denominator"] == str(link_rate.denominator)
    assert by_key["link_rate"]["label"] == "Доля заявок со статьёй"  # the page's language
    assert by_key["helpful"]["whole_desk"] == "yes"


def test_csv_cells_that_look_like_formulas_are_made_inert(worked, sessions):
    with sessions.begin() as session:
        team = session.scalars(select(SupportGroup)).first()
        team.name = '=HYPERLINK("http://evil.example","x")'
        evil = session.scalars(select(User).where(User.email == "engineer@demo.spravka")).one()
        evil.name = "@SUM(1+1)"
        ticket(session, utcnow() - timedelta(hours=2), group_id=team.id, assignee_id=evil.id)
    with worked("manager") as web:
        teams = _rows(web.get("/console/reports.csv?part=teams"))
        people = _rows(web.get("/console/reports.csv?part=people"))
    names = [row[1] for row in teams[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    assert "'@SUM(1+1)" in [row[1] for row in people[1:]]


def test_an_unknown_csv_part_is_refused(worked):
    with worked("manager") as web:
        assert web.get("/console/reports.csv?part=everything").status_code == 422


def test_gaps_list_escaped_queries_with_a_link_to_start_an_article(worked, sessions):
    now = utcnow()
    with sessions.begin() as session:
        for visit in ("a", "b"):
            search(session, now - timedelta(hours=1), query="<b>сброс</b> пароля?", results=0,
                   visit=visit)  # fmt: skip
    with worked("editor") as web:
        response = web.get("/console/gaps?period=week")
        rows = _rows(web.get("/console/gaps.csv?period=week"))
    assert response.status_code == 200
    gap = response.context["console"].gaps.no_result[0]
    assert (gap.query, gap.searches, gap.visits) == ("<b>сброс</b> пароля", 2, 2)
    assert "<b>сброс" not in response.text and "&lt;b&gt;сброс&lt;/b&gt; пароля" in response.text
    assert "/console/articles/new?title=%3Cb%3E" in response.text
    assert rows[1][:4] == ["no_result", "<b>сброс</b> пароля", "2", "2"]


def test_gaps_are_not_for_engineers(worked):
    with worked("engineer") as web:
        assert web.get("/console/gaps").status_code == 403
        assert web.get("/console/gaps.csv").status_code == 403
