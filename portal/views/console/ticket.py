"""The console's ticket page: classify, assign, reply, note, escalate, resolve, with the SLA
clocks, the client's search trail and the history beside the conversation."""

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse
from sqlalchemy.orm.exc import StaleDataError

from kb_service.catalogue.equipment import organisation_equipment, warranty_state
from kb_service.catalogue.models import Equipment
from kb_service.db import utcnow
from kb_service.errors import Conflict, Forbidden, Invalid
from portal.deps import Page, PageDep, sign_in_first
from portal.templating import render
from portal.views.console.knowledge import Knowledge, knowledge
from tickets import desk, handling, workflow
from tickets.clocks import Clock, clocks
from tickets.models import Ticket, TicketEvent, TicketMessage
from tickets.trail import Trail, summary

router = APIRouter()


@dataclass(frozen=True)
class TicketPage:
    ticket: Ticket
    messages: list[TicketMessage]
    history: list[TicketEvent]
    actions: list[str]
    clocks: list[Clock]
    trail: Trail
    choices: handling.Choices
    # Names for the ids a history entry changed (assignee_id -> {id: name}, ...).
    names: dict[str, dict]
    form: handling.ActionForm = field(default_factory=handling.ActionForm)
    failed: str = ""  # the action whose form was refused
    problem: str = ""  # "invalid", "conflict" or "stale"
    errors: frozenset[str] = frozenset()  # the fields to correct
    kb: Knowledge | None = None  # the knowledge base panel and the standard answers
    # The ticket organisation's items it may name, and its item's warranty state.
    equipment: list[Equipment] = field(default_factory=list)
    warranty: str = ""


@router.get("/console/tickets/{number}", name="portal.console_ticket")
def show(
    page: PageDep,
    number: str,
    kb_q: Annotated[str | None, Query(max_length=200)] = None,
    answer: Annotated[str | None, Query(max_length=100)] = None,
):
    """The ticket; `kb_q` searches the knowledge base, `answer` fills the reply from a
    standard answer (the panel's forms without JavaScript)."""
    if page.viewer.user_id is None:
        return sign_in_first(
            page.request, f"/console/tickets/{number}" if number.isdigit() else "/console"
        )
    console = ticket_page(page, number, kb_query=kb_q, answer_id=answer or None)
    return render(page.request, "console/ticket.html", console=console)


@router.post("/console/tickets/{number}/{action}", name="portal.console_action")
def act(page: PageDep, number: str, action: str, form: Annotated[handling.ActionForm, Form()]):
    refused = act_page(page, number, action, form)
    if refused is None:
        url = page.request.url_for("portal.console_ticket", number=number)
        return RedirectResponse(f"{url}#{action}", status_code=303)
    status = 422 if refused.problem == "invalid" else 409
    return render(page.request, "console/ticket.html", status, console=refused)


def act_page(page: Page, number: str, action: str, form: handling.ActionForm):
    """Take the action; on a refusal, the page again with the form as typed and why."""
    try:
        handling.act(page.db, page.viewer, number, action, form)
        return None
    except (Invalid, Conflict, StaleDataError) as exc:
        # Nothing of a refused action may be saved with the page that reports it.
        page.db.rollback()
        where = frozenset(e.get("where", "") for e in getattr(exc, "errors", None) or [])
        problem = _problem(exc)
        return ticket_page(page, number, form=form, failed=action, problem=problem, errors=where)


def _problem(exc: Exception) -> str:
    """Why an action was refused, as the page says it."""
    if isinstance(exc, Invalid):
        return "invalid"
    stale = isinstance(exc, StaleDataError) or exc.message == handling.STALE
    return "stale" if stale else "conflict"


def ticket_page(
    page: Page, number: str, kb_query: str | None = None, answer_id: str | None = None, **refusal
) -> TicketPage:
    """The ticket with everything the console shows about it, in a fixed number of queries."""
    if not page.viewer.is_staff:
        raise Forbidden("the console is for staff")
    ticket = desk.get(page.db, page.viewer, number)
    kb = knowledge(page, ticket, kb_query, answer_id)
    actor = desk.actor_for(page.viewer, ticket)
    choices = handling.choices(page.db)
    items = organisation_equipment(page.db, ticket.organisation_id)
    item = ticket.equipment
    return TicketPage(
        ticket=ticket,
        messages=desk.conversation(ticket, page.viewer),
        history=desk.history(ticket, page.viewer),
        actions=[
            a
            for a in workflow.allowed_actions(ticket.status, actor.actors)
            if a in handling.ACTIONS
        ],
        clocks=clocks(ticket, utcnow()),
        trail=summary(page.db, ticket.trail or {}),
        choices=choices,
        names={
            "assignee_id": {u.id: u.name for u in choices.staff},
            "group_id": {g.id: g.name for g in choices.groups},
            "category_id": {c.id: c for c in choices.categories},
            "product_id": {p.id: p.name for p in choices.products},
            "article": {link.article.id: link.article.title for link in kb.links},
            "equipment_id": {i.id: _label(i) for i in [*items, *([item] if item else [])]},
        },
        kb=kb,
        equipment=items,
        warranty=warranty_state(item.warranty_until, utcnow().date()) if item else "",
        **refusal,
    )


def _label(item: Equipment) -> str:
    return " · ".join(p for p in (item.product.name, item.serial, item.location) if p)
