"""The migrations create exactly the schema the models describe, on this run's database."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from kb_service.articles.models import Article, ArticleVersion
from kb_service.db import Base, alembic_config, make_engine, make_sessionmaker, migrate


def test_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_bodies_move_to_their_own_table_and_the_current_one_keeps_its_html(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
        connection.execute(text(OLD_ARTICLE), {"id": "a1", "version": 2, "md": "two"})
        connection.execute(text(OLD_ARTICLE), {"id": "a2", "version": 1, "md": "only"})
        for version, md in ((1, "one"), (2, "two")):
            connection.execute(text(OLD_VERSION), {"id": "a1", "version": version, "md": md})
    migrate(engine)
    with make_sessionmaker(engine)() as s:
        a1, a2 = s.get(Article, "a1"), s.get(Article, "a2")
        assert (a1.body_md, a1.body_html) == ("two", "<p>two</p>")
        assert (a2.body_md, a2.body_html) == ("only", "<p>only</p>")
        versions = s.scalars(select(ArticleVersion).order_by(ArticleVersion.version)).all()
        assert [v.body_md for v in versions] == ["one", "two"]
        assert versions[1].body_id == a1.body_id
    engine.dispose()


OLD_ARTICLE = (
    "INSERT INTO article (id, title, body_md, body_html, language, status, version, "
    "created_at, updated_at) VALUES (:id, 'T', :md, '<p>' || :md || '</p>', 'en', "
    "'published', :version, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)
OLD_VERSION = (
    "INSERT INTO article_version (article_id, version, title, body_md, language, status, "
    "groups, products, created_at) VALUES (:id, :version, 'T', :md, 'en', 'published', "
    "'[]', '[]', '2026-01-01 00:00:00')"
)
