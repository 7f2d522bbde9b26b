"""The article page and its "did this help?" vote."""

from contextlib import suppress
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import RedirectResponse

from kb_service.activity import MAX_SEARCH_ID
from kb_service.articles.models import Article
from kb_service.articles.service import get_article
from kb_service.articles.workspace import translation_for
from kb_service.browser_session import VOTED
from kb_service.errors import NotFound
from kb_service.feedback.models import ArticleFeedback
from kb_service.feedback.service import record_view, record_vote, view_replay, vote_of_visit
from kb_service.response_cache import reusable
from kb_service.search.service import Hit, record_click
from portal.aggregates import article_weight, kept_for
from portal.deps import Page, PageDep
from portal.templating import language_of, render

router = APIRouter()
RELATED = 5


@dataclass(frozen=True)
class Translation:
    """The published article in the other language, when the viewer may read it."""

    id: str
    language: str


@dataclass(frozen=True)
class ArticlePage:
    article: Article
    related: list[Hit]
    vote: ArticleFeedback | None  # this visit's vote, so the form shows it instead of asking
    translation: Translation | None = None


@router.get("/articles/{article_id}", name="portal.article")
def show(
    page: PageDep, article_id: str, s: Annotated[int | None, Query(ge=1, le=MAX_SEARCH_ID)] = None
):
    shown = article_page(page, article_id, s)
    if page.viewer.kind == "anonymous" and s is None and shown.vote is None:
        reusable(page.request, replay=view_replay(page.activity, shown.article.id))
    return render(page.request, "articles/show.html", **vars(shown))


@router.post("/articles/{article_id}/feedback", name="portal.article_feedback")
def feedback(
    page: PageDep,
    article_id: str,
    helpful: Annotated[str, Form(pattern="^(yes|no)$")],
    comment: Annotated[str, Form(max_length=4000)] = "",
):
    vote = record_vote(
        page.db, page.viewer, article_id, page.visit_id, helpful=helpful == "yes", comment=comment
    )
    page.request.session[VOTED] = True  # this visit's article pages show its votes: not reused
    if page.request.headers.get("hx-request"):
        return render(page.request, "articles/_feedback.html", article_id=article_id, vote=vote)
    url = page.request.url_for("portal.article", article_id=article_id)
    return RedirectResponse(f"{url}#feedback", status_code=303)


def article_page(page: Page, article_id: str, search_id: int | None) -> ArticlePage:
    """A visible article, counted as viewed (and as the click of search ``search_id``)."""
    article = _visible_article(page, article_id)
    record_view(page.activity, page.viewer, article.id, page.visit_id)
    if search_id is not None:
        # A stale or foreign search id in a shared link: the view still counts, the click not.
        with suppress(NotFound):
            record_click(page.db, page.activity, page.viewer, search_id, article.id, page.visit_id)
    about = " ".join([article.title, *(t.name for t in article.tags)])
    related = page.search.similar(
        page.viewer,
        about,
        limit=RELATED,
        exclude=frozenset({article.id}),
        interface_language=language_of(page.request),
    )
    vote = vote_of_visit(page.db, article.id, page.visit_id)
    return ArticlePage(article, related, vote, _translation(page, article))


def _translation(page: Page, article: Article) -> Translation | None:
    def find() -> Translation | None:
        other = translation_for(page.db, page.viewer, article)
        return Translation(other.id, other.language) if other else None

    if page.viewer.is_staff:
        return find()
    return kept_for(page, ("translation", article.id), find)


def _visible_article(page: Page, article_id: str) -> Article:
    # Outside staff, what a viewer may read is decided by their groups alone (published
    # articles only), so the loaded article is kept per access key like the aggregates: its
    # six queries were a third of the page.
    if page.viewer.is_staff:
        return get_article(page.db, page.viewer, article_id)
    return kept_for(
        page,
        ("article", article_id),
        lambda: get_article(page.db, page.viewer, article_id),
        weight=article_weight,
    )
