"""Shared fixtures: settings, a migrated database (SQLite, or PostgreSQL when
SPRAVKA_TEST_DATABASE_URL is set), a session, the app and an API client."""

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from kb_service.app import create_app
from kb_service.config import Settings
from kb_service.db import Base, make_engine, make_sessionmaker, migrate
from kb_service.demo import ensure_builtin_groups
from kb_service.models import load_all

load_all()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("SPRAVKA_TEST_DATABASE_URL")
    return url or f"sqlite:///{tmp_path_factory.mktemp('db') / 'spravka.db'}"


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    """A session factory on the test database, emptied after each test."""
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_builtin_groups(session)
    yield factory
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(delete(table))


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
