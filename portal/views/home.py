"""The home page and type-ahead."""

from typing import Annotated

from fastapi import APIRouter, Query

from kb_service.articles.service import recent_articles
from kb_service.catalogue.service import families
from kb_service.feedback.service import popular_articles
from portal.aggregates import kept_for
from portal.deps import PageDep
from portal.templating import render

router = APIRouter()


@router.get("/", name="portal.home")
def home(page: PageDep):
    return render(
        page.request,
        "home/index.html",
        popular=kept_for(page, "popular", lambda: popular_articles(page.db, page.viewer, limit=6)),
        recent=kept_for(page, "recent", lambda: recent_articles(page.db, page.viewer, limit=6)),
        families=kept_for(page, "families", lambda: families(page.db)),
    )


@router.get("/suggest", name="portal.typeahead")
def typeahead(page: PageDep, q: Annotated[str, Query(max_length=200)] = ""):
    hits = page.search.suggest(page.viewer, q, limit=6)
    return render(page.request, "home/_typeahead.html", hits=hits, q=q)
