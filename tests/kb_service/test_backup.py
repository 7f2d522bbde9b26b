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

from indexer.index import SearchIndex
from kb_service.access import Viewer
from kb_service.accounts import service as accounts
from kb_service.cli import app as cli
from kb_service.db import Base, make_engine, make_sessionmaker
from kb_service.demo import load_demo
from kb_service.search.feed import rebuild
from kb_service.search.service import SearchService
from kb_service.storage import AttachmentStore
from tickets.demo import load_desk_demo
from tickets.models import Ticket, TicketAttachment

STAFF = Viewer(kind="staff", user_id=None, roles=frozenset({"admin"}), groups=None)
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


def _postgres_database(tmp_path):
    """A fresh PostgreSQL database beside this run's (or on the local server), dropped after."""
    import psycopg

    server = make_url(os.environ.get("SPRAVKA_TEST_DATABASE_URL") or f"{PG}/postgres")
    name = f"spravka_restore_{uuid.uuid4().hex[:8]}"
    admin = server.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False),
                             autocommit=True, connect_timeout=3) as c:  # fmt: skip
            c.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"no PostgreSQL to restore into: {exc}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["same engine", "other engine"])
def target_url(request, database_url, tmp_path):
    """An empty database of this run's engine, or of the other (PostgreSQL <-> SQLite)."""
    on_sqlite = database_url.startswith("sqlite")
    if on_sqlite == (request.param == "same engine"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        yield from _postgres_database(tmp_path)


@pytest.fixture
def other_engine(database_url, tmp_path):
    if database_url.startswith("sqlite"):
        yield from _postgres_database(tmp_path)
    else:
        yield f"sqlite:///{tmp_path / 'restored.db'}"


def _run(env: dict, *args: str):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _rows(url: str) -> dict[str, list[dict]]:
    """Every row of every table, in primary-key order, as the models read them."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return {
                t.name: [
                    dict(row)
                    for row in c.execute(select(t).order_by(*t.primary_key.columns)).mappings()
                ]
                for t in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _found(url: str, index_dir: Path, queries: list[str]) -> list[list[str]]:
    """What a staff search finds for each query in the index of that database."""
    engine = make_engine(url)
    index = SearchIndex(index_dir)
    try:
        service = SearchService(index)
        with make_sessionmaker(engine)() as session:
            return [[h.id for h in service.search(session, STAFF, q)[0].hits] for q in queries]
    finally:
        index.close()
        engine.dispose()


def _files(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


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


QUERIES = ["принтер печать", "VPN", "лицензия", "toner", "сканер"]


def test_an_archive_restores_every_row_byte_and_answer(source, target_url, database_url, tmp_path):
    archive = tmp_path / "spravka.tar.gz"
    created = _run(source, "backup", "create", str(archive))
    assert created.exit_code == 0, created.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "tables/ticket.jsonl" in names
    assert sum(n.startswith("attachments/") for n in names) == 1

    target = {**source, "SPRAVKA_DATABASE_URL": target_url,
              "SPRAVKA_DATA_DIR": str(tmp_path / "restored-data"),
              "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "restored-attachments")}  # fmt: skip
    restored = _run(target, "backup", "restore", str(archive))
    assert restored.exit_code == 0, restored.output

    # Every row of every table, value for value, whatever the engines.
    # The audit log differs by one line each: the source's "backup created", written after
    # its snapshot, and the target's "backup restored".
    before, after = _rows(database_url), _rows(target_url)
    audit_before, audit_after = before.pop("audit_entry"), after.pop("audit_entry")
    assert [a["action"] for a in (audit_before[-1], audit_after[-1])] == [
        "backup.created",
        "backup.restored",
    ]
    assert audit_after[:-1] == audit_before[:-1]
    assert after == before
    # Every attachment byte.
    source_files = _files(Path(source["SPRAVKA_ATTACHMENTS_DIR"]))
    assert _files(tmp_path / "restored-attachments") == source_files and source_files
    # The index was rebuilt, and search answers as it did on the source.
    source_index = tmp_path / "source-index"
    build = SearchIndex(source_index)
    rebuild(build, make_sessionmaker(make_engine(database_url)))
    build.close()
    answers = _found(target_url, tmp_path / "restored-data" / "index", QUERIES)
    assert answers == _found(database_url, source_index, QUERIES)
    assert all(answers[:3])

    # New rows continue after the restored ids (PostgreSQL's sequences were moved on).
    engine = make_engine(target_url)
    try:
        with make_sessionmaker(engine).begin() as s:
            user = accounts.create_user(s, email="new@example.test", name="New", roles=["client"])
            s.flush()
            assert user.id > max(row["id"] for row in before["user_account"])
    finally:
        engine.dispose()


def test_a_truncated_archive_is_refused_and_changes_nothing(source, other_engine, tmp_path):
    archive = tmp_path / "spravka.tar.gz"
    assert _run(source, "backup", "create", str(archive)).exit_code == 0
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    target = {**source, "SPRAVKA_DATABASE_URL": other_engine,
              "SPRAVKA_DATA_DIR": str(tmp_path / "restored-data"),
              "SPRAVKA_ATTACHMENTS_DIR": str(tmp_path / "restored-attachments")}  # fmt: skip
    result = _run(target, "backup", "restore", str(truncated))
    assert result.exit_code == 2 and "error:" in result.output
    counts = _counts(other_engine)
    assert counts["article"] == counts["ticket"] == counts["user_account"] == 0
    restored = tmp_path / "restored-attachments"
    assert not restored.exists() or not any(p.is_file() for p in restored.rglob("*"))


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
