"""Reports of a period with server-drawn charts, their CSV, and the editors' gap lists.

Who sees what is decided in tickets.period_report (reports) and tickets.gaps (gaps).
"""

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from kb_service.db import utcnow
from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX
from portal import charts, report_csv
from portal.deps import Page, PageDep, sign_in_first
from portal.i18n import Translator
from portal.templating import language_of, render
from tickets import gaps, period_report
from tickets.measuring import DESK, PERIODS, SCOPES, Period, Scope, named_period

router = APIRouter()
# A team or person id; empty when the form's select was left at "—".
Id = Annotated[str, Query(max_length=12)]
Short = Annotated[str, Query(max_length=16)]
Day = Annotated[str, Query(max_length=10)]


@dataclass(frozen=True)
class Asked:
    """The chooser's fields as sent, to fill the form again."""

    period: str = "30d"
    start: str = ""
    end: str = ""
    scope: str = "desk"
    team: str = ""
    person: str = ""

    def chosen(self) -> tuple[Period, Scope]:
        """The period and scope asked for; `Invalid` with a message for the form."""
        period = named_period(self.period, utcnow(), _day(self.start), _day(self.end))
        if self.scope not in SCOPES:
            raise Invalid(f"scope must be one of {', '.join(SCOPES)}")
        if self.scope == "desk":
            return period, Scope()
        chosen = _id(self.team if self.scope == "team" else self.person)
        if chosen is None:
            raise Invalid(f"choose the {self.scope}")
        return period, Scope(self.scope, chosen)

    @property
    def team_id(self) -> int | None:
        return _id(self.team, strict=False)

    @property
    def person_id(self) -> int | None:
        return _id(self.person, strict=False)


def _id(text: str, strict: bool = True) -> int | None:
    if not text:
        return None
    if text.isascii() and text.isdigit() and 0 < int(text) <= DB_INT_MAX:
        return int(text)
    if strict:
        raise Invalid(f"{text!r} is not an id")
    return None


def _day(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{text!r} is not a date (year-month-day)") from None


def _asked(period: Short, start: Day, end: Day, scope: Short, team: Id, person: Id) -> Asked:
    return Asked(period, start, end, scope, team, person)


@dataclass(frozen=True)
class ReportPage:
    asked: Asked
    report: period_report.Report | None
    choices: period_report.Choices
    scope_name: str
    error: str
    lines: list[period_report.Line]
    weekly: charts.Chart | None
    link_rate: charts.Chart | None
    workload: charts.Chart | None
    periods: tuple[str, ...] = PERIODS
    scopes: tuple[str, ...] = SCOPES
    parts: tuple[str, ...] = report_csv.PARTS

    @property
    def csv_query(self) -> dict:
        """The query of this report's CSV links: the period asked and the scope shown."""
        query = {"period": self.asked.period, "start": self.asked.start, "end": self.asked.end}
        scope = self.report.scope
        query["scope"] = scope.kind
        if scope.kind != "desk":
            query[scope.kind] = scope.id
        return query


def report_page(page: Page, asked: Asked) -> tuple[ReportPage, int]:
    """The report asked for, or the form with its message."""
    period_report.allowed_scope(page.viewer, DESK)  # clients get no form either
    choices = period_report.choices(page.db, page.viewer)
    try:
        period, scope = asked.chosen()
    except Invalid as exc:
        return ReportPage(asked, None, choices, "", str(exc), [], None, None, None), 422
    found = period_report.report(page.db, page.viewer, period, scope, utcnow())
    labels = [w.start.strftime("%d.%m") for w in found.weeks]
    people = found.desk.workload
    return ReportPage(
        asked=asked,
        report=found,
        choices=choices,
        scope_name=period_report.scope_name(page.db, found.scope),
        error="",
        lines=period_report.lines(found),
        weekly=charts.columns(
            labels, [[w.tickets_in for w in found.weeks], [w.tickets_closed for w in found.weeks]]
        ),
        link_rate=charts.line(labels, [w.link_rate.value for w in found.weeks]),
        workload=charts.horizontal([w.name for w in people], [w.held for w in people]),
    ), 200


@router.get("/console/reports", name="portal.console_reports")
def reports(
    page: PageDep,
    period: Short = "30d",
    start: Day = "",
    end: Day = "",
    scope: Short = "desk",
    team: Id = "",
    person: Id = "",
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/reports")
    shown, status = report_page(page, _asked(period, start, end, scope, team, person))
    return render(page.request, "console/reports.html", status_code=status, console=shown)


@router.get("/console/reports.csv", name="portal.console_reports_csv")
def reports_csv(
    page: PageDep,
    period: Short = "30d",
    start: Day = "",
    end: Day = "",
    scope: Short = "desk",
    team: Id = "",
    person: Id = "",
    part: Short = "measures",
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/reports")
    if part not in report_csv.PARTS:
        raise Invalid(f"part must be one of {', '.join(report_csv.PARTS)}")
    chosen_period, chosen_scope = _asked(period, start, end, scope, team, person).chosen()
    found = period_report.report(page.db, page.viewer, chosen_period, chosen_scope, utcnow())
    label = _labeller(Translator(language_of(page.request)))
    text = report_csv.part(found, part, period_report.scope_name(page.db, found.scope), label)
    return _csv(text, f"report-{part}-{chosen_period.start.date()}.csv")


def _labeller(_: Translator):
    return lambda key: _(f"reports.m.{key}")


def _csv(text: str, filename: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@dataclass(frozen=True)
class GapsPage:
    asked: Asked
    gaps: gaps.Gaps | None
    error: str
    periods: tuple[str, ...] = PERIODS
    # The editors' new-article form (its own branch; name its route here once merged).
    new_article: str = "/console/articles/new"


@router.get("/console/gaps", name="portal.console_gaps")
def gap_lists(page: PageDep, period: Short = "30d", start: Day = "", end: Day = ""):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/gaps")
    asked = Asked(period, start, end)
    try:
        chosen, _ = asked.chosen()
    except Invalid as exc:
        gaps.require_editor(page.viewer)
        shown = GapsPage(asked, None, str(exc))
        return render(page.request, "console/gaps.html", status_code=422, console=shown)
    shown = GapsPage(asked, gaps.gaps(page.db, page.viewer, chosen), "")
    return render(page.request, "console/gaps.html", console=shown)


@router.get("/console/gaps.csv", name="portal.console_gaps_csv")
def gap_lists_csv(page: PageDep, period: Short = "30d", start: Day = "", end: Day = ""):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/gaps")
    chosen, _ = Asked(period, start, end).chosen()
    found = gaps.gaps(page.db, page.viewer, chosen)
    return _csv(report_csv.gap_lists(found), f"gaps-{chosen.start.date()}.csv")
