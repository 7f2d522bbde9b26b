"""The desk's planning calendar: a week of planned work per engineer or team, and the form to
plan more. Linked from the staff console's navigation."""

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse
from pydantic import Field

from kb_service.accounts.models import User
from kb_service.db import utcnow
from kb_service.errors import Invalid
from kb_service.hostile_input import DB_INT_MAX, NulFree
from portal.deps import Page, PageDep
from portal.templating import render
from tickets.models import SupportGroup
from tickets.planning import service, weeks
from tickets.planning.models import PlannedWork
from tickets.planning.service import Clash

router = APIRouter()
IdQuery = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]
# Form field of each PlannedWorkIn field, to mark what to correct.
FIELD_OF = {"engineer_id": "engineer", "starts_at": "starts", "ends_at": "ends"}
# The planner's first guess at a new item, on the shown day, in the desk's zone.
DEFAULT_HOURS = ("10:00", "12:00")


class WorkForm(NulFree):
    """The form as typed; the view_* fields bring the planner back to the week they saw."""

    engineer: str = Field("", max_length=20)
    kind: str = Field("", max_length=16)
    title: str = Field("", max_length=1000)
    # Wall-clock times in the desk's zone, as <input type="datetime-local"> sends them.
    starts: str = Field("", max_length=40)
    ends: str = Field("", max_length=40)
    ticket: str = Field("", max_length=100)
    location: str = Field("", max_length=1000)
    notes: str = Field("", max_length=10_000)
    view_week: date | None = None
    view_engineer: int | None = Field(None, ge=1, le=DB_INT_MAX)
    view_group: int | None = Field(None, ge=1, le=DB_INT_MAX)

    def typed(self) -> dict[str, str]:
        return self.model_dump(exclude={"view_week", "view_engineer", "view_group"})


@dataclass(frozen=True)
class View:
    """Which week, and whose work: one engineer, one team's members, or everyone."""

    week: date | None = None
    engineer: int | None = None
    group: int | None = None

    def at(self, week: date | None) -> dict:
        """The query of this view moved to `week`."""
        params = {"week": week, "engineer": self.engineer, "group": self.group}
        return {name: value for name, value in params.items() if value is not None}


@dataclass(frozen=True)
class PlanningPage:
    week: weeks.Week
    view: View
    engineers: list[User]  # everyone whose work is planned, for the filter
    planned_for: list[User]  # whom the viewer may plan for, for the form
    groups: list[SupportGroup]
    fields: dict[str, str]  # what the planner typed, kept across a refused submission
    errors: set[str] = field(default_factory=set)  # names of the fields to correct
    clash: weeks.Entry | None = None  # the work in the way, in the desk's zone


@router.get("/planning", name="portal.planning")
def show(page: PageDep, week: date | None = None, engineer: IdQuery = None, group: IdQuery = None):
    if page.viewer.user_id is None:
        login = page.request.url_for("portal.login")
        return RedirectResponse(f"{login}?next=/planning", status_code=303)
    return _render(page, planning_page(page, View(week, engineer, group)))


@router.post("/planning", name="portal.planning_add")
def add(page: PageDep, form: Annotated[WorkForm, Form()]):
    view = View(form.view_week, form.view_engineer, form.view_group)
    try:
        work = add_work(page, form.typed())
    except (Invalid, Clash) as refused:
        shown = planning_page(page, view, form.typed(), refused)
        return _render(page, shown, status=refused.status)
    zone = service.desk_zone(page.db)
    back = View(weeks.local_day(work.starts_at, zone), view.engineer, view.group)
    return RedirectResponse(_week_url(page, back), status_code=303)


def planning_page(
    page: Page,
    view: View,
    typed: dict[str, str] | None = None,
    refused: Invalid | Clash | None = None,
) -> PlanningPage:
    """The week of `view` with the form: empty, or as typed with what to correct."""
    week = service.week(
        page.db, page.viewer, view.week, engineer_id=view.engineer, group_id=view.group
    )
    engineers = service.engineers(page.db)
    planned_for = [u for u in engineers if service.can_plan(page.viewer, u.id)]
    fields = typed or _blank_form(page, view, week)
    return PlanningPage(
        week,
        view,
        engineers,
        planned_for,
        service.groups(page.db),
        fields,
        errors=_fields_to_correct(refused),
        clash=_clash_entry(refused, week.zone),
    )


def add_work(page: Page, typed: dict[str, str]) -> PlannedWork:
    """Plan the work as typed in the form, its times in the desk's zone."""
    zone = service.desk_zone(page.db)
    fields: dict = {**typed, "ticket": typed["ticket"].strip().lstrip("#") or None}
    fields["engineer_id"] = fields.pop("engineer") or None
    bad = []
    for name, key in (("starts", "starts_at"), ("ends", "ends_at")):
        try:
            fields[key] = weeks.from_local(fields.pop(name), zone)
        except ValueError:
            bad.append({"where": key, "message": "not a date and time"})
    if bad:
        raise Invalid("; ".join(e["message"] for e in bad), errors=bad)
    return service.plan(page.db, page.viewer, service.validated(fields))


def _blank_form(page: Page, view: View, week: weeks.Week) -> dict[str, str]:
    today = weeks.local_day(utcnow(), week.zone)
    day = today if week.monday <= today < week.next else week.monday
    # An engineer plans their own work; a dispatcher picks whose.
    own = page.viewer.user_id if "engineer" in page.viewer.roles else None
    engineer = view.engineer or own
    start, end = DEFAULT_HOURS
    blank = WorkForm(engineer=str(engineer or ""), kind="visit").typed()
    return blank | {"starts": f"{day}T{start}", "ends": f"{day}T{end}"}


def _fields_to_correct(refused: Invalid | Clash | None) -> set[str]:
    if refused is None:
        return set()
    wheres = {str(e.get("where", "")).split(".")[0] for e in refused.errors}
    return {FIELD_OF.get(w, w) for w in wheres} or {"form"}


def _clash_entry(refused: Invalid | Clash | None, zone: ZoneInfo) -> weeks.Entry | None:
    if not isinstance(refused, Clash):
        return None
    work = refused.work
    return weeks.Entry(work, work.starts_at.astimezone(zone), work.ends_at.astimezone(zone))


def _week_url(page: Page, view: View) -> str:
    return str(page.request.url_for("portal.planning").include_query_params(**view.at(view.week)))


def _render(page: Page, shown: PlanningPage, status: int = 200):
    return render(page.request, "planning/week.html", status_code=status, **vars(shown))
