"""The console's queues: views of the desk in a sidebar, filters, sorting and ticket search."""

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import APIRouter, Query

from kb_service.db import utcnow
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import Page, PageDep, sign_in_first
from portal.templating import render
from tickets import handling, queues
from tickets import search as ticket_search
from tickets.clocks import Clock, nearest
from tickets.models import PRIORITIES
from tickets.workflow import STATUSES

router = APIRouter()
Id = Annotated[int | None, Query(ge=1, le=DB_INT_MAX)]
Short = Annotated[str, Query(max_length=64)]


@dataclass(frozen=True)
class QueuePage:
    queue: queues.Queue
    filters: queues.Filters
    sort: str
    choices: handling.Choices
    due: dict[int, Clock]  # the nearest SLA clock of each row
    views: tuple[str, ...] = queues.VIEWS
    sorts: tuple[str, ...] = queues.SORTS
    statuses: tuple[str, ...] = STATUSES
    priorities: tuple[str, ...] = PRIORITIES


@router.get("/console", name="portal.console")
def index(
    page: PageDep,
    view: Short = "unassigned",
    q: Annotated[str, Query(max_length=200)] = "",
    status: Short = "",
    priority: Short = "",
    group: Id = None,
    assignee: Id = None,
    category: Short = "",
    sort: Short = "due",
    page_number: Annotated[int, Query(alias="page", ge=1, le=10_000)] = 1,
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console")
    filters = queues.Filters(q, status, priority, group, assignee, category)
    shown = queue_page(page, view, filters, sort, page_number)
    return render(page.request, "console/queue.html", console=shown)


def queue_page(page: Page, view: str, filters: queues.Filters, sort: str, number: int):
    """One page of a view, the sidebar's counts and what the filters offer."""
    now = utcnow()
    if filters.q.strip():
        index = page.request.app.state.ticket_index
        found = tuple(ticket_search.search(index, page.viewer, filters.q))
        filters = replace(filters, found=found)
    shown = queues.queue(page.db, page.viewer, view, filters, sort, number, queues.Moment.at(now))
    due = {ticket.id: nearest(ticket, now) for ticket in shown.rows}
    return QueuePage(shown, filters, sort, handling.choices(page.db), due)
