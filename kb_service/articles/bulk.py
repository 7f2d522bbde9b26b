"""Saving many imported articles: prepare everything first, then write in one short step.

An import used to save article by article in one transaction, so it held SQLite's write
lock (and, on PostgreSQL, the outbox lock every article save needs) for its whole length:
224 s for 20,000 new articles and 495 s for 20,000 changed ones on the 2-core test machine
(bench/import_locks.py). Reading the current state and rendering Markdown take nearly all
of that and need no lock; the writes then go as bulk statements at the end of the
transaction, with the outbox last, and hold the locks for about a second.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from kb_service import outbox
from kb_service.access import PUBLIC
from kb_service.accounts.models import AccessGroup
from kb_service.articles.models import (
    Article,
    ArticleVersion,
    Category,
    Tag,
    article_group,
    article_product,
    article_tag,
)
from kb_service.articles.rendering import render_markdown
from kb_service.articles.schemas import ArticleCreate
from kb_service.catalogue.models import Product
from kb_service.errors import Conflict

TOPIC = "article.saved"  # the same event as a save by hand (articles.service)
# Statements of this many rows keep memory and SQLite's bound-variable limit in check.
CHUNK = 500


@dataclass
class Current:
    """What an article holds now, as far as an import line can change it."""

    row: dict
    products: set[str] = field(default_factory=set)
    groups: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)


@dataclass
class Prepared:
    """One article to write: its row, its collections and the version it was read at."""

    row: dict
    products: list[str]
    groups: list[str]
    tags: list[str]
    category: str | None
    read_version: int | None  # None: a new article


@dataclass
class Plan:
    articles: list[Prepared] = field(default_factory=list)
    unchanged: int = 0


def prepare(
    session: Session,
    records: list[ArticleCreate],
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Compare each record with the stored article and render what changed; writes nothing."""
    plan = Plan()
    for chunk in batched(records, CHUNK):
        current = _current(session, [r.id for r in chunk])
        for record in chunk:
            found = current.get(record.id)
            if found is not None and _unchanged(found, record):
                plan.unchanged += 1
            else:
                plan.articles.append(_prepared(record, found, now))
        if progress:
            progress(len(chunk))
    return plan


def write(session: Session, plan: Plan, now: datetime) -> None:
    """Write the plan in the caller's transaction, in bulk; the outbox rows last."""
    ids = _names(session, plan)
    new = [p for p in plan.articles if p.read_version is None]
    changed = [p for p in plan.articles if p.read_version is not None]
    for rows in batched([_with_category(p, ids) for p in new], CHUNK):
        session.execute(insert(Article.__table__), list(rows))
    for chunk in batched(changed, CHUNK):
        _update(session, chunk, ids)
    _replace_links(session, plan.articles, ids)
    versions = [_version_row(p, now) for p in plan.articles]
    for rows in batched(versions, CHUNK):
        session.execute(insert(ArticleVersion.__table__), list(rows))
    events = [(p.row["id"], _payload(p.row)) for p in plan.articles]
    # Last, so PostgreSQL's outbox lock (which every article save takes) is held only for this.
    outbox.emit_many(session, TOPIC, events)


def _current(session: Session, article_ids: list[str]) -> dict[str, Current]:
    table = Article.__table__
    rows = session.execute(
        select(table, Category.slug.label("category"))
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


def _prepared(record: ArticleCreate, found: Current | None, now: datetime) -> Prepared:
    # A field the line leaves out keeps what the article has (as a save by hand does).
    keep = found or Current({"version": 0, "published_at": None, "created_at": now})
    published_at = keep.row["published_at"]
    if record.status == "published" and published_at is None:
        published_at = now
    row = {
        "id": record.id,
        "title": record.title,
        "body_md": record.body,
        "body_html": render_markdown(record.body),
        "language": record.language,
        "status": record.status,
        "version": keep.row["version"] + 1,
        "created_at": keep.row["created_at"],
        "updated_at": now,
        "published_at": published_at,
    }
    return Prepared(
        row=row,
        products=sorted(record.products if record.products is not None else keep.products),
        groups=sorted(record.groups or [PUBLIC]),
        tags=sorted(record.tags if record.tags is not None else keep.tags),
        category=record.category if record.category is not None else keep.row.get("category"),
        read_version=found.row["version"] if found else None,
    )


@dataclass
class Names:
    """Ids of the products, groups, tags and categories the plan names."""

    products: dict[str, int]
    groups: dict[str, int]
    tags: dict[str, int]
    categories: dict[str, int]


def _names(session: Session, plan: Plan) -> Names:
    """Look up (and create the missing) groups, tags and categories the articles name."""
    tags = {t for p in plan.articles for t in p.tags}
    slugs = {p.category for p in plan.articles if p.category}
    groups = {g for p in plan.articles for g in p.groups}
    _add_missing(session, Tag, Tag.name, tags, lambda n: {"name": n})
    _add_missing(session, Category, Category.slug, slugs, _category_row)
    _add_missing(session, AccessGroup, AccessGroup.name, groups, _group_row)
    return Names(
        products=_ids(session, Product, Product.code),
        groups=_ids(session, AccessGroup, AccessGroup.name),
        tags=_ids(session, Tag, Tag.name),
        categories=_ids(session, Category, Category.slug),
    )


def _category_row(slug: str) -> dict:
    return {"slug": slug, "name": slug.replace("-", " ").capitalize()}


def _group_row(name: str) -> dict:
    return {"name": name, "description": ""}


def _add_missing(session: Session, model, column, wanted: set[str], row) -> None:
    missing = wanted - set(session.scalars(select(column)))
    if missing:
        session.execute(insert(model.__table__), [row(name) for name in sorted(missing)])


def _ids(session: Session, model, column) -> dict[str, int]:
    return {name: id_ for name, id_ in session.execute(select(column, model.id))}


def _with_category(prepared: Prepared, ids: Names) -> dict:
    return {**prepared.row, "category_id": ids.categories.get(prepared.category)}


def _update(session: Session, chunk: Iterable[Prepared], ids: Names) -> None:
    """Change stored articles, refusing all if one was saved since it was read."""
    table = Article.__table__
    chunk = list(chunk)
    rows = [
        {**_with_category(p, ids), "article_id": p.row["id"], "read_version": p.read_version}
        for p in chunk
    ]
    for row in rows:
        del row["id"], row["created_at"]
    # The columns set are the rows' other keys; an article saved since it was read is missed.
    statement = update(table).where(
        table.c.id == bindparam("article_id"), table.c.version == bindparam("read_version")
    )
    result = session.connection().execute(statement, rows)
    if result.rowcount != len(rows):
        raise Conflict("some articles were saved by someone else during the import; run it again")


def _replace_links(session: Session, articles: list[Prepared], ids: Names) -> None:
    """The products, groups and tags of each written article, as the file says."""
    article_ids = [p.row["id"] for p in articles if p.read_version is not None]
    links = (
        (article_product, "product_id", "products", ids.products),
        (article_group, "group_id", "groups", ids.groups),
        (article_tag, "tag_id", "tags", ids.tags),
    )
    for table, column, attribute, by_name in links:
        for chunk in batched(article_ids, CHUNK):
            session.execute(delete(table).where(table.c.article_id.in_(chunk)))
        rows = [
            {"article_id": p.row["id"], column: by_name[name]}
            for p in articles
            for name in getattr(p, attribute)
        ]
        for chunk in batched(rows, CHUNK):
            session.execute(insert(table), list(chunk))


def _version_row(prepared: Prepared, now: datetime) -> dict:
    row = prepared.row
    return {
        "article_id": row["id"],
        "version": row["version"],
        "title": row["title"],
        "body_md": row["body_md"],
        "language": row["language"],
        "status": row["status"],
        "groups": prepared.groups,
        "products": prepared.products,
        "editor_id": None,
        "created_at": now,
    }


def batched(items: Iterable, size: int) -> Iterator[tuple]:
    """`items` in tuples of `size` (itertools.batched from Python 3.12)."""
    iterator = iter(items)
    while chunk := tuple(islice(iterator, size)):
        yield chunk


def _payload(row: dict) -> dict:
    return {"status": row["status"], "version": row["version"]}


def counts(plan: Plan) -> dict[str, int]:
    """Created, updated and unchanged articles of a plan."""
    totals: dict[str, int] = defaultdict(int)
    for prepared in plan.articles:
        totals["updated" if prepared.read_version is not None else "created"] += 1
    return {"created": totals["created"], "updated": totals["updated"], "unchanged": plan.unchanged}
