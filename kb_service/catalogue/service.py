"""The product catalogue: products with families and versions."""

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service import outbox
from kb_service.articles.models import article_product
from kb_service.articles.service import TOPIC as ARTICLE_TOPIC
from kb_service.catalogue.models import DISCONTINUED, Product, ProductVersion
from kb_service.errors import Conflict, Invalid, NotFound

# The outbox topic of a product created or changed (its name, family, description, versions,
# status): pages kept until the content changes (kb_service/response_cache.py) listen to it.
TOPIC = "catalogue.changed"


def list_products(session: Session) -> list[Product]:
    query = select(Product).options(selectinload(Product.parent)).order_by(Product.code)
    return list(session.scalars(query))


def get_product(session: Session, code: str) -> Product:
    """The product with its family loaded."""
    query = select(Product).where(Product.code == code).options(selectinload(Product.parent))
    product = session.scalar(query)
    if product is None:
        raise NotFound(f"no product {code!r}")
    return product


def save_product(
    session: Session,
    *,
    code: str,
    name: str,
    parent: str | None = None,
    versions: Iterable[str] = (),
    description: str = "",
    create_only: bool = False,
    status: str | None = None,
    merged_into: str | None = None,
) -> Product:
    """Create or update a product by its code (the catalogue sync is idempotent by code).

    ``status``, with ``merged_into``, is set when given (the sync's); left as it is otherwise.
    A change records a catalogue event; a move to another family reindexes its articles.
    """
    query = select(Product).where(Product.code == code).options(selectinload(Product.parent))
    product = session.scalar(query)
    if product is not None and create_only:
        raise Conflict(f"product {code!r} exists already")
    parent_product = None
    if parent:
        parent_product = session.scalar(select(Product).where(Product.code == parent))
        if parent_product is None:
            raise Invalid(f"unknown parent product {parent!r}")
        if product is not None and code in with_ancestors(session, [parent_product]):
            raise Invalid(f"product {code!r} cannot be its own ancestor")
    before = _shown(product) if product is not None else None
    if product is None:
        product = Product(code=code, name=name, versions=[])
        session.add(product)
    product.name = name
    product.description = description
    product.parent = parent_product
    known = {v.name for v in product.versions}
    product.versions.extend(
        ProductVersion(name=v) for v in dict.fromkeys(versions) if v not in known
    )
    if status is not None:
        product.status, product.merged_into = status, merged_into
    session.flush()
    after = _shown(product)
    if after != before:
        _changed(session, product)
    if before is not None and before.parent_id != after.parent_id:
        _reindex_below(session, product)
    return product


def discontinue(session: Session, product: Product) -> None:
    """Mark ``product`` discontinued (kept, with what points to it)."""
    if product.status != DISCONTINUED:
        product.status = DISCONTINUED
        _changed(session, product)


def _reindex_below(session: Session, product: Product) -> None:
    """Articles about ``product`` or a product below it are indexed with its families: moved to
    another family, they are saved to the outbox again, so the index's feed reindexes them."""
    linked = (
        select(article_product.c.article_id)
        .join(Product, Product.id == article_product.c.product_id)
        .where(Product.code.in_(descendants(session, product.code)))
        .distinct()
        .order_by(article_product.c.article_id)
    )
    for article_id in session.scalars(linked):
        outbox.emit(session, ARTICLE_TOPIC, article_id, {"moved": product.code})


def _changed(session: Session, product: Product) -> None:
    """Record in the caller's transaction that pages showing ``product`` are out of date."""
    outbox.emit(session, TOPIC, product.code, {"product": product.code})


class _Shown(NamedTuple):
    """What pages show of a product: a change of any of it records a catalogue event."""

    name: str
    description: str
    parent_id: int | None
    status: str
    merged_into: str | None
    versions: frozenset[str]


def _shown(product: Product) -> _Shown:
    versions = frozenset(v.name for v in product.versions)
    return _Shown(
        product.name,
        product.description,
        product.parent_id,
        product.status,
        product.merged_into,
        versions,
    )


def with_ancestors(session: Session, products: Iterable[Product]) -> list[str]:
    """Codes of the products and of every family above them (one query per level)."""
    codes: dict[str, None] = {}
    seen: set[int] = set()
    level = list(products)
    while level:
        parents = set()
        for product in level:
            if product.id not in seen:
                seen.add(product.id)
                codes[product.code] = None
                parents.add(product.parent_id)
        parents -= seen | {None}
        level = (
            list(session.scalars(select(Product).where(Product.id.in_(parents)))) if parents else []
        )
    return list(codes)


def ancestor_map(session: Session) -> dict[int, list[str]]:
    """For every product id, its code followed by the codes of its families, in one query."""
    products = {p.id: p for p in session.scalars(select(Product))}
    result: dict[int, list[str]] = {}
    for product_id in products:
        codes, current, seen = [], products.get(product_id), set()
        while current is not None and current.id not in seen:
            seen.add(current.id)
            codes.append(current.code)
            current = products.get(current.parent_id) if current.parent_id else None
        result[product_id] = codes
    return result


def families(session: Session) -> list[Product]:
    """Top-level products (families), by name."""
    query = select(Product).where(Product.parent_id.is_(None)).order_by(Product.name)
    return list(session.scalars(query))


def descendants(session: Session, code: str) -> list[str]:
    """The product's code and the codes of every product below it."""
    children: dict[int | None, list[Product]] = {}
    root = None
    for product in session.scalars(select(Product)):
        children.setdefault(product.parent_id, []).append(product)
        if product.code == code:
            root = product
    if root is None:
        raise NotFound(f"no product {code!r}")
    codes, stack, seen = [], [root], set()
    while stack:
        current = stack.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        codes.append(current.code)
        stack.extend(children.get(current.id, []))
    return codes
