"""Database: the declarative base, engines, sessions and the unit-of-work rule.

The caller owns the transaction: `session_scope` (jobs, CLI) and the API's session dependency
commit on success and roll back on error. Services only `flush()`.
"""

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.types import TypeDecorator

from kb_service.errors import Conflict, Invalid

# The core's migration scripts; other packages keep theirs in their own folders.
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
RACE_LOST = "someone else saved the same thing at the same moment; reload and try again"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite forgets the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# Longest a statement waits for another writer's lock before it fails. Writers hold locks
# briefly (activity is written in batches of about 1 s, an import of 20,000 articles in chunks
# and one switch of under 1 s, an article save in milliseconds), so 5 s is spare room, while a
# request stuck longer fails instead of holding its connection and thread (the old 30 s wait
# ran the pool dry).
LOCK_WAIT_SECONDS = 5
# AnyIO runs sync handlers on 40 threads per process; each may hold one connection. On SQLite
# connections are cheap files, so there is one per thread. On PostgreSQL 10 + 10 per process
# keeps 4 app processes and a worker under the default max_connections of 100.
SQLITE_POOL = {"pool_size": 10, "max_overflow": 30}
POSTGRES_POOL = {"pool_size": 10, "max_overflow": 10}
# Waiting longer than this for a free connection means the node is overloaded: fail fast.
POOL_TIMEOUT_SECONDS = 10


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": LOCK_WAIT_SECONDS},
            pool_timeout=POOL_TIMEOUT_SECONDS,
            **SQLITE_POOL,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_timeout=POOL_TIMEOUT_SECONDS,
            connect_args={"options": f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}"},
            **POSTGRES_POOL,
        )
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    return engine


def _refuse_nul(_conn, _cursor, _statement, parameters, _context, _executemany) -> None:
    # PostgreSQL refuses text holding NUL with a DataError from deep inside a flush (a 500);
    # the edges refuse it first, and what slips past is the caller's mistake on both engines.
    if any(isinstance(value, str) and "\x00" in value for value in _bound(parameters)):
        raise Invalid("text must not contain NUL characters")


def _bound(parameters) -> Iterator:
    """Every value bound to a statement: a row (tuple or mapping) or many of them."""
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, list | tuple):
        yield parameters
        return
    for value in parameters:
        if isinstance(value, dict | list | tuple):
            yield from _bound(value)
        else:
            yield value


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # WAL lets the portal read while the feed or an import writes; foreign keys are off by default.
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    A unique key or a version that another transaction took first is a conflict (409), not a
    failure: on PostgreSQL the database, not the service's own check, is what sees the race.
    """
    session = factory()
    try:
        yield session
        session.commit()
    except (IntegrityError, StaleDataError) as exc:
        session.rollback()
        raise Conflict(RACE_LOST) from exc
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """``session.begin_nested()``, inside the session's transaction on SQLite too.

    pysqlite opens a transaction only before a data change, so a SAVEPOINT coming first opened
    one of its own, and its RELEASE committed it: what the savepoint wrote stayed even when the
    transaction around it rolled back. Beginning the transaction first keeps it inside.
    """
    connection = session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.dbapi_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN")
    with session.begin_nested():
        yield


# The advisory lock that serialises migrations on PostgreSQL ("SPRM").
MIGRATE_LOCK = 0x5350524D


def migrate(engine: Engine, locations: Sequence[Path] = ()) -> None:
    """Create or upgrade the schema: the core's migrations and those in ``locations``.

    Packages above the core keep their own migration branches; the assembler (app, CLI)
    names them, so the core never imports them.
    """
    from alembic import command

    config = alembic_config(locations)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Several nodes upgraded at once all start by migrating: one migrates, the others
            # wait here (the DDL is transactional) and then find the schema at its head.
            connection.execute(text("SET LOCAL lock_timeout = '15min'"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATE_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def alembic_config(locations: Sequence[Path] = ()):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS.parent))
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations", os.pathsep.join(str(p) for p in (MIGRATIONS, *locations))
    )
    return config
