"""The knowledge base panel's forms on the console's ticket page: search the KB, link an
article that solved the ticket ("used"), flag one as wrong or outdated, take a link back,
write a draft article from a solved ticket, fill the reply from a standard answer.

Every form works without JavaScript (a POST that redirects back, a GET of the ticket page
with ?kb_q= or ?answer=); with htmx the search and the standard answer swap only their part.
"""

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse

from kb_service.errors import Conflict, Forbidden, Invalid, InvalidTransition
from portal.deps import Page, PageDep
from portal.templating import render
from portal.views.console.ticket import ticket_page
from tickets import conversion, desk, linking
from tickets.models import Ticket

router = APIRouter()

ArticleField = Annotated[str, Form(max_length=100)]
QueryText = Annotated[str | None, Query(max_length=200)]
AnswerId = Annotated[str | None, Query(max_length=100)]
# Where the editors' workspace shows an article (portal/views/console/articles.py).
EDITOR_PATH = "/console/articles/{article_id}"


@router.get("/console/tickets/{number}/kb/search", name="portal.console_kb_search")
def search(page: PageDep, number: str, kb_q: QueryText = None):
    """The panel alone, for htmx; the same search without JS is the ticket page's ?kb_q=."""
    console = ticket_page(page, number, kb_query=kb_q)
    return render(page.request, "console/_knowledge.html", console=console)


@router.get("/console/tickets/{number}/kb/answer", name="portal.console_kb_answer")
def answer(page: PageDep, number: str, answer: AnswerId = None):
    """The reply box filled from a standard answer, for htmx; without JS, ?answer= on the page."""
    console = ticket_page(page, number, answer_id=answer or None)
    return render(page.request, "console/_reply_box.html", console=console)


@router.post("/console/tickets/{number}/kb/link", name="portal.console_kb_link")
def link(page: PageDep, number: str, article_id: ArticleField):
    linking.link(page.db, page.viewer, _ticket(page, number), article_id)
    return _back(page, number)


@router.post("/console/tickets/{number}/kb/flag", name="portal.console_kb_flag")
def flag(
    page: PageDep,
    number: str,
    article_id: ArticleField,
    reason: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=linking.MAX_COMMENT)] = "",
):
    ticket = _ticket(page, number)
    try:
        linking.flag(page.db, page.viewer, ticket, article_id, reason, comment)
    except Invalid:
        page.db.rollback()
        return _refused(page, number, "invalid", 422)
    return _back(page, number)


@router.post("/console/tickets/{number}/kb/unlink", name="portal.console_kb_unlink")
def unlink(page: PageDep, number: str, article_id: ArticleField):
    linking.unlink(page.db, page.viewer, _ticket(page, number), article_id)
    return _back(page, number)


@router.post("/console/tickets/{number}/kb/article", name="portal.console_kb_article")
def create_article(page: PageDep, number: str):
    """A draft article from the solved ticket; then on to the editors' workspace."""
    try:
        article = conversion.draft_from_ticket(page.db, page.viewer, _ticket(page, number))
    except (Invalid, InvalidTransition, Conflict):
        page.db.rollback()
        return _refused(page, number, "conflict", 409)
    return RedirectResponse(EDITOR_PATH.format(article_id=article.id), status_code=303)


def _ticket(page: Page, number: str) -> Ticket:
    if not page.viewer.is_staff:
        raise Forbidden("the console is for staff")
    return desk.get(page.db, page.viewer, number)


def _back(page: Page, number: str) -> RedirectResponse:
    url = page.request.url_for("portal.console_ticket", number=number)
    return RedirectResponse(f"{url}#knowledge", status_code=303)


def _refused(page: Page, number: str, problem: str, status: int):
    console = ticket_page(page, number, failed="knowledge", problem=problem)
    return render(page.request, "console/ticket.html", status, console=console)
