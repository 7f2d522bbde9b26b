"""Browsing a product family: its products and the articles about them."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query

from kb_service.articles.models import Article
from kb_service.articles.service import list_for_products
from kb_service.catalogue.models import Product
from kb_service.catalogue.service import descendants, get_product, list_products
from kb_service.hostile_input import DB_INT_MAX
from portal.aggregates import kept_for
from portal.deps import Page, PageDep
from portal.templating import language_of, render

router = APIRouter()
PER_PAGE = 20


@dataclass(frozen=True)
class ProductPage:
    product: Product
    children: list[Product]
    articles: list[Article]
    total: int
    page_number: int
    # The product this one was merged into, when it was (its articles moved there).
    successor: Product | None = None

    @property
    def pages(self) -> int:
        return -(-self.total // PER_PAGE)


@router.get("/products/{code}", name="portal.product")
def show(
    page: PageDep,
    code: str,
    page_number: Annotated[int, Query(alias="page", ge=1, le=DB_INT_MAX)] = 1,
):
    language = language_of(page.request)
    shown = kept_for(
        page,
        ("product", code, page_number, language),
        lambda: product_page(page, code, page_number, language),
    )
    return render(page.request, "products/show.html", **vars(shown), pages=shown.pages)


def product_page(page: Page, code: str, page_number: int, language: str) -> ProductPage:
    """The product, its direct children and one page of the visible articles about it (of
    an article and its translation, the one in ``language``)."""
    product = get_product(page.db, code)
    total, articles = list_for_products(
        page.db,
        page.viewer,
        descendants(page.db, product.code),
        limit=PER_PAGE,
        offset=(page_number - 1) * PER_PAGE,
        language=language,
    )
    catalogue = list_products(page.db)
    children = [p for p in catalogue if p.parent_id == product.id]
    successor = next((p for p in catalogue if p.code == product.merged_into), None)
    return ProductPage(product, children, articles, total, page_number, successor)
