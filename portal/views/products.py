"""Browsing a product family: its products and the articles about them."""

from typing import Annotated

from fastapi import APIRouter, Query

from kb_service.articles.service import list_for_products
from kb_service.catalogue.service import descendants, get_product, list_products
from kb_service.hostile_input import DB_INT_MAX
from portal.deps import PageDep
from portal.templating import render

router = APIRouter()
PER_PAGE = 20


@router.get("/products/{code}", name="portal.product")
def show(
    page: PageDep,
    code: str,
    page_number: Annotated[int, Query(alias="page", ge=1, le=DB_INT_MAX)] = 1,
):
    product = get_product(page.db, code)
    codes = descendants(page.db, product.code)
    total, articles = list_for_products(
        page.db, page.viewer, codes, limit=PER_PAGE, offset=(page_number - 1) * PER_PAGE
    )
    children = [p for p in list_products(page.db) if p.parent_id == product.id]
    return render(
        page.request, "products/show.html", product=product, children=children,
        articles=articles, total=total, page_number=page_number, pages=-(-total // PER_PAGE),
    )  # fmt: skip
