"""The home page, its type-ahead and the site's icon."""

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from kb_service.articles.service import recent_articles
from kb_service.catalogue.service import families
from kb_service.feedback.service import popular_articles
from kb_service.response_cache import PAGE_LIFETIME, reusable
from portal.aggregates import kept_for
from portal.deps import PageDep
from portal.templating import language_of, render

router = APIRouter()
FAVICON = Path(__file__).parents[1] / "static" / "favicon.ico"


@router.get("/", name="portal.home")
def home(page: PageDep):
    language = language_of(page.request)
    if page.viewer.kind == "anonymous":
        reusable(page.request, lifetime=PAGE_LIFETIME)  # the popular articles' view counts
    return render(
        page.request,
        "home/index.html",
        popular=kept_for(
            page,
            ("popular", language),
            lambda: popular_articles(page.db, page.viewer, limit=6, language=language),
            lifetime=PAGE_LIFETIME,  # views count without an outbox event
        ),
        recent=kept_for(
            page,
            ("recent", language),
            lambda: recent_articles(page.db, page.viewer, limit=6, language=language),
        ),
        families=kept_for(page, "families", lambda: families(page.db)),
    )


@router.get("/suggest", name="portal.typeahead")
def typeahead(page: PageDep, q: Annotated[str, Query(max_length=200)] = ""):
    language = language_of(page.request)
    hits = page.search.suggest(page.viewer, q, limit=6, interface_language=language)
    if page.viewer.kind == "anonymous":
        reusable(page.request)
    return render(page.request, "home/_typeahead.html", hits=hits, q=q)


@router.get("/favicon.ico", name="portal.favicon")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links to: an icon, not a 404 a day."""
    cache = {"Cache-Control": "public, max-age=86400"}
    return FileResponse(FAVICON, media_type="image/x-icon", headers=cache)
