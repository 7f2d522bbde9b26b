"""The import's write path: prepared without locks, staged in short transactions, switched in
all at once, or not at all."""

import pytest
from sqlalchemy import func, select, text, update

from kb_service.accounts.models import AccessGroup
from kb_service.articles import staging
from kb_service.articles.models import (
    Article,
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
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.models import Product
from kb_service.db import LOCK_WAIT_SECONDS, utcnow
from kb_service.errors import Conflict
from kb_service.importing import import_articles
from kb_service.outbox import OUTBOX_LOCK_KEY, OutboxEvent
from tests.builders import make_article, make_product


def _records(count: int, edition: str = "") -> list[tuple[int, ArticleImport]]:
    lines = [
        {
            "id": f"imp-{i}",
            "title": f"Article {i}",
            "body": f"Text {i}. {edition}",
            "language": "en",
        }
        for i in range(count)
    ]
    return [(n, ArticleImport.model_validate(line)) for n, line in enumerate(lines, 1)]


def _another_writer_gets_in(engine) -> bool:
    """Whether another connection can take the lock a writer needs, without waiting."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA busy_timeout=100")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except Exception:
                return False
            else:
                connection.exec_driver_sql("ROLLBACK")
                return True
            finally:  # the connection goes back to the pool: give it back its own wait
                connection.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
        got = connection.scalar(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_KEY}
        )
        connection.rollback()
        return got


@pytest.mark.parametrize("edition", ["create", "update"])
def test_others_can_write_while_an_import_prepares(sessions, engine, edition):
    if edition == "update":
        with sessions.begin() as s:
            import_articles(s, _records(1200))
    seen = []
    with sessions.begin() as s:
        report = import_articles(
            s, _records(1200, edition), lambda n: seen.append(_another_writer_gets_in(engine))
        )
    assert seen and all(seen)
    assert (report.created, report.updated) == ((1200, 0) if edition == "create" else (0, 1200))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxEvent)) == 1200 * (
            1 if edition == "create" else 2
        )
        assert s.get(Article, "imp-7").version == (1 if edition == "create" else 2)


def test_an_article_saved_during_the_import_stops_it_all(sessions):
    with sessions.begin() as s:
        make_article(s, id="imp-1", title="Before")

    def someone_saves(_count):
        with sessions.begin() as other:
            other.execute(update(Article).where(Article.id == "imp-1").values(version=5))

    with pytest.raises(Conflict), sessions.begin() as s:
        import_articles(s, _records(3), someone_saves)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Article)) == 1
        assert s.scalar(select(func.count()).select_from(ArticleVersion)) <= 1


def test_a_line_that_leaves_out_products_and_tags_keeps_them(sessions):
    with sessions.begin() as s:
        make_article(s, id="imp-0", title="Before", tags=["kept"])
    with sessions.begin() as s:
        report = import_articles(s, _records(1))
    assert report.updated == 1
    with sessions() as s:
        assert s.scalars(select(Tag.name).join(article_tag)).all() == ["kept"]
        assert s.get(Article, "imp-0").title == "Article 0"
        versions = s.scalars(
            select(ArticleVersion.version).where(ArticleVersion.article_id == "imp-0")
        )
        assert sorted(versions) == [1, 2]


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_nothing_is_visible_until_the_switch_and_nothing_stays_staged(sessions):
    with sessions.begin() as s:
        make_article(s, id="imp-0", title="Before", tags=["kept"])
    visible = []

    def look(_count_done):
        with sessions() as other:
            visible.append(
                (
                    _count(other, Article),
                    other.get(Article, "imp-0").title,
                    _count(other, OutboxEvent),
                )
            )

    with sessions.begin() as s:
        report = import_articles(s, _records(1200, "new"), look)
    assert (report.created, report.updated) == (1199, 1)
    assert visible and set(visible) == {(1, "Before", 1)}
    with sessions() as s:
        assert _count(s, Article) == 1200
        assert s.get(Article, "imp-0").title == "Article 0"
        assert [_count(s, m) for m in (StagedArticle, StagedLink, ImportBatch)] == [0, 0, 0]


def test_the_outbox_names_each_written_article_once_at_its_final_version(sessions):
    with sessions.begin() as s:
        import_articles(s, _records(3))
    records = _records(3)
    records[1] = (2, records[1][1].model_copy(update={"body": "Changed.", "status": "draft"}))
    with sessions.begin() as s:
        report = import_articles(s, records)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    with sessions() as s:
        events = s.scalars(select(OutboxEvent).order_by(OutboxEvent.id)).all()
    assert [(e.topic, e.key, e.payload) for e in events[3:]] == [
        ("article.saved", "imp-1", {"status": "draft", "version": 2})
    ]
    assert {e.key for e in events[:3]} == {"imp-0", "imp-1", "imp-2"}


def test_a_failed_import_leaves_nothing_staged(sessions):
    with sessions.begin() as s:
        make_article(s, id="imp-1", title="Before")

    def someone_saves(_count_done):
        with sessions.begin() as other:
            other.execute(update(Article).where(Article.id == "imp-1").values(version=5))

    with pytest.raises(Conflict), sessions.begin() as s:
        import_articles(s, _records(3), someone_saves)
    with sessions() as s:
        assert [_count(s, m) for m in (StagedArticle, StagedLink, ImportBatch)] == [0, 0, 0]
        assert _count(s, OutboxEvent) == 1


def test_an_import_whose_batch_another_discarded_stops_with_nothing_visible(sessions, engine):
    def another_import_starts(_count_done):
        staging.open_batch(engine, utcnow())  # discards every batch left staged, this one too

    with pytest.raises(Conflict), sessions.begin() as s:
        import_articles(s, _records(5), another_import_starts)
    with sessions() as s:
        assert _count(s, Article) == 0
        assert _count(s, OutboxEvent) == 0
        assert _count(s, StagedArticle) == 0


def test_an_import_after_a_killed_one_discards_its_leftovers(sessions, engine):
    batch = staging.open_batch(engine, utcnow())
    with engine.begin() as connection:
        staging.stage(connection, batch, *_staged_rows("left-1"))
    with sessions.begin() as s:
        report = import_articles(s, _records(2))
    assert report.created == 2
    with sessions() as s:
        assert s.get(Article, "left-1") is None
        assert [_count(s, m) for m in (StagedArticle, StagedLink, ImportBatch)] == [0, 0, 0]


def _staged_rows(article_id: str) -> tuple[list[dict], list[dict]]:
    now = utcnow()
    row = {
        "article_id": article_id,
        "read_version": None,
        "title": "Left",
        "body_md": "Left.",
        "body_html": "<p>Left.</p>",
        "language": "en",
        "status": "published",
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
        "category": None,
        "groups": ["public"],
        "products": [],
        "payload": {"status": "published", "version": 1},
    }
    return [row], [{"article_id": article_id, "kind": "group", "name": "public"}]


def test_a_reimport_moves_an_article_to_its_new_category_groups_and_products(sessions):
    with sessions.begin() as s:
        make_product(s, "LP-2040")
        make_product(s, "LP-3000")
    line = {"id": "imp-0", "title": "A", "body": "B", "language": "en"}
    first = {**line, "category": "howto", "groups": ["internal"], "products": ["LP-2040"]}
    second = {**line, "category": "faq", "groups": ["public"], "products": ["LP-3000"]}
    for record in (first, second):
        with sessions.begin() as s:
            import_articles(s, [(1, ArticleImport.model_validate(record))])
    with sessions() as s:
        article = s.get(Article, "imp-0")
        assert s.get(Category, article.category_id).slug == "faq"
        assert s.scalars(select(Product.code).join(article_product)).all() == ["LP-3000"]
        assert s.scalars(select(AccessGroup.name).join(article_group)).all() == ["public"]
        version = s.scalar(select(ArticleVersion).where(ArticleVersion.version == 2))
        assert (version.groups, version.products) == (["public"], ["LP-3000"])
