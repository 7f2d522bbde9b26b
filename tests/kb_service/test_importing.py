"""The import's write path: prepared without locks, written all at once, or not at all."""

import pytest
from sqlalchemy import func, select, text, update

from kb_service.articles.models import Article, ArticleVersion, Tag, article_tag
from kb_service.articles.schemas import ArticleImport
from kb_service.errors import Conflict
from kb_service.importing import import_articles
from kb_service.outbox import OUTBOX_LOCK_KEY, OutboxEvent
from tests.builders import make_article


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
            connection.exec_driver_sql("ROLLBACK")
            return True
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
