"""Import of JSON Lines files (DESIGN.md formats): all lines valid, or nothing imported.

A file is checked whole before anything is saved: encoding, JSON, fields, repeated ids and
references (products, parents, cycles) in one pass, so one run names every bad line.
"""

import codecs
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from kb_service.articles import bulk
from kb_service.articles.schemas import ArticleImport
from kb_service.catalogue.models import Product
from kb_service.catalogue.schemas import ProductImport
from kb_service.catalogue.service import save_product
from kb_service.db import utcnow
from kb_service.errors import Invalid

Progress = Callable[[int], None]
M = TypeVar("M", bound=BaseModel)
# (line number, what is wrong with it)
LineError = tuple[int, str]


@dataclass
class ImportReport:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


class ImportFailed(Invalid):
    """Some lines are invalid; `errors` names each with its line number."""


@dataclass(frozen=True)
class Importer:
    """What one kind of file holds, how its references are checked and how it is saved."""

    model: type[BaseModel]
    check: Callable[[Session, list], list[LineError]]
    save: Callable[[Session, list, Progress | None], ImportReport]


def check_file(session: Session, data: bytes, importer: Importer) -> list[tuple[int, BaseModel]]:
    """The records of a whole file, or ImportFailed naming every bad line of whatever kind."""
    lines, errors = split_lines(data)
    records, parse_errors = _parse(lines, importer.model)
    errors += parse_errors + importer.check(session, records)
    raise_if(errors)
    return records


def split_lines(data: bytes) -> tuple[list[tuple[int, str]], list[LineError]]:
    """Numbered lines of UTF-8 text, and the lines that are not UTF-8.

    Only "\\n" ends a line: JSON strings may hold U+2028 or U+0085 raw, which
    `str.splitlines` would take for line ends. A byte order mark before line 1 is dropped.
    """
    lines, errors = [], []
    for number, raw in enumerate(data.removeprefix(codecs.BOM_UTF8).split(b"\n"), start=1):
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            errors.append((number, f"not valid UTF-8 (byte {exc.start + 1} of the line)"))
    return lines, errors


def parse_lines(lines: Iterable[str], model: type[M]) -> list[tuple[int, M]]:
    """Validate every line; raise ImportFailed listing all bad lines, or return the records."""
    records, errors = _parse(enumerate(lines, start=1), model)
    raise_if(errors)
    return records


def import_products(
    session: Session, records: list[tuple[int, ProductImport]], progress: Progress | None = None
) -> ImportReport:
    """Create or update products by code; parents may come earlier in the file or exist."""
    raise_if(product_errors(session, records))
    return _save_products(session, records, progress)


def import_articles(
    session: Session,
    records: list[tuple[int, ArticleImport]],
    progress: Progress | None = None,
    aside: bool = True,
) -> ImportReport:
    """Create or update articles by id; named access groups are created as needed.

    `aside=False` for a caller whose transaction has already written (see bulk.save).
    """
    raise_if(article_errors(session, records))
    return _write_articles(session, [r for _, r in records], progress, aside)


def product_errors(session: Session, records: list[tuple[int, ProductImport]]) -> list[LineError]:
    """Parents that exist neither in the file nor in the catalogue, and parent cycles."""
    parents = _stored_parents(session)
    in_file = {r.id: n for n, r in records}
    errors = [
        (n, f"unknown parent product {r.parent!r}")
        for n, r in records
        if r.parent and r.parent not in parents and r.parent not in in_file
    ]
    parents.update({r.id: r.parent for _, r in records})
    for n, r in records:
        cycle = _cycle(parents, r.id)
        if cycle:
            lines = ", ".join(str(in_file[c]) for c in cycle if c in in_file)
            errors.append((n, f"parent cycle {' -> '.join([*cycle, r.id])} (lines {lines})"))
    return errors


def article_errors(session: Session, records: list[tuple[int, ArticleImport]]) -> list[LineError]:
    """Product codes the catalogue does not know."""
    known = set(session.scalars(select(Product.code)))
    return [
        (n, f"unknown product code(s) {', '.join(sorted(set(r.products) - known))}")
        for n, r in records
        if r.products and set(r.products) - known
    ]


def _parse(lines: Iterable[tuple[int, str]], model: type[M]):
    records: list[tuple[int, M]] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, line in lines:
        if not line.strip():
            continue
        try:
            record = model.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            errors.append((number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
            continue
        except ValidationError as exc:
            errors.append((number, _describe(exc)))
            continue
        key = record.id
        if key in seen:
            errors.append((number, f"id {key!r} repeats line {seen[key]}"))
            continue
        seen[key] = number
        records.append((number, record))
    return records, errors


def raise_if(errors: list[LineError]) -> None:
    if errors:
        named = [f"line {n}: {message}" for n, message in sorted(errors, key=lambda e: e[0])]
        raise ImportFailed(f"{len(named)} invalid line(s); nothing was imported", errors=named)


def _stored_parents(session: Session) -> dict[str, str | None]:
    parent = aliased(Product)
    rows = session.execute(
        select(Product.code, parent.code).outerjoin(parent, Product.parent_id == parent.id)
    )
    return {code: parent for code, parent in rows}


def _cycle(parents: dict[str, str | None], code: str) -> list[str]:
    """The codes from `code` round its parents back to it, or [] when the chain ends."""
    chain = [code]
    parent = parents.get(code)
    while parent and parent not in chain:
        chain.append(parent)
        parent = parents.get(parent)
    return chain if parent == code else []


def _save_products(
    session: Session, records: list[tuple[int, ProductImport]], progress: Progress | None
) -> ImportReport:
    known = set(session.scalars(select(Product.code)))
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


def _save_articles(
    session: Session, records: list[tuple[int, ArticleImport]], progress: Progress | None
) -> ImportReport:
    """Create or update articles by id; named access groups are created as needed."""
    return _write_articles(session, [r for _, r in records], progress)


def _write_articles(
    session: Session, records: list[ArticleImport], progress: Progress | None, aside: bool = True
) -> ImportReport:
    """Prepare and stage the articles chunk by chunk, then switch them all in at once."""
    counts = bulk.save(session, records, utcnow(), progress, aside)
    return ImportReport(
        read=len(records),
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
    )


PRODUCTS = Importer(ProductImport, product_errors, _save_products)
ARTICLES = Importer(ArticleImport, article_errors, _save_articles)


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
