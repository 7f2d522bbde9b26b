"""Search results: snippets, facets as filters, pagination and "did you mean"."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from kb_service.articles.service import group_names_of, list_categories
from kb_service.catalogue.service import list_products
from kb_service.search.service import search as run_search
from portal.deps import IndexDep, PageDep
from portal.templating import render

router = APIRouter()
PER_PAGE = 10


@router.get("/search", name="portal.search")
def search(
    page: PageDep,
    index: IndexDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=500)] = 1,
    product: Annotated[str | None, Query(max_length=64)] = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    language: Literal["ru", "en"] | None = None,
):
    filters = {"product": product, "category": category, "language": language}
    result, event_id = run_search(
        page.db, index, page.viewer, q, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE,
        visit_id=page.visit_id, **filters,
    )  # fmt: skip
    audiences = group_names_of(page.db, [h.id for h in result.hits]) if page.viewer.is_staff else {}
    return render(
        page.request, "search/results.html", q=q, result=result, event_id=event_id,
        filters=filters, page_number=page_number, pages=-(-result.total // PER_PAGE),
        product_names={p.code: p.name for p in list_products(page.db)},
        category_names={c.slug: c.name for c in list_categories(page.db)}, audiences=audiences,
    )  # fmt: skip
