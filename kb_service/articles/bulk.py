"""Importing many articles: prepared without locks, staged in short steps, switched in at once.

An import used to save article by article in one transaction, so it held SQLite's write
lock (and, on PostgreSQL, the outbox lock every article save needs) for its whole length:
224 s for 20,000 new articles and 495 s for 20,000 changed ones on the 2-core test machine
(bench/import_locks.py). Reading the current state and rendering Markdown take nearly all
of that and need no lock. Writing everything in one bulk step at the end still held the
lock for 3-4 s (9-17 s under load), so each chunk is now written aside as it is prepared,
and one short switch makes the whole import visible (kb_service.articles.staging).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb_service.access import PUBLIC
from kb_service.accounts.models import AccessGroup
from kb_service.articles import staging
from kb_service.articles.models import (
    Article,
    ArticleBody,
    Category,
    Tag,
    article_group,
    article_product,
    article_tag,
)
from kb_service.articles.rendering import render_markdown
from kb_service.articles.schemas import ArticleCreate
from kb_service.catalogue.models import Product

# Articles read, rendered and staged at a time: one short write transaction each, and
# statements within SQLite's bound-variable limit.
CHUNK = 500


@dataclass
class Current:
    """What an article holds now, as far as an import line can change it."""

    row: dict
    products: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def save(
    session: Session,
    records: list[ArticleCreate],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    aside: bool = True,
) -> Counts:
    """Write what changed in the records; visible when the caller's transaction commits.

    With `aside` the articles are staged in transactions of their own while the caller's
    transaction only switches them in, so on SQLite the caller must not have written yet.
    Without it everything goes through the caller's transaction (a caller that has written).
    """
    engine = session.get_bind()
    batch = staging.open_batch(engine, now) if aside else staging.open_within(session, now)
    if aside:
        # Staged rows live in their own transactions: gone with the caller's, whatever its end.
        for end in ("after_commit", "after_rollback"):
            event.listen(session, end, lambda _s: staging.discard_quietly(engine, batch), once=True)
    counts = Counts()
    for chunk in batched(records, CHUNK):
        articles, links = _prepare(session, chunk, now, counts)
        if aside:
            with engine.begin() as connection:
                staging.stage(connection, batch, articles, links)
        else:
            staging.stage(session.connection(), batch, articles, links)
        if progress:
            progress(len(chunk))
    staging.switch(session, batch, counts.created, counts.updated)
    if not aside:
        staging.discard_within(session, batch)
    return counts


def _prepare(
    session: Session, chunk: Iterable[ArticleCreate], now: datetime, counts: Counts
) -> tuple[list[dict], list[dict]]:
    """Staged rows and links of the records that change something; counts every record."""
    current = _current(session, [r.id for r in chunk])
    articles, links = [], []
    for record in chunk:
        found = current.get(record.id)
        if found is not None and _unchanged(found, record):
            counts.unchanged += 1
            continue
        counts.created += found is None
        counts.updated += found is not None
        article, article_links = _staged(record, found, now)
        articles.append(article)
        links += article_links
    return articles, links


def _current(session: Session, article_ids: list[str]) -> dict[str, Current]:
    table = Article.__table__
    rows = session.execute(
        select(table, Category.slug.label("category"), ArticleBody.body_md)
        .join(ArticleBody, ArticleBody.id == table.c.body_id)
        .outerjoin(Category, Category.id == table.c.category_id)
        .where(table.c.id.in_(article_ids))
    ).mappings()
    current = {row["id"]: Current(dict(row)) for row in rows}
    links = (
        ("products", article_product, Product, Product.code),
        ("groups", article_group, AccessGroup, AccessGroup.name),
        ("tags", article_tag, Tag, Tag.name),
    )
    for attribute, link, model, name in links:
        other = next(c for c in link.c if c.name != "article_id")
        query = (
            select(link.c.article_id, name)
            .join(model, model.id == other)
            .where(link.c.article_id.in_(list(current)))
        )
        for article_id, value in session.execute(query):
            getattr(current[article_id], attribute).add(value)
    return current


def _unchanged(found: Current, record: ArticleCreate) -> bool:
    row = found.row
    return (
        (row["title"], row["body_md"], row["language"], row["status"], row["category"])
        == (record.title, record.body, record.language, record.status, record.category)
        and found.products == set(record.products or [])
        and found.groups == set(record.groups or [PUBLIC])
        and found.tags == set(record.tags or [])
    )


def _staged(record: ArticleCreate, found: Current | None, now: datetime) -> tuple[dict, list[dict]]:
    """The staged row of an article as the record leaves it, and its links."""
    # A field the line leaves out keeps what the article has (as a save by hand does).
    keep = found or Current({"version": 0, "published_at": None, "created_at": now})
    published_at = keep.row["published_at"]
    if record.status == "published" and published_at is None:
        published_at = now
    version = keep.row["version"] + 1
    products = sorted(record.products if record.products is not None else keep.products)
    groups = sorted(record.groups or [PUBLIC])
    tags = sorted(record.tags if record.tags is not None else keep.tags)
    row = {
        "article_id": record.id,
        "read_version": found.row["version"] if found else None,
        "title": record.title,
        "body_md": record.body,
        "body_html": render_markdown(record.body),
        "language": record.language,
        "status": record.status,
        "version": version,
        "created_at": keep.row["created_at"],
        "updated_at": now,
        "published_at": published_at,
        "category": record.category if record.category is not None else keep.row.get("category"),
        "groups": groups,
        "products": products,
        "payload": {"status": record.status, "version": version},
    }
    links = [
        {"article_id": record.id, "kind": kind, "name": name}
        for kind, names in (("product", products), ("group", groups), ("tag", tags))
        for name in names
    ]
    return row, links


def batched(items: Iterable, size: int) -> Iterator[tuple]:
    """`items` in tuples of `size` (itertools.batched from Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk
