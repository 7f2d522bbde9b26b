"""The editors' feedback queue: readers' "not helpful" words and engineers' flags, each with
its article, newest first, until an editor marks it handled."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse

from kb_service.db import utcnow
from kb_service.feedback import queue
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import Page, PageDep, sign_in_first
from portal.templating import render
from tickets import flag_queue

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
PAGE_SIZE = 50


@dataclass(frozen=True)
class Item:
    """One entry of the queue, a vote or a flag, in the shape the page lists them."""

    kind: str  # "vote" or "flag"
    at: datetime
    article_id: str
    article_title: str
    words: str  # the reader's comment or the engineer's reason
    who: str | None
    handled_at: datetime | None
    handled_by: str | None
    ticket_id: int | None = None
    ticket_number: str | None = None
    vote_id: int | None = None


@router.get("/console/feedback", name="portal.editor_feedback")
def index(
    page: PageDep,
    handled: Annotated[bool, Query()] = False,
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
):
    if page.viewer.user_id is None:
        return sign_in_first(page.request, "/console/feedback")
    total = queue.count_votes(page.db, page.viewer, handled=handled) + flag_queue.count_flags(
        page.db, page.viewer, handled=handled
    )
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(page_number, pages)
    items = feedback_items(page, handled, page_number)
    return render(
        page.request, "editor/feedback.html", items=items, handled=handled, total=total,
        page_number=page_number, pages=pages,
    )  # fmt: skip


def feedback_items(page: Page, handled: bool, page_number: int = 1) -> list[Item]:
    """One page of votes and flags together, newest first. Each source gives its newest up to
    the end of the page, so the merge is exact; a queue is worked from its head, so the later
    pages that read more are the rare ones."""
    upto = page_number * PAGE_SIZE
    votes = [
        Item("vote", v.feedback.created_at, v.article_id, v.article_title, v.feedback.comment,
             v.reader, v.feedback.handled_at, v.handled_by, vote_id=v.feedback.id)
        for v in queue.votes(page.db, page.viewer, handled=handled, limit=upto)
    ]  # fmt: skip
    flags = [
        Item("flag", f.link.created_at, f.link.article_id, f.article_title, f.link.note,
             f.engineer, f.link.handled_at, f.handled_by, ticket_id=f.link.ticket_id,
             ticket_number=f.ticket_number)
        for f in flag_queue.flags(page.db, page.viewer, handled=handled, limit=upto)
    ]  # fmt: skip
    merged = sorted(votes + flags, key=lambda item: item.at, reverse=True)
    return merged[upto - PAGE_SIZE : upto]


@router.post("/console/feedback/votes/{vote_id}", name="portal.editor_vote_handled")
def vote_handled(page: PageDep, vote_id: Id):
    queue.mark_vote_handled(page.db, page.viewer, vote_id, utcnow())
    return _back(page)


@router.post("/console/feedback/flags/{ticket_id}/{article_id}", name="portal.editor_flag_handled")
def flag_handled(page: PageDep, ticket_id: Id, article_id: str):
    flag_queue.mark_flag_handled(page.db, page.viewer, ticket_id, article_id, utcnow())
    return _back(page)


def _back(page: Page) -> RedirectResponse:
    return RedirectResponse(page.request.url_for("portal.editor_feedback"), status_code=303)
