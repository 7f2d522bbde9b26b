"""Clients' installed base: the equipment at each organisation, kept by its import id.

Staff see every organisation's equipment; a client sees their own organisation's. Dispatchers,
managers and admins record it, one item through the API or a whole file through
`spravka import equipment` (the rules of kb_service/importing.py: all or nothing).
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import Viewer
from kb_service.accounts.models import Organisation, User
from kb_service.catalogue.models import Equipment, Product
from kb_service.catalogue.schemas import EquipmentFields, EquipmentImport, EquipmentIn
from kb_service.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from kb_service.importing import Importer, ImportReport, LineError, Progress, raise_if

# Who records equipment: those who take clients' calls and those who run the desk.
RECORDERS = frozenset({"dispatcher", "manager", "admin"})
FIELDS = tuple(n for n in EquipmentFields.model_fields if n not in ("organisation", "product"))
# Ids looked up per query: well under the bind parameter limits of both engines.
CHUNK = 1000
# An item's warranty as the desk reads it at a glance (warranty_state).
UNDER_WARRANTY, WARRANTY_EXPIRED, WARRANTY_UNKNOWN = "under_warranty", "expired", "unknown"
WARRANTY_STATES = (UNDER_WARRANTY, WARRANTY_EXPIRED, WARRANTY_UNKNOWN)


def warranty_state(warranty_until: date | None, today: date) -> str:
    """Whether an item is under warranty on `today`: unknown when no date was recorded."""
    if warranty_until is None:
        return WARRANTY_UNKNOWN
    return UNDER_WARRANTY if warranty_until >= today else WARRANTY_EXPIRED


def organisation_equipment(session: Session, organisation_id: int | None) -> list[Equipment]:
    """An organisation's items with their products, by product name and serial: what a
    ticket of that organisation may name."""
    if organisation_id is None:
        return []
    query = (
        select(Equipment)
        .join(Equipment.product)
        .where(Equipment.organisation_id == organisation_id)
        .options(selectinload(Equipment.product))
        .order_by(Product.name, Equipment.serial, Equipment.id)
    )
    return list(session.scalars(query))


def item_of(session: Session, equipment_id: str, organisation_id: int | None) -> Equipment:
    """The item if it is the organisation's; Invalid alike for another's and for none, so a
    refusal tells nothing of other organisations' equipment."""
    query = select(Equipment).where(Equipment.id == equipment_id)
    item = session.scalar(query.options(selectinload(Equipment.product))) if equipment_id else None
    if item is None or organisation_id is None or item.organisation_id != organisation_id:
        raise Invalid(
            f"no equipment {equipment_id!r} at this organisation",
            errors=[{"where": "equipment_id", "message": "unknown"}],
        )
    return item


def list_equipment(
    session: Session,
    viewer: Viewer,
    *,
    organisation: str | None = None,
    product: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Equipment]:
    """The equipment the viewer may see, by organisation and id; filtered when asked."""
    query = _visible(session, viewer).order_by(Equipment.organisation_id, Equipment.id)
    if organisation is not None:
        query = query.join(Equipment.organisation).where(Organisation.name == organisation)
    if product is not None:
        query = query.join(Equipment.product).where(Product.code == product)
    return list(session.scalars(query.limit(limit).offset(offset)))


def get_equipment(session: Session, viewer: Viewer, equipment_id: str) -> Equipment:
    """One item, or NotFound when it does not exist or is another organisation's."""
    item = session.scalar(_visible(session, viewer).where(Equipment.id == equipment_id))
    if item is None:
        raise NotFound(f"no equipment {equipment_id!r}")
    return item


def save_equipment(
    session: Session, viewer: Viewer, data: EquipmentIn, *, create_only: bool = False
) -> Equipment:
    """Create or update an item by its id; the organisation and the product must exist."""
    if not viewer.has_any(RECORDERS):
        raise Forbidden("only dispatchers, managers and admins record equipment")
    item = session.get(Equipment, data.id)
    if item is not None and create_only:
        raise Conflict(f"equipment {data.id!r} exists already")
    organisation = session.scalar(
        select(Organisation).where(Organisation.name == data.organisation)
    )
    if organisation is None:
        raise Invalid(f"unknown organisation {data.organisation!r}")
    product = session.scalar(select(Product).where(Product.code == data.product))
    if product is None:
        raise Invalid(f"unknown product code {data.product!r}")
    if item is None:
        item = Equipment(id=data.id)
        session.add(item)
    _fill(item, data, organisation.id, product.id)
    session.flush()
    return get_equipment(session, viewer, data.id)


def equipment_errors(
    session: Session, records: list[tuple[int, EquipmentImport]]
) -> list[LineError]:
    """Product codes the catalogue does not know."""
    known = set(session.scalars(select(Product.code)))
    return [
        (n, f"unknown product code {r.product!r}") for n, r in records if r.product not in known
    ]


def import_equipment(
    session: Session, records: list[tuple[int, EquipmentImport]], progress: Progress | None = None
) -> ImportReport:
    """Create or update items by id; organisations the file names and the desk lacks are made."""
    raise_if(equipment_errors(session, records))
    products = dict(session.execute(select(Product.code, Product.id)).all())
    organisations = _organisations(session, {r.organisation for _, r in records})
    report = ImportReport(read=len(records))
    for start in range(0, len(records), CHUNK):
        chunk = [r for _, r in records[start : start + CHUNK]]
        query = select(Equipment).where(Equipment.id.in_([r.id for r in chunk]))
        existing = {item.id: item for item in session.scalars(query)}
        for record in chunk:
            item = existing.get(record.id)
            ids = organisations[record.organisation], products[record.product]
            if item is None:
                session.add(_fill(Equipment(id=record.id), record, *ids))
                report.created += 1
            elif _differs(item, record, *ids):
                _fill(item, record, *ids)
                report.updated += 1
            else:
                report.unchanged += 1
        session.flush()
        if progress:
            progress(len(chunk))
    return report


def _visible(session: Session, viewer: Viewer):
    query = select(Equipment).options(
        selectinload(Equipment.organisation), selectinload(Equipment.product)
    )
    if viewer.is_staff:
        return query
    if viewer.user_id is None:
        raise Unauthorized("sign in to see equipment")
    mine = select(User.organisation_id).where(User.id == viewer.user_id).scalar_subquery()
    return query.where(Equipment.organisation_id == mine)


def _fill(item: Equipment, data: EquipmentFields, organisation_id: int, product_id: int):
    item.organisation_id, item.product_id = organisation_id, product_id
    for name in FIELDS:
        setattr(item, name, getattr(data, name))
    return item


def _differs(item: Equipment, data: EquipmentFields, organisation_id: int, product_id: int) -> bool:
    return (item.organisation_id, item.product_id) != (organisation_id, product_id) or any(
        getattr(item, name) != getattr(data, name) for name in FIELDS
    )


def _organisations(session: Session, names: Iterable[str]) -> dict[str, int]:
    """Organisations by name; those not yet known are created, as the tickets import does."""
    names = set(names)
    query = select(Organisation.name, Organisation.id).where(Organisation.name.in_(names))
    known = dict(session.execute(query).all())
    for name in sorted(names - known.keys()):
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
        known[name] = organisation.id
    return known


EQUIPMENT = Importer(model=EquipmentImport, check=equipment_errors, save=import_equipment)
