"""Engines wait for another writer's lock a bounded, deliberate time, and a savepoint stays
inside its transaction."""

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from kb_service.db import LOCK_WAIT_SECONDS, savepoint


def test_a_statement_waits_at_most_five_seconds_for_a_lock(engine):
    assert LOCK_WAIT_SECONDS == 5
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.scalar(text("PRAGMA busy_timeout")) == 5000
        else:
            assert connection.scalar(text("SHOW lock_timeout")) == "5s"


def test_the_pool_has_a_connection_for_every_request_thread(engine):
    # AnyIO's 40 worker threads on SQLite; 20 per process on PostgreSQL (see kb_service.db).
    capacity = engine.pool.size() + engine.pool._max_overflow
    assert capacity == (40 if engine.dialect.name == "sqlite" else 20)
    assert engine.pool._timeout == 10


def test_a_savepoint_rolls_back_with_the_transaction_around_it(engine, sessions):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (x INTEGER)"))
    try:
        with sessions() as session:
            session.execute(text("SELECT count(*) FROM probe"))  # a read opens nothing
            with savepoint(session):
                session.execute(text("INSERT INTO probe VALUES (1)"))
            session.execute(text("INSERT INTO probe VALUES (2)"))
            session.rollback()
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM probe")) == 0
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE probe"))


def test_a_failed_savepoint_keeps_the_work_before_it(engine, sessions):
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE probe (x INTEGER PRIMARY KEY)"))
    try:
        with sessions() as session:
            session.execute(text("INSERT INTO probe VALUES (1)"))
            try:
                with savepoint(session):
                    session.execute(text("INSERT INTO probe VALUES (1)"))
            except IntegrityError:
                pass
            session.execute(text("INSERT INTO probe VALUES (2)"))
            session.commit()
        with engine.connect() as connection:
            assert connection.scalars(text("SELECT x FROM probe ORDER BY x")).all() == [1, 2]
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE probe"))
