"""The article page and its "did this help?" vote."""

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse

from kb_service.articles.service import get_article
from kb_service.errors import NotFound
from kb_service.feedback.service import record_view, record_vote, vote_of_visit
from kb_service.hostile_input import DB_INT_MAX
from kb_service.search.service import record_click, similar
from portal.deps import IndexDep, PageDep
from portal.templating import render

router = APIRouter()


@router.get("/articles/{article_id}", name="portal.article")
def show(
    page: PageDep,
    index: IndexDep,
    article_id: str,
    s: Annotated[int | None, Query(le=DB_INT_MAX)] = None,
):
    article = get_article(page.db, page.viewer, article_id)
    record_view(page.db, page.viewer, article.id, page.visit_id)
    if s is not None:
        _click(page, s, article.id)
    related = similar(index, page.viewer, _about(article), limit=5, exclude=frozenset({article.id}))
    vote = vote_of_visit(page.db, article.id, page.visit_id)
    return render(page.request, "articles/show.html", article=article, related=related, vote=vote)


@router.post("/articles/{article_id}/feedback", name="portal.article_feedback")
def feedback(
    page: PageDep,
    article_id: str,
    helpful: Annotated[str, Form(pattern="^(yes|no)$")],
    comment: Annotated[str, Form(max_length=4000)] = "",
):
    vote = record_vote(page.db, page.viewer, article_id, page.visit_id,
                       helpful=helpful == "yes", comment=comment)  # fmt: skip
    if page.request.headers.get("hx-request"):
        return render(page.request, "articles/_feedback.html", article_id=article_id, vote=vote)
    url = page.request.url_for("portal.article", article_id=article_id)
    return RedirectResponse(f"{url}#feedback", status_code=303)


def _about(article) -> str:
    return " ".join([article.title, *(t.name for t in article.tags)])


def _click(page, event_id: int, article_id: str) -> None:
    # A stale or foreign search id in a shared link: the view still counts, the click not.
    with suppress(NotFound):
        record_click(page.db, page.viewer, event_id, article_id, page.visit_id)
