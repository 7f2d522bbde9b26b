""" "My equipment": what the client's organisation has installed, with warranty and contract."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import RedirectResponse

from kb_service.catalogue.equipment import list_equipment
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import PageDep
from portal.templating import render

router = APIRouter()
PER_PAGE = 100


@router.get("/equipment", name="portal.equipment")
def index(page: PageDep, page_number: Annotated[int, Query(alias="page", ge=1, le=DB_INT_MAX)] = 1):
    if page.viewer.user_id is None:
        return RedirectResponse(
            f"{page.request.url_for('portal.login')}?next=/equipment", status_code=303
        )
    # One more than a page tells whether a next page exists without counting every item.
    items = list_equipment(
        page.db, page.viewer, limit=PER_PAGE + 1, offset=(page_number - 1) * PER_PAGE
    )
    return render(
        page.request,
        "equipment/index.html",
        items=items[:PER_PAGE],
        more=len(items) > PER_PAGE,
        page_number=page_number,
        today=date.today(),
        staff=page.viewer.is_staff,
    )
