"""Where the catalogue sync reads the company's products: its product database, named by a
settings file (TOML: a SQLAlchemy URL and which table and columns hold what), or a feed file
(JSON Lines or CSV) in our own field names.

Reading only collects raw values; the sync (`sync.py`) decides what is valid. A row that cannot
even be read (bad JSON, bad UTF-8 on its line) is kept as unreadable, so one bad row never hides
the others. A source that cannot be read at all (settings, connection, missing table) raises
SourceError before anything is changed.
"""

import csv
import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import column, create_engine, select, table
from sqlalchemy.exc import SQLAlchemyError

from kb_service.catalogue.models import ACTIVE, DISCONTINUED
from kb_service.errors import Invalid
from kb_service.importing import split_lines

FIELDS = ("code", "name", "parent", "versions", "status", "description", "merged_into")
REQUIRED = ("code", "name")
# The source's status values (lower case) and what they mean here; a settings file adds its own.
STATUSES = {ACTIVE: ACTIVE, DISCONTINUED: DISCONTINUED}


class SourceError(Invalid):
    """The source cannot be read at all; nothing was synced."""


@dataclass(frozen=True)
class SourceRow:
    # How a report names the row: its code when it has one, else where it stands.
    key: str
    code: str | None
    values: Mapping[str, object]


@dataclass
class Snapshot:
    """Every product the source lists now, as raw values, and the rows that could not be read."""

    rows: list[SourceRow] = field(default_factory=list)
    # (key, reason) of each row that could not be read
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    # The codes of unreadable rows, where they could be told: such a product has not vanished.
    unread_codes: set[str] = field(default_factory=set)
    statuses: Mapping[str, str] = field(default_factory=lambda: dict(STATUSES))


def read_settings(path: Path) -> Snapshot:
    """The products of the database that the settings file names, through its mapping."""
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"cannot read the catalogue settings {path}: {exc}") from exc
    settings = settings.get("catalogue", settings)
    columns = _mapping(settings, "columns", FIELDS, REQUIRED)
    for key in ("url", "table"):
        if not isinstance(settings.get(key), str):
            raise SourceError(f"{path}: `{key}` must name the product database's {key}")
    versions = settings.get("versions")
    if versions is not None:
        _mapping(settings, "versions", ("table", "code", "version"), ("table", "code", "version"))
    statuses = {str(k).strip().lower(): v for k, v in settings.get("statuses", {}).items()}
    if set(statuses.values()) - {ACTIVE, DISCONTINUED}:
        raise SourceError(f"{path}: `statuses` maps source values to active or discontinued")
    rows = _read_database(settings["url"], settings["table"], columns, versions)
    return Snapshot(rows=rows, statuses={**STATUSES, **statuses})


def read_feed(path: Path) -> Snapshot:
    """The products of a JSON Lines (.jsonl) or CSV (.csv) feed file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _json_lines(data)
    if path.suffix.lower() == ".csv":
        return _csv(data, path)
    raise SourceError(f"{path}: a feed is a .jsonl or a .csv file")


def _mapping(settings: dict, name: str, allowed: Iterable[str], required: Iterable[str]) -> dict:
    mapping = settings.get(name)
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise SourceError(f"the catalogue settings need a [{name}] table of names")
    if unknown := sorted(set(mapping) - set(allowed)):
        raise SourceError(f"[{name}] has unknown key(s) {', '.join(unknown)}")
    if missing := [key for key in required if key not in mapping]:
        raise SourceError(f"[{name}] must name {', '.join(missing)}")
    return mapping


def _read_database(
    url: str, table_name: str, columns: dict[str, str], versions: dict | None
) -> list[SourceRow]:
    # A plain engine, not make_engine: its pragmas would turn a SQLite source to WAL mode.
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = select(*(column(c).label(f) for f, c in columns.items())).select_from(
                table(table_name)
            )
            records = [dict(r) for r in connection.execute(query).mappings()]
            listed = _versions(connection, versions) if versions else None
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise SourceError(f"cannot read products from {table_name}: {reason}") from exc
    finally:
        engine.dispose()
    rows = []
    for number, values in enumerate(records, start=1):
        code = as_text(values.get("code"))
        if listed is not None:
            values["versions"] = listed.get(code, [])
        rows.append(SourceRow(key=code or f"row {number}", code=code, values=values))
    return rows


def _versions(connection, versions: dict) -> dict[str, list[str]]:
    """Each product's versions, from a table of (product code, version) rows."""
    code, version = column(versions["code"]), column(versions["version"])
    query = select(code, version).select_from(table(versions["table"])).order_by(code, version)
    listed: dict[str, list[str]] = {}
    for product, name in connection.execute(query):
        if as_text(product) and as_text(name):
            listed.setdefault(as_text(product), []).append(as_text(name))
    return listed


def _json_lines(data: bytes) -> Snapshot:
    lines, bad = split_lines(data)
    snapshot = Snapshot(unreadable=[(f"line {n}", reason) for n, reason in bad])
    for number, line in lines:
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as exc:
            snapshot.unreadable.append((f"line {number}", f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(values, dict):
            snapshot.unreadable.append((f"line {number}", "not a JSON object"))
            continue
        # A products import file is a feed too: its `id` is the code.
        values.setdefault("code", values.get("id"))
        code = as_text(values["code"])
        snapshot.rows.append(SourceRow(key=code or f"line {number}", code=code, values=values))
    return snapshot


def _csv(data: bytes, path: Path) -> Snapshot:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path} is not UTF-8 (byte {exc.start + 1})") from exc
    reader = csv.DictReader(text.splitlines(keepends=True))
    if missing := [f for f in REQUIRED if f not in (reader.fieldnames or [])]:
        raise SourceError(f"{path}: the header must name {', '.join(missing)}")
    snapshot = Snapshot()
    for values in reader:
        code = as_text(values.get("code"))
        key = code or f"line {reader.line_num}"
        if None in values:  # DictReader files cells beyond the header under None
            snapshot.unreadable.append((key, "more cells than the header names"))
            snapshot.unread_codes.update([code] if code else [])
            continue
        snapshot.rows.append(SourceRow(key=key, code=code, values=values))
    return snapshot


def as_text(value: object) -> str | None:
    """A source's value as text (codes may be numbers there); None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None
