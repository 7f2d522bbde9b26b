"""A ticket for a caller: the dispatcher finds the client and enters the request for them."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from kb_service.accounts.models import Organisation
from kb_service.errors import Invalid
from portal.deps import Page, PageDep
from portal.templating import render
from tickets import callers
from tickets.models import PRIORITIES

router = APIRouter()


@dataclass(frozen=True)
class CallerPage:
    q: str
    found: list[callers.Caller]
    form: callers.CallerForm
    organisations: list[Organisation]
    errors: frozenset[str] = frozenset()
    priorities: tuple[str, ...] = PRIORITIES


@router.get("/console/new", name="portal.console_new")
def new(
    page: PageDep,
    q: Annotated[str, Query(max_length=200)] = "",
    choose: Annotated[str, Query(max_length=254)] = "",
):
    return render(page.request, "console/new_ticket.html", console=caller_page(page, q, choose))


@router.post("/console/new", name="portal.console_new_submit")
def submit(page: PageDep, form: Annotated[callers.CallerForm, Form()]):
    try:
        ticket = callers.open_for(page.db, page.viewer, form)
    except Invalid as exc:
        where = frozenset(e.get("where", "") for e in exc.errors)
        refused = caller_page(page, "", form=form, errors=where)
        return render(page.request, "console/new_ticket.html", 422, console=refused)
    url = page.request.url_for("portal.console_ticket", number=ticket.number)
    return RedirectResponse(url, status_code=303)


def caller_page(page: Page, q: str, choose: str = "", form=None, errors=frozenset()) -> CallerPage:
    """The callers matching `q`, the form (filled from the one chosen) and the organisations."""
    found = callers.find(page.db, page.viewer, q)
    chosen = next((c for c in found if c.email == choose), None)
    form = form or callers.CallerForm.of(chosen)
    organisations = page.db.scalars(select(Organisation).order_by(Organisation.name).limit(500))
    return CallerPage(q, found, form, list(organisations), errors)
