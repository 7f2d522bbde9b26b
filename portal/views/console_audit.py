"""The console's audit log: administrators read and filter it, and export it as CSV."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from kb_service.audit import service as audit
from kb_service.audit.export import to_csv
from kb_service.deps import client_address
from kb_service.errors import Invalid
from portal.deps import PageDep, sign_in_first
from portal.templating import render

router = APIRouter()
PAGE = "/console/audit"
# An export is built in memory; beyond this many entries the period must be narrowed.
EXPORT_LIMIT = 100_000
Text = Annotated[str, Query(max_length=254)]
FIELDS = ("from", "to", "action", "actor", "target")


def chosen_filters(
    start: Annotated[str, Query(alias="from", max_length=10)] = "",
    end: Annotated[str, Query(alias="to", max_length=10)] = "",
    action: Text = "",
    actor: Text = "",
    target: Text = "",
) -> audit.Filters:
    """The filters of the query string; days are whole UTC days, both ends included.

    The dates are strings: the form sends an empty one for "any", which a date parameter
    would refuse.
    """
    first, last = _day(start), _day(end)
    return audit.Filters(
        start=datetime.combine(first, time(), UTC) if first else None,
        end=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        action=action.strip(),
        actor=actor.strip(),
        target=target.strip(),
    )


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise Invalid(f"not a date (YYYY-MM-DD): {value!r}") from None


FiltersDep = Annotated[audit.Filters, Depends(chosen_filters)]


@router.get(PAGE, name="portal.console_audit")
def index(
    page: PageDep,
    chosen: FiltersDep,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, PAGE)
    shown = audit.search(page.db, page.viewer, chosen, page_number)
    form = {name: page.request.query_params.get(name, "") for name in FIELDS}
    form = {name: value for name, value in form.items() if value}
    return render(page.request, "console/audit.html", log=shown, form=form, actions=audit.ACTIONS)


@router.get(PAGE + ".csv", name="portal.console_audit_csv")
def export(page: PageDep, chosen: FiltersDep):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, PAGE)
    rows = audit.export(page.db, page.viewer, chosen, EXPORT_LIMIT, client_address(page.request))
    if rows is None:
        return render(page.request, "console/audit.html", 413, log=None, too_many=EXPORT_LIMIT,
                      form={}, actions=audit.ACTIONS)  # fmt: skip
    headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
    return Response(to_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)
