"""Writing an import's articles aside in short transactions, then switching them in at once.

Writing 20,000 full-size articles in the import's own transaction held SQLite's write lock
for 2.8-4.2 s on an idle 2-core machine and 9-17 s on a loaded one (bench/import_locks.py),
so article saves waited past 2 s. Now each chunk is written aside in a transaction of its
own (the lock is held for one chunk): the text to article_body, where nothing refers to it
yet, and the rest to the staging tables, which nobody reads. The switch, in the caller's
transaction, then copies the small staged rows into place with a few INSERT ... SELECT and
UPDATE ... FROM statements, so the import becomes visible at once, all of it, or (when it
fails or is killed) none of it. Copying the text too held the lock for 2-5 s: SQLite
rewrites a whole row on UPDATE, hence ArticleBody.

A batch is claimed by the switch (its `article_import_batch` row deleted) before the staged
rows are read, and discarded the same way, so a switch never reads rows half deleted. One
article import at a time: an import discards the staged rows left by earlier ones (killed or
failed, or still running, which then stops with a conflict and leaves nothing visible).
"""

import logging
import uuid
from datetime import datetime

from sqlalchemy import Connection, Engine, Select, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kb_service import outbox
from kb_service.accounts.models import AccessGroup
from kb_service.articles.models import (
    Article,
    ArticleBody,
    ArticleVersion,
    Category,
    ImportBatch,
    StagedArticle,
    StagedLink,
    Tag,
    article_group,
    article_product,
    article_tag,
)
from kb_service.catalogue.models import Product
from kb_service.errors import Conflict

log = logging.getLogger(__name__)
TOPIC = "article.saved"  # the same event as a save by hand (articles.service)
STAGED = StagedArticle.__table__
BODIES = ArticleBody.__table__
LINKS = StagedLink.__table__
BATCHES = ImportBatch.__table__
# Rows deleted per transaction when staged rows are discarded: short locks, as when staging.
DISCARD_CHUNK = 500
# Columns the switch copies from a staged row to the article, new or changed.
CONTENT = (
    "title",
    "body_id",
    "language",
    "status",
    "version",
    "updated_at",
    "published_at",
)
# kind of staged link: the link table, its column, and the named table with its name column
LINK_KINDS = {
    "product": (article_product, "product_id", Product, Product.code),
    "group": (article_group, "group_id", AccessGroup, AccessGroup.name),
    "tag": (article_tag, "tag_id", Tag, Tag.name),
}
DISCARDED = "another article import started and discarded this one; run it again"
SAVED_MEANWHILE = "some articles were saved by someone else during the import; run it again"


def open_batch(engine: Engine, now: datetime) -> str:
    """Discard what earlier imports left staged, and start a batch for this one."""
    with engine.connect() as connection:
        left = set(connection.scalars(select(BATCHES.c.id)))
        # Switched but killed before its staged rows were removed: no batch row any more.
        left |= set(connection.scalars(select(STAGED.c.batch).distinct()))
    for batch in sorted(left):
        discard(engine, batch)
    batch = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(insert(BATCHES).values(id=batch, started_at=now))
    return batch


def open_within(session: Session, now: datetime) -> str:
    """A batch staged and switched in the caller's transaction (which may have written)."""
    batch = str(uuid.uuid4())
    session.execute(insert(BATCHES).values(id=batch, started_at=now))
    return batch


def stage(connection: Connection, batch: str, articles: list[dict], links: list[dict]) -> None:
    """Write prepared articles (with their text) and their links aside.

    Nobody reads them before the switch: the bodies go to article_body, where only the
    staged rows refer to them until then.
    """
    if articles:
        bodies = [{k: row[k] for k in ("article_id", "body_md", "body_html")} for row in articles]
        returning = BODIES.c.id
        ids = connection.scalars(
            insert(BODIES).returning(returning, sort_by_parameter_order=True), bodies
        ).all()
        rows = [
            {**_without_text(row), "batch": batch, "body_id": body_id}
            for row, body_id in zip(articles, ids, strict=True)
        ]
        connection.execute(insert(STAGED), rows)
    if links:
        connection.execute(insert(LINKS), [{**row, "batch": batch} for row in links])


def _without_text(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in ("body_md", "body_html")}


def switch(session: Session, batch: str, created: int, updated: int) -> None:
    """Make the staged batch the articles' state, in the caller's transaction.

    Refuses all (Conflict) if the batch was discarded or an article changed since it was read.
    """
    claimed = session.execute(delete(BATCHES).where(BATCHES.c.id == batch)).rowcount
    mine = STAGED.c.batch == batch
    staged = session.scalar(select(func.count()).select_from(STAGED).where(mine))
    if claimed != 1 or staged != created + updated:
        raise Conflict(DISCARDED)
    _add_names(session, batch)
    article = Article.__table__
    category_id = select(Category.id).where(Category.slug == STAGED.c.category).scalar_subquery()
    new_rows = select(
        STAGED.c.article_id, STAGED.c.created_at, *(STAGED.c[c] for c in CONTENT), category_id
    ).where(mine, STAGED.c.read_version.is_(None))
    session.execute(
        insert(article).from_select(["id", "created_at", *CONTENT, "category_id"], new_rows)
    )
    changed = session.execute(
        update(article)
        .where(mine, article.c.id == STAGED.c.article_id)
        .where(article.c.version == STAGED.c.read_version)
        .values({**{c: STAGED.c[c] for c in CONTENT}, "category_id": category_id})
    )
    if changed.rowcount != updated:
        raise Conflict(SAVED_MEANWHILE)
    _replace_links(session, batch)
    _add_versions(session, batch)
    # Last, so PostgreSQL's outbox lock (which every article save takes) is held only for this.
    events = select(STAGED.c.article_id, STAGED.c.payload).where(mine)
    outbox.emit_selected(session, TOPIC, events.order_by(STAGED.c.article_id))


def _replace_links(session: Session, batch: str) -> None:
    changed = select(STAGED.c.article_id).where(
        STAGED.c.batch == batch, STAGED.c.read_version.is_not(None)
    )
    for kind, (table, column, model, name) in LINK_KINDS.items():
        session.execute(delete(table).where(table.c.article_id.in_(changed)))
        rows = (
            select(LINKS.c.article_id, model.id)
            .join(model, name == LINKS.c.name)
            .where(LINKS.c.batch == batch, LINKS.c.kind == kind)
        )
        session.execute(insert(table).from_select(["article_id", column], rows))


def _add_versions(session: Session, batch: str) -> None:
    columns = ("version", "title", "body_id", "language", "status", "groups", "products")
    rows = select(STAGED.c.article_id, *(STAGED.c[c] for c in columns), STAGED.c.updated_at).where(
        STAGED.c.batch == batch
    )
    target = ["article_id", *columns, "created_at"]
    session.execute(insert(ArticleVersion.__table__).from_select(target, rows))


def _add_names(session: Session, batch: str) -> None:
    """Create the tags, categories and access groups the batch names and nobody has yet."""

    def named(kind: str) -> set[str]:
        query = select(LINKS.c.name).where(LINKS.c.batch == batch, LINKS.c.kind == kind)
        return set(session.scalars(query.distinct()))

    slugs = select(STAGED.c.category).where(STAGED.c.batch == batch, STAGED.c.category.is_not(None))
    _add_missing(session, Tag, Tag.name, named("tag"), lambda n: {"name": n})
    _add_missing(
        session, Category, Category.slug, set(session.scalars(slugs.distinct())), _category_row
    )
    _add_missing(session, AccessGroup, AccessGroup.name, named("group"), _group_row)


def _category_row(slug: str) -> dict:
    return {"slug": slug, "name": slug.replace("-", " ").capitalize()}


def _group_row(name: str) -> dict:
    return {"name": name, "description": ""}


def _add_missing(session: Session, model, column, wanted: set[str], row) -> None:
    missing = wanted - set(session.scalars(select(column)))
    if missing:
        session.execute(insert(model.__table__), [row(name) for name in sorted(missing)])


def discard(engine: Engine, batch: str) -> None:
    """Remove a batch and its staged rows, a short transaction per chunk."""
    # Claimed first: a switch of the same batch either already holds it (and this waits for
    # it to end) or finds it gone; neither reads rows this is deleting.
    with engine.begin() as connection:
        connection.execute(delete(BATCHES).where(BATCHES.c.id == batch))
    for table in (LINKS, STAGED):
        while True:
            with engine.begin() as connection:
                chunk = (
                    select(table.c.article_id)
                    .where(table.c.batch == batch)
                    .order_by(table.c.article_id)
                    .limit(DISCARD_CHUNK)
                )
                if table is STAGED:
                    _delete_unused_bodies(connection, batch, chunk)
                gone = connection.execute(
                    delete(table).where(table.c.batch == batch, table.c.article_id.in_(chunk))
                ).rowcount
            if not gone:
                break


def _delete_unused_bodies(connection: Connection, batch: str, chunk: Select) -> None:
    """Bodies staged for articles in `chunk` that no version refers to (the switch never ran)."""
    staged = select(STAGED.c.body_id).where(STAGED.c.batch == batch, STAGED.c.article_id.in_(chunk))
    versions = ArticleVersion.__table__
    used = select(versions.c.id).where(versions.c.body_id == BODIES.c.id)
    connection.execute(delete(BODIES).where(BODIES.c.id.in_(staged), ~used.exists()))


def discard_within(session: Session, batch: str) -> None:
    """Remove a switched batch's staged rows in the caller's transaction."""
    for table in (LINKS, STAGED):
        session.execute(delete(table).where(table.c.batch == batch))


def discard_quietly(engine: Engine, batch: str) -> None:
    """Discard after the import ended; if that fails, the next import discards the rest."""
    try:
        discard(engine, batch)
    except SQLAlchemyError:
        log.warning("staged rows of article import %s left for the next import", batch)
