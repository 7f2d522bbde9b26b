"""The catalogue sync: make the catalogue match what the company's product source lists now.

Incremental and idempotent by code: a changed product is updated, an unchanged one is only
counted, and one the source no longer lists is discontinued, never deleted (articles, equipment
and tickets point to it). One the source says was merged into another is discontinued too, and
what pointed to it follows its successor (`merging.py`). Unlike the imports (all or nothing),
a malformed row is reported with its key and reason and skipped, and the rest is synced: a
catalogue of thousands of products should not stop for one bad row in a database that we do
not keep.
"""

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from graphlib import TopologicalSorter
from typing import Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.catalogue.merging import move_references, successor_of
from kb_service.catalogue.models import ACTIVE, DISCONTINUED, Product
from kb_service.catalogue.schemas import CODE
from kb_service.catalogue.service import discontinue, save_product
from kb_service.catalogue.sources import Snapshot, SourceError, SourceRow, as_text, read_settings
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.errors import Invalid
from kb_service.hostile_input import NulFree

log = logging.getLogger(__name__)
Progress = Callable[[int], None]


class SourceProduct(NulFree):
    """One product as the source lists it, once its values are read as text."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=200)
    parent: str | None = None
    versions: list[str] = Field(default_factory=list)
    status: Literal["active", "discontinued"] = ACTIVE
    description: str = ""
    # The code of the product this one was merged into: then it is discontinued whatever its
    # status says, and its articles, equipment and owners move to that one.
    merged_into: str | None = Field(None, pattern=CODE)

    @field_validator("versions")
    @classmethod
    def _short_versions(cls, versions: list[str]) -> list[str]:
        if any(len(v) > 64 for v in versions):
            raise ValueError("a version is longer than 64 characters")
        return list(dict.fromkeys(versions))


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    discontinued: list[str] = field(default_factory=list)
    # (code, successor's code): products newly merged, or whose references moved on again
    merged: list[tuple[str, str]] = field(default_factory=list)
    unchanged: int = 0
    # (key, reason): the row's code, or its line or row number when it has none
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.discontinued)} discontinued, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped, {len(self.merged)} merged"
        )

    def as_json(self) -> dict:
        data = asdict(self)
        data["skipped"] = [{"key": key, "reason": reason} for key, reason in self.skipped]
        data["merged"] = [{"code": code, "into": into} for code, into in self.merged]
        return data


def sync_catalogue(
    session: Session, snapshot: Snapshot, progress: Progress | None = None
) -> SyncReport:
    """Create, update and discontinue products so the catalogue matches the snapshot."""
    if not snapshot.rows and not snapshot.unreadable:
        # An empty table is likelier an outage on their side than a company without products.
        raise SourceError("the source lists no products; nothing was changed")
    report = SyncReport(skipped=list(snapshot.unreadable))
    stored = {
        p.code: p for p in session.scalars(select(Product).options(selectinload(Product.parent)))
    }
    products = _valid(snapshot, report)
    _drop_bad_parents(products, stored, report)
    _drop_bad_merges(products, stored, report)
    if progress:
        progress(len(snapshot.rows) - len(products))  # the skipped rows are done with
    order = TopologicalSorter(
        {code: [p.parent] if p.parent in products else [] for code, p in products.items()}
    ).static_order()
    for code in order:
        _apply(session, products[code], stored.get(code), report)
        if progress:
            progress(1)
    listed = {row.code for row in snapshot.rows if row.code} | snapshot.unread_codes
    for code, product in sorted(stored.items()):
        if code not in listed and product.status != DISCONTINUED:
            discontinue(session, product)
            report.discontinued.append(code)
    session.flush()
    _follow_merges(session, report)
    return report


def sync_on_schedule(sessions, settings: Settings) -> int:
    """The worker's job: sync from the settings file SPRAVKA_CATALOGUE_SOURCE, when set."""
    if settings.catalogue_source is None:
        return 0
    snapshot = read_settings(settings.catalogue_source)
    with session_scope(sessions) as session:
        report = sync_catalogue(session, snapshot)
    log.info("catalogue sync: %s", report.summary())
    for key, reason in report.skipped:
        log.warning("catalogue sync skipped %s: %s", key, reason)
    # One run syncs everything: counting the changes as work would run it again at once.
    return 0


def _valid(snapshot: Snapshot, report: SyncReport) -> dict[str, SourceProduct]:
    """The rows that are well formed, by code; the others go to the report's skipped."""
    products: dict[str, SourceProduct] = {}
    for row in snapshot.rows:
        try:
            product = SourceProduct.model_validate(_normalised(row, snapshot.statuses))
        except (ValidationError, ValueError) as exc:
            report.skipped.append((row.key, _reason(exc)))
            continue
        if product.code in products:
            report.skipped.append((row.key, f"code {product.code!r} is listed twice"))
            continue
        products[product.code] = product
    return products


def _normalised(row: SourceRow, statuses) -> dict:
    """The row's values as the model takes them: text, versions as a list, our status names."""
    texts = ("code", "name", "parent", "description", "merged_into")
    values = {k: as_text(row.values.get(k)) for k in texts}
    versions = row.values.get("versions")
    if isinstance(versions, list):
        values["versions"] = [str(v).strip() for v in versions if str(v).strip()]
    else:
        values["versions"] = [v.strip() for v in (as_text(versions) or "").split(",") if v.strip()]
    status = as_text(row.values.get("status"))
    if status is not None:
        if status.lower() not in statuses:
            raise ValueError(f"status: unknown value {status!r}")
        values["status"] = statuses[status.lower()]
    values["description"] = values["description"] or ""
    return {k: v for k, v in values.items() if v is not None}


def _drop_bad_parents(
    products: dict[str, SourceProduct], stored: dict[str, Product], report: SyncReport
) -> None:
    """Skip rows whose parent is unknown or makes a cycle, and then their orphaned children."""
    parents = {code: p.parent.code if p.parent else None for code, p in stored.items()}
    parents.update({code: p.parent for code, p in products.items()})
    for code in [c for c in products if _in_cycle(parents, c)]:
        report.skipped.append((code, f"its parent {products[code].parent!r} leads back to it"))
        del products[code]
    dropped = True
    while dropped:
        dropped = False
        for code, product in list(products.items()):
            if product.parent and product.parent not in products and product.parent not in stored:
                report.skipped.append((code, f"unknown parent product {product.parent!r}"))
                del products[code]
                dropped = True


def _drop_bad_merges(
    products: dict[str, SourceProduct], stored: dict[str, Product], report: SyncReport
) -> None:
    """Skip rows merged into themselves, into an unknown product, or round in a circle."""
    merges = {code: p.merged_into for code, p in stored.items()}
    merges.update({code: p.merged_into for code, p in products.items()})
    for code, product in list(products.items()):
        into = product.merged_into
        if into is None:
            continue
        if into == code or _in_cycle(merges, code):
            reason = f"merged into {into!r}, which leads back to it"
        elif into not in products and into not in stored:
            reason = f"merged into an unknown product {into!r}"
        else:
            continue
        report.skipped.append((code, reason))
        del products[code]


def _follow_merges(session: Session, report: SyncReport) -> None:
    """Move what points to merged products to their successors (the last of a chain)."""
    catalogue = {p.code: p for p in session.scalars(select(Product))}
    for code, product in sorted(catalogue.items()):
        if not product.merged_into:
            continue
        successor = successor_of(catalogue, code)
        newly = code in report.created or code in report.updated
        moved = successor != code and move_references(session, product, catalogue[successor])
        if moved or (newly and (code, product.merged_into) not in report.merged):
            report.merged.append((code, product.merged_into))


def _in_cycle(parents: dict[str, str | None], code: str) -> bool:
    seen, current = {code}, parents.get(code)
    while current and current not in seen:
        seen.add(current)
        current = parents.get(current)
    return current == code


def _apply(
    session: Session, product: SourceProduct, stored: Product | None, report: SyncReport
) -> None:
    if stored is not None and not _differs(stored, product):
        report.unchanged += 1
        return
    try:
        save_product(
            session,
            code=product.code,
            name=product.name,
            parent=product.parent,
            versions=product.versions,
            description=product.description,
            status=DISCONTINUED if product.merged_into else product.status,
            merged_into=product.merged_into,
        )
    except Invalid as exc:
        report.skipped.append((product.code, exc.message))
        return
    (report.created if stored is None else report.updated).append(product.code)


def _differs(stored: Product, product: SourceProduct) -> bool:
    # Versions are only ever added: equipment in the field still runs the ones the source dropped.
    return (
        stored.name != product.name
        or stored.description != product.description
        or (stored.parent.code if stored.parent else None) != product.parent
        or stored.status != (DISCONTINUED if product.merged_into else product.status)
        or stored.merged_into != product.merged_into
        or bool(set(product.versions) - {v.name for v in stored.versions})
    )


def _reason(exc: Exception) -> str:
    if not isinstance(exc, ValidationError):
        return str(exc)
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'row'}: {error['msg']}"
        for error in exc.errors()
    )
