"""Engines wait for another writer's lock a bounded, deliberate time."""

from sqlalchemy import text

from kb_service.db import LOCK_WAIT_SECONDS


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
