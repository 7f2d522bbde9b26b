"""`spravka backup create|restore`: the whole database and the attachments in one archive.

The archive is a gzipped tar holding `manifest.json` (the format, the schema revisions, and
for every member its row or byte count and SHA-256), one JSON Lines file per table under
`tables/`, and the attachment store's files under `attachments/`. Rows are written as
values, not SQL, so an archive made on SQLite restores into PostgreSQL and back.

- Consistent while the service runs: PostgreSQL is read in one REPEATABLE READ, READ ONLY
  transaction; SQLite is first copied with its online backup API and the copy is read.
  Attachments are named by their content and never rewritten, so copying them after the
  snapshot cannot tear them; files added meanwhile are merely extra.
- Restore checks every member against the manifest before it touches anything, refuses a
  database that holds data or a schema of another revision, and then replaces the rows of
  every table in one transaction: a failure half-way leaves the database as it was, and the
  attachment files it had written are removed again.

The tables are those of `Base.metadata`: the caller (kb_service/cli.py) loads the models of
every package first, so this module names no package above the core.
"""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeDecorator

from kb_service.db import utcnow
from kb_service.errors import Invalid

FORMAT = 1
MANIFEST = "manifest.json"
BATCH = 1000
# Tables whose rows say that someone uses this installation: restore needs them empty.
# The audit log is among them also because its triggers refuse the DELETE below.
USER_DATA = ("user_account", "article", "ticket", "organisation", "product", "audit_entry")

Progress = Callable[[int], None]


class DamagedArchive(Invalid):
    """The archive is unreadable, incomplete or altered; nothing was changed."""


@dataclass
class Manifest:
    format: int
    created_at: str
    engine: str
    revisions: list[str]
    tables: dict[str, dict] = field(default_factory=dict)  # name -> {"rows", "sha256"}
    attachments: dict[str, str] = field(default_factory=dict)  # member name -> sha256

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


# -- create ------------------------------------------------------------------------------


def create(
    engine: Engine,
    metadata: MetaData,
    attachments_dir: Path,
    target: Path,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> Manifest:
    """Write the archive to `target` (through a temporary file: a crash leaves none)."""
    if target.exists():
        raise Invalid(f"{target} exists already; choose another name")
    with tempfile.TemporaryDirectory(prefix="spravka-backup-") as work:
        work = Path(work)
        with _snapshot(engine, work) as connection:
            revisions = _revisions(connection)
            tables = metadata.sorted_tables
            if on_total:
                totals = [connection.scalar(select(func.count()).select_from(t)) for t in tables]
                on_total(sum(totals))
            manifest = Manifest(FORMAT, utcnow().isoformat(), engine.dialect.name, revisions)
            dumped = work / "tables"
            dumped.mkdir()
            for table in tables:
                manifest.tables[table.name] = _dump(connection, table, dumped, progress)
        partial = target.with_name(f".{target.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                for table in manifest.tables:
                    archive.add(dumped / f"{table}.jsonl", f"tables/{table}.jsonl")
                for path in _attachment_files(attachments_dir):
                    member = "attachments/" + path.relative_to(attachments_dir).as_posix()
                    manifest.attachments[member] = _sha256_file(path)
                    archive.add(path, member)
                data = json.dumps(vars(manifest), ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(data), int(utcnow().timestamp())
                archive.addfile(info, io.BytesIO(data))
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


class _snapshot:
    """A connection that sees one moment of the database for as long as it is open."""

    def __init__(self, engine: Engine, work: Path) -> None:
        self.engine, self.work = engine, work

    def __enter__(self):
        if self.engine.dialect.name == "sqlite":
            copy = self.work / "snapshot.db"
            source = sqlite3.connect(self.engine.url.database)
            try:
                with sqlite3.connect(copy) as destination:
                    source.backup(destination)
            finally:
                source.close()
            self._engine = create_engine(f"sqlite:///{copy}")
            self._connection = self._engine.connect()
        else:
            self._engine = None
            self._connection = self.engine.connect().execution_options(
                isolation_level="REPEATABLE READ"
            )
            self._connection.begin()
            self._connection.execute(text("SET TRANSACTION READ ONLY"))
        return self._connection

    def __exit__(self, *exc) -> None:
        self._connection.close()
        if self._engine is not None:
            self._engine.dispose()


def _revisions(connection) -> list[str]:
    return sorted(connection.scalars(text("SELECT version_num FROM alembic_version")))


def _dump(connection, table: Table, folder: Path, progress: Progress | None) -> dict:
    digest, rows = hashlib.sha256(), 0
    order = list(table.primary_key.columns) or list(table.columns)
    with open(folder / f"{table.name}.jsonl", "wb") as out:
        result = connection.execution_options(yield_per=BATCH).execute(
            select(table).order_by(*order)
        )
        for row in result.mappings():
            line = json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
            data = line.encode() + b"\n"
            digest.update(data)
            out.write(data)
            rows += 1
            if progress and rows % BATCH == 0:
                progress(BATCH)
    if progress:
        progress(rows % BATCH)
    return {"rows": rows, "sha256": digest.hexdigest()}


def _encode(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _attachment_files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):  # not a write in progress
            yield path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# -- verify and restore ------------------------------------------------------------------


def verify(source: Path) -> Manifest:
    """The archive's manifest, after checking every member against it."""
    try:
        with tarfile.open(source, "r:gz") as archive:
            manifest = _manifest(archive)
            expected = {f"tables/{name}.jsonl": t["sha256"] for name, t in manifest.tables.items()}
            expected.update(manifest.attachments)
            seen = set()
            for member in archive:
                if member.name == MANIFEST:
                    continue
                if member.name not in expected or not member.isfile():
                    raise DamagedArchive(f"unexpected member {member.name!r} in {source}")
                if _sha256_stream(archive.extractfile(member)) != expected[member.name]:
                    raise DamagedArchive(f"{member.name} in {source} does not match its checksum")
                seen.add(member.name)
            if missing := sorted(set(expected) - seen):
                raise DamagedArchive(f"{source} lacks {len(missing)} member(s), e.g. {missing[0]}")
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, OSError, zlib.error) as exc:
        raise DamagedArchive(f"{source} is not a readable Spravka backup: {exc}") from exc
    return manifest


def _manifest(archive: tarfile.TarFile) -> Manifest:
    try:
        handle = archive.extractfile(MANIFEST)
        data = json.load(handle)
        manifest = Manifest(**data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DamagedArchive(f"the archive has no valid {MANIFEST}: {exc}") from exc
    if manifest.format != FORMAT:
        raise DamagedArchive(f"archive format {manifest.format} is not {FORMAT}")
    return manifest


def _sha256_stream(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def restore(
    engine: Engine,
    metadata: MetaData,
    attachments_dir: Path,
    source: Path,
    progress: Progress | None = None,
) -> Manifest:
    """Load the archive into this (migrated, empty) database and attachment store."""
    manifest = verify(source)
    with engine.connect() as connection:
        revisions = _revisions(connection)
        if revisions != manifest.revisions:
            raise Invalid(
                f"the archive is of schema {', '.join(manifest.revisions)}; this Spravka is at "
                f"{', '.join(revisions)}: restore with the version that made it, then upgrade"
            )
        if used := [t for t in USER_DATA if connection.scalar(_count(metadata, t))]:
            raise Invalid(
                f"the database holds data ({', '.join(used)}): restore needs an empty one"
            )
    unknown = sorted(set(manifest.tables) - set(metadata.tables))
    if unknown:
        raise DamagedArchive(f"the archive has tables this Spravka does not know: {unknown}")
    written = _restore_attachments(source, manifest, attachments_dir)
    try:
        with tarfile.open(source, "r:gz") as archive, engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(delete(table))
            for table in metadata.sorted_tables:
                if table.name in manifest.tables:
                    rows = _rows(archive.extractfile(f"tables/{table.name}.jsonl"), table)
                    _insert(connection, table, rows, progress)
            if engine.dialect.name == "postgresql":
                _reset_sequences(connection, metadata)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return manifest


def _count(metadata: MetaData, name: str):
    return select(func.count()).select_from(metadata.tables[name])


def _restore_attachments(source: Path, manifest: Manifest, root: Path) -> list[Path]:
    """Write the archive's attachment files that the store lacks; the paths written."""
    written: list[Path] = []
    try:
        with tarfile.open(source, "r:gz") as archive:
            for member, checksum in manifest.attachments.items():
                relative = Path(member).relative_to("attachments")
                if ".." in relative.parts or relative.is_absolute():
                    raise DamagedArchive(f"unsafe member name {member!r}")
                target = root / relative
                if target.exists():
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name("." + target.name + ".restoring")
                with archive.extractfile(member) as data, open(partial, "wb") as out:
                    shutil.copyfileobj(data, out)
                if _sha256_file(partial) != checksum:
                    partial.unlink()
                    raise DamagedArchive(f"{member} changed while it was restored")
                os.replace(partial, target)
                written.append(target)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _rows(handle, table: Table) -> Iterator[dict]:
    decoders = {c.name: _decoder(c) for c in table.columns}
    for line in handle:
        row = json.loads(line)
        yield {k: decoders[k](v) if v is not None else None for k, v in row.items()}


def _decoder(column):
    kind = column.type
    if isinstance(kind, TypeDecorator):  # e.g. UTCDateTime: decode as what it stores
        kind = kind.impl_instance
    if isinstance(kind, sqltypes.DateTime):
        return datetime.fromisoformat
    if isinstance(kind, sqltypes.Date):
        return date.fromisoformat
    if isinstance(kind, sqltypes.LargeBinary):
        return base64.b64decode
    if isinstance(kind, sqltypes.Numeric) and kind.asdecimal:
        return Decimal
    return lambda v: v


def _insert(connection, table: Table, rows: Iterable[dict], progress: Progress | None) -> None:
    rows = _parents_first(table, list(rows))
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        connection.execute(insert(table), batch)
        if progress:
            progress(len(batch))


def _parents_first(table: Table, rows: list[dict]) -> list[dict]:
    """Rows of a table that refers to itself (a product's family) with each referenced row
    before the rows that refer to it, so every foreign key holds as it is inserted."""
    links = [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]
    if not links:
        return rows
    ordered, placed, pending = [], set(), rows
    while pending:
        later = []
        for row in pending:
            if all(row[child] is None or (parent, row[child]) in placed for child, parent in links):
                ordered.append(row)
                placed.update((parent, row[parent]) for _, parent in links)
            else:
                later.append(row)
        if len(later) == len(pending):  # a reference to a missing row: let the database say so
            return ordered + later
        pending = later
    return ordered


def _reset_sequences(connection, metadata: MetaData) -> None:
    """Let PostgreSQL's id sequences continue after the restored ids."""
    for table in metadata.sorted_tables:
        key = list(table.primary_key.columns)
        if len(key) != 1 or not key[0].autoincrement or not isinstance(key[0].type, Integer):
            continue
        sequence = connection.scalar(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": key[0].name},
        )
        if sequence:
            connection.execute(
                text(
                    f'SELECT setval(:sequence, COALESCE(MAX("{key[0].name}"), 1), '
                    f'MAX("{key[0].name}") IS NOT NULL) FROM "{table.name}"'
                ),
                {"sequence": sequence},
            )
