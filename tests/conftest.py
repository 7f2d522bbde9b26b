"""Shared fixtures: settings, a migrated database (SQLite, or PostgreSQL when
SPRAVKA_TEST_DATABASE_URL is set), a session, the app and an API client."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, not_, select, text
from sqlalchemy.engine import make_url

from kb_service.access import BUILTIN_GROUPS
from kb_service.accounts.models import AccessGroup
from kb_service.app import create_app, migrate_schema
from kb_service.config import Settings
from kb_service.db import Base, make_engine, make_sessionmaker
from kb_service.search.models import SEEDED_SYNONYM_GROUPS, SearchSynonym
from tickets.contracts.models import DEFAULT, Calendar, CalendarDay, ServiceContract
from tickets.models import SEEDED_CATEGORIES, TicketCategory

# The rows the migrations put in, which a fresh installation has and the tests keep.
MIGRATED = {
    AccessGroup.__table__: AccessGroup.name.in_(BUILTIN_GROUPS),
    Calendar.__table__: Calendar.name == DEFAULT,
    CalendarDay.__table__: CalendarDay.calendar_id.in_(
        select(Calendar.id).where(Calendar.name == DEFAULT)
    ),
    ServiceContract.__table__: ServiceContract.organisation_id.is_(None),
    TicketCategory.__table__: TicketCategory.slug.in_(SEEDED_CATEGORIES),
    SearchSynonym.__table__: SearchSynonym.id <= SEEDED_SYNONYM_GROUPS,
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> Iterator[str]:
    """SQLite in the session's temporary folder, or SPRAVKA_TEST_DATABASE_URL (PostgreSQL).

    Each parallel worker (pytest-xdist) gets a database of its own: on PostgreSQL a fresh
    one beside the given one, named after the worker and dropped at the end.
    """
    url = os.environ.get("SPRAVKA_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'spravka.db'}"
        return
    if worker_id == "master":
        yield url
        return
    own = make_url(url).set(database=f"{make_url(url).database}_{worker_id}")
    _recreate(own)
    yield own.render_as_string(hide_password=False)
    _drop(own)


def _recreate(url) -> None:
    _drop(url)
    with _server(url) as server:
        server.execute(f'CREATE DATABASE "{url.database}"')


def _drop(url) -> None:
    with _server(url) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _server(url):
    import psycopg

    server = url.set(drivername="postgresql", database="postgres")
    return psycopg.connect(server.render_as_string(hide_password=False), autocommit=True)


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    migrate_schema(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    """A session factory on the test database, emptied after each test.

    What the migrations themselves put in (MIGRATED) stays: a test must start from what a
    fresh installation has, no more.
    """
    yield make_sessionmaker(engine)
    empty(engine)


def empty(engine) -> None:
    """Delete every row but those the migrations put in (MIGRATED)."""
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in APPEND_ONLY:
                _empty_append_only(connection, table)
            elif table in MIGRATED:
                connection.execute(delete(table).where(not_(MIGRATED[table])))
            else:
                connection.execute(delete(table))


# Tables whose triggers refuse DELETE (kb_service/audit/models.py): tests lift them to empty.
APPEND_ONLY = ("audit_entry",)


def _empty_append_only(connection, table) -> None:
    """Empty a table guarded by triggers, putting the very same triggers back afterwards."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ALTER TABLE {table.name} DISABLE TRIGGER USER"))
        connection.execute(delete(table))
        connection.execute(text(f"ALTER TABLE {table.name} ENABLE TRIGGER USER"))
        return
    triggers = connection.execute(
        text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table.name},
    ).all()
    for name, _ in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    connection.execute(delete(table))
    for _, sql in triggers:
        connection.execute(text(sql))


@pytest.fixture
def session(sessions):
    with sessions() as session:
        yield session
        session.rollback()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-0123456789abcdef",
        feed_interval=0.05,
    )


@pytest.fixture
def app(settings, sessions):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def store(tmp_path: Path):
    from kb_service.storage import AttachmentStore

    return AttachmentStore(tmp_path / "attachments")
