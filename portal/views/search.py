"""Search results: snippets, facets as filters, pagination and "did you mean"."""

from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from kb_service.articles.service import group_names_of, list_categories
from kb_service.catalogue.service import list_products
from kb_service.response_cache import reusable
from kb_service.search.service import SearchResult, search_replay
from portal.aggregates import kept_for
from portal.deps import Page, PageDep
from portal.templating import language_of, render

router = APIRouter()
PER_PAGE = 10


@dataclass(frozen=True)
class ResultsPage:
    q: str
    filters: dict[str, str | None]
    page_number: int
    result: SearchResult
    event_id: int | None  # the recorded search, so a click on a result can be attributed
    audiences: dict[str, list[str]]  # staff see each result's access groups
    product_names: dict[str, str]
    category_names: dict[str, str]

    @property
    def pages(self) -> int:
        return -(-self.result.total // PER_PAGE)


@router.get("/search", name="portal.search")
def search(
    page: PageDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
    product: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    language: Literal["ru", "en"] | None = None,
    exact: bool = False,
):
    filters = {"product": product, "category": category, "language": language}
    results = results_page(page, q, filters, page_number, exact=exact)
    if page.viewer.kind == "anonymous":
        event_id = results.event_id
        own = {"search": str(event_id)} if event_id is not None else {}
        reusable(page.request, own, search_replay(page.activity, q, results.result.total))
    return render(page.request, "search/results.html", **vars(results), pages=results.pages)


def results_page(
    page: Page, q: str, filters: dict, page_number: int, exact: bool = False
) -> ResultsPage:
    """One page of results with what the template needs to label them."""
    offset = (page_number - 1) * PER_PAGE
    result, event_id = page.search.search(
        page.db,
        page.viewer,
        q,
        limit=PER_PAGE,
        offset=offset,
        visit_id=page.visit_id,
        interface_language=language_of(page.request),
        exact=exact,
        **filters,
    )
    ids = [hit.id for hit in result.hits]
    return ResultsPage(
        q=q,
        filters=filters,
        page_number=page_number,
        result=result,
        event_id=event_id,
        audiences=group_names_of(page.db, ids) if page.viewer.is_staff else {},
        product_names=kept_for(page, "product names", lambda: _product_names(page)),
        category_names=kept_for(page, "category names", lambda: _category_names(page)),
    )


def _product_names(page: Page) -> dict[str, str]:
    return {p.code: p.name for p in list_products(page.db)}


def _category_names(page: Page) -> dict[str, str]:
    return {c.slug: c.name for c in list_categories(page.db)}
