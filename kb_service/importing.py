"""Import of JSON Lines files (DESIGN.md formats): all lines valid, or nothing imported."""

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.articles import bulk
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.models import Product
from kb_service.catalogue.schemas import ProductImport
from kb_service.catalogue.service import save_product
from kb_service.db import utcnow
from kb_service.errors import Invalid

Progress = Callable[[int], None]
M = TypeVar("M", bound=BaseModel)


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFailed(Invalid):
    """Some lines are invalid; `errors` names each with its line number."""


def parse_lines(lines: Iterable[str], model: type[M]) -> list[tuple[int, M]]:
    """Validate every line; raise ImportFailed listing all bad lines, or return the records."""
    records: list[tuple[int, M]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = model.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except ValidationError as exc:
            errors.append(f"line {number}: {_describe(exc)}")
            continue
        key = record.id
        if key in seen:
            errors.append(f"line {number}: id {key!r} repeats line {seen[key]}")
            continue
        seen[key] = number
        records.append((number, record))
    if errors:
        raise ImportFailed(f"{len(errors)} invalid line(s); nothing was imported", errors=errors)
    return records


def import_products(
    session: Session, records: list[tuple[int, ProductImport]], progress: Progress | None = None
) -> ImportReport:
    """Create or update products by code; parents may come earlier in the file or exist."""
    known = set(session.scalars(select(Product.code)))
    in_file = {record.id for _, record in records}
    errors = [
        f"line {n}: unknown parent product {r.parent!r}"
        for n, r in records
        if r.parent and r.parent not in known | in_file
    ]
    if errors:
        raise ImportFailed(f"{len(errors)} invalid line(s); nothing was imported", errors=errors)
    report = ImportReport(read=len(records))
    for _, record in _parents_first(records):
        existed = record.id in known
        save_product(
            session,
            code=record.id,
            name=record.name,
            parent=record.parent,
            versions=record.versions,
            description=record.description,
        )
        known.add(record.id)
        report.updated += existed
        report.created += not existed
        if progress:
            progress(1)
    return report


def import_articles(
    session: Session, records: list[tuple[int, ArticleImport]], progress: Progress | None = None
) -> ImportReport:
    """Create or update articles by id; named access groups are created as needed."""
    products = set(session.scalars(select(Product.code)))
    errors = [
        f"line {n}: unknown product code(s) {', '.join(sorted(set(r.products) - products))}"
        for n, r in records
        if r.products and set(r.products) - products
    ]
    if errors:
        raise ImportFailed(f"{len(errors)} invalid line(s); nothing was imported", errors=errors)
    return _write_articles(session, [r for _, r in records], progress)


def _write_articles(
    session: Session, records: list[ArticleImport], progress: Progress | None
) -> ImportReport:
    """Prepare every article without a lock, then write them all in one short step."""
    now = utcnow()
    plan = bulk.prepare(session, records, now, progress)
    bulk.write(session, plan, now)
    return ImportReport(read=len(records), **bulk.counts(plan))


def _parents_first(records: list[tuple[int, ProductImport]]) -> list[tuple[int, ProductImport]]:
    by_code = {r.id: (n, r) for n, r in records}
    ordered: list[tuple[int, ProductImport]] = []
    placed: set[str] = set()

    def place(code: str, trail: tuple[str, ...] = ()) -> None:
        if code in placed or code not in by_code or code in trail:
            return
        place(by_code[code][1].parent or "", (*trail, code))
        placed.add(code)
        ordered.append(by_code[code])

    for code in by_code:
        place(code)
    return ordered


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "record"
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)
