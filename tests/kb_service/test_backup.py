"""`spravka backup create|restore`: one archive of the whole database and the attachments,
restored into an empty database of the other engine; a damaged archive changes nothing."""

import os
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from kb_service.accounts import service as accounts
from kb_service.accounts.models import User
from kb_service.articles.models import Article
from kb_service.audit.models import AuditEntry
from kb_service.cli import app as cli
from kb_service.db import Base, make_engine, make_sessionmaker
from kb_service.demo import load_demo
from kb_service.storage import AttachmentStore
from tickets.demo import load_desk_demo
from tickets.models import Ticket, TicketAttachment

PG = os.environ.get("SPRAVKA_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture
def source(settings, sessions, database_url, tmp_path):
    """This run's database with the demo content, the desk's demo and one attachment file."""
    store = AttachmentStore(tmp_path / "source-attachments")
    with sessions.begin() as s:
        load_demo(s)
        load_desk_demo(s)
        ticket = s.scalars(select(Ticket).order_by(Ticket.id)).first()
        key = store.put(b"%PDF-1.4 the scanned invoice")
        s.add(TicketAttachment(ticket_id=ticket.id, filename="invoice.pdf", sha256=key,
                               content_type="application/pdf", size=28))  # fmt: skip
    return {"SPRAVKA_DATABASE_URL": database_url, "SPRAVKA_DATA_DIR": str(settings.data_dir),
            "SPRAVKA_ATTACHMENTS_DIR": str(store.root), "SPRAVKA_SECRET_KEY": "k" * 40}  # fmt: skip


@pytest.fixture
def other_engine(database_url, tmp_path):
    """An empty database of the other engine than this run's (PostgreSQL <-> SQLite)."""
    if database_url.startswith("sqlite"):
        server = make_url(os.environ.get("SPRAVKA_TEST_DATABASE_URL") or f"{PG}/postgres")
        name = f"spravka_restore_{uuid.uuid4().hex[:8]}"
        admin = server.set(drivername="postgresql", database="postgres")
        try:
            import psycopg

            with psycopg.connect(admin.render_as_string(hide_password=False),
                                 autocommit=True, connect_timeout=3) as c:  # fmt: skip
                c.execute(f'CREATE DATABASE "{name}"')
        except Exception as exc:  # noqa: BLE001
            pytest.skip(f"no PostgreSQL to restore into: {exc}")
        url = server.set(database=name).render_as_string(hide_password=False)
        yield url
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def _run(env: dict, *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return {
                t.name: c.scalar(select(func.count()).select_from(t))
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def test_an_archive_restores_into_an_empty_database_of_the_other_engine(
    source, other_engine, database_url, tmp_path
):
    archive = tmp_path / "spravka.tar.gz"
    created = _run(source, "backup", "create", str(archive))
    assert created.exit_code == 0, created.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "tables/ticket.jsonl" in names
    assert sum(n.startswith("attachments/") for n in names) == 1

    target = {**source, "SPRAVKA_DATABASE_URL": other_engine,
              "SPRAVKA_DATA_DIR": str(tmp_path / "restored-data"),
              "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "restored-attachments")}  # fmt: skip
    restored = _run(target, "backup", "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert _counts(other_engine) == _counts(database_url)

    engine = make_engine(other_engine)
    try:
        with engine.connect() as c:
            assert c.scalar(select(func.count()).select_from(Article)) > 10
            hashes = dict(c.execute(select(User.email, User.password_hash)).all())
            key = c.scalar(
                select(TicketAttachment.sha256).where(TicketAttachment.sha256.is_not(None))
            )
        source_engine = make_engine(database_url)
        with source_engine.connect() as c:
            assert hashes == dict(c.execute(select(User.email, User.password_hash)).all())
        source_engine.dispose()
    finally:
        engine.dispose()
    assert AttachmentStore(tmp_path / "restored-attachments").read(key).startswith(b"%PDF")
    # The indexes were rebuilt: the restored node finds the demo's articles.
    assert (tmp_path / "restored-data" / "index").is_dir()
    # New rows continue after the restored ids (PostgreSQL's sequences were moved on).
    engine = make_engine(other_engine)
    try:
        with make_sessionmaker(engine).begin() as s:
            user = accounts.create_user(s, email="new@example.test", name="New", roles=["client"])
            s.flush()
            assert user.id > max(hashes and [1])
    finally:
        engine.dispose()


def test_backups_made_and_restored_are_audited(source, other_engine, database_url, tmp_path):
    archive = tmp_path / "audited.tar.gz"
    assert _run(source, "backup", "create", str(archive)).exit_code == 0
    target = {**source, "SPRAVKA_DATABASE_URL": other_engine,
              "SPRAVKA_DATA_DIR": str(tmp_path / "restored-data"),
              "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "restored-attachments")}  # fmt: skip
    assert _run(target, "backup", "restore", str(archive)).exit_code == 0
    for url, action in ((database_url, "backup.created"), (other_engine, "backup.restored")):
        engine = make_engine(url)
        try:
            with engine.connect() as c:
                last = c.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        finally:
            engine.dispose()
        assert (last.action, last.actor_label, last.target_id) == (action, "cli", archive.name)


def test_a_damaged_archive_is_refused_and_changes_nothing(source, other_engine, tmp_path):
    archive = tmp_path / "spravka.tar.gz"
    assert _run(source, "backup", "create", str(archive)).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    target = {**source, "SPRAVKA_DATABASE_URL": other_engine,
              "SPRAVKA_DATA_DIR": str(tmp_path / "restored-data"),
              "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "restored-attachments")}  # fmt: skip
    result = _run(target, "backup", "restore", str(damaged))
    assert result.exit_code == 2
    assert "error:" in result.output
    counts = _counts(other_engine)
    assert counts["article"] == counts["ticket"] == counts["user_account"] == 0
    assert not any(Path(tmp_path / "restored-attachments").rglob("*.pdf"))
    assert not (tmp_path / "restored-attachments").exists() or not any(
        p.is_file() for p in (tmp_path / "restored-attachments").rglob("*")
    )


def test_restore_refuses_a_database_that_holds_data(source, tmp_path):
    archive = tmp_path / "spravka.tar.gz"
    assert _run(source, "backup", "create", str(archive)).exit_code == 0
    result = _run(source, "backup", "restore", str(archive))
    assert result.exit_code == 2
    assert "empty" in result.output


def test_create_never_overwrites_an_archive(source, tmp_path):
    archive = tmp_path / "spravka.tar.gz"
    archive.write_bytes(b"precious")
    result = _run(source, "backup", "create", str(archive))
    assert result.exit_code == 2 and archive.read_bytes() == b"precious"
