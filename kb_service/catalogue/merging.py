"""Following a product merge: what pointed to the old product points to its successor.

When the company merges a product into another, the catalogue sync marks the old one
discontinued and `merged_into` its successor (never deleting it: history, tickets and old links
still name it), and this moves to the successor the articles' product links, the articles'
entitlement groups (`product:OLD` and its ranges become `product:NEW`, so owners keep reading
them), the organisations' marked ownership and the equipment items. Each moved article is
reindexed through the outbox. Tickets stay on the old product: they belong to the desk, which
kb_service may not reach, and a ticket was about what the client had then; the old product's
page says where it went.

Idempotent: once moved, nothing points to the old product and a second run moves nothing.
"""

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from kb_service import outbox
from kb_service.access import PRODUCT_GROUP_PREFIX, RANGE_MARK
from kb_service.accounts.models import AccessGroup, organisation_product
from kb_service.articles.models import article_group, article_product
from kb_service.articles.restrictions import MAX_NAME
from kb_service.articles.service import TOPIC
from kb_service.catalogue.models import Equipment, Product


def successor_of(products: dict[str, Product], code: str) -> str:
    """The last product of the chain of merges from `code` (a cycle ends where it closes)."""
    seen = {code}
    current = products[code]
    while current.merged_into and current.merged_into in products:
        if current.merged_into in seen:
            break
        seen.add(current.merged_into)
        current = products[current.merged_into]
    return current.code


def move_references(session: Session, old: Product, new: Product) -> bool:
    """Point what pointed to `old` at `new`; whether anything moved."""
    articles = _move_links(session, article_product, "article_id", old.id, new.id)
    marked = _move_links(session, organisation_product, "organisation_id", old.id, new.id)
    items = session.execute(
        update(Equipment).where(Equipment.product_id == old.id).values(product_id=new.id)
    ).rowcount
    articles |= _move_groups(session, old.code, new.code)
    for article_id in sorted(articles):
        outbox.emit(session, TOPIC, article_id, {"merged": old.code})
    session.flush()
    return bool(articles or marked or items)


def _move_links(session: Session, link, owner: str, old_id: int, new_id: int) -> set:
    """Move a link table's rows from one product to the other, without duplicates."""
    owner_column = link.c[owner]
    owners = set(session.scalars(select(owner_column).where(link.c.product_id == old_id)))
    if not owners:
        return set()
    linked = set(
        session.scalars(
            select(owner_column).where(link.c.product_id == new_id, owner_column.in_(owners))
        )
    )
    if owners - linked:
        session.execute(
            insert(link), [{owner: o, "product_id": new_id} for o in sorted(owners - linked)]
        )
    session.execute(delete(link).where(link.c.product_id == old_id))
    return owners


def _move_groups(session: Session, old_code: str, new_code: str) -> set[str]:
    """Move articles from the old product's entitlement groups to the same ones of the new."""
    prefix = PRODUCT_GROUP_PREFIX + old_code
    groups = session.scalars(
        select(AccessGroup).where(
            (AccessGroup.name == prefix)
            | AccessGroup.name.startswith(prefix + RANGE_MARK, autoescape=True)
        )
    ).all()
    moved: set[str] = set()
    for group in groups:
        articles = set(
            session.scalars(
                select(article_group.c.article_id).where(article_group.c.group_id == group.id)
            )
        )
        if not articles:
            continue
        name = PRODUCT_GROUP_PREFIX + new_code + group.name.removeprefix(prefix)
        if len(name) > MAX_NAME:
            continue  # the successor's longer code leaves no room for the range: kept as it was
        target = session.scalar(select(AccessGroup).where(AccessGroup.name == name))
        if target is None:
            target = AccessGroup(name=name, description="")
            session.add(target)
            session.flush()
        _move_group_links(session, group.id, target.id, articles)
        moved |= articles
    return moved


def _move_group_links(session: Session, old_id: int, new_id: int, articles: set[str]) -> None:
    present = set(
        session.scalars(
            select(article_group.c.article_id).where(
                article_group.c.group_id == new_id, article_group.c.article_id.in_(articles)
            )
        )
    )
    if articles - present:
        session.execute(
            insert(article_group),
            [{"article_id": a, "group_id": new_id} for a in sorted(articles - present)],
        )
    session.execute(delete(article_group).where(article_group.c.group_id == old_id))
