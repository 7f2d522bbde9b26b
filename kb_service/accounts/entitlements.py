"""What an organisation is entitled to beyond its named groups: the products it owns (with
their families), the ranged product restrictions its installed versions meet, and the service
levels it holds today. `kb_service/access.py` says what each entitlement's group means.

The seam with the desk: service contracts, and so their levels, belong to `tickets`
(`tickets/contracts/`), and kb_service may not import tickets. So kb_service keeps, for each
organisation, the levels it holds and the days it holds them (`OrganisationLevel`), and the
desk hands them over through `hold_levels`: its contract service in the same transaction as
every contract it creates or changes, and its `contract_levels` job for anything made before
(or behind its back). Keeping the days rather than a flag means an ending contract needs
nobody to act: its level stops counting the day after its last day.
"""

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from kb_service.access import PRODUCT_GROUP_PREFIX, RANGE_MARK, contract_group, entitled_ranges
from kb_service.accounts.models import AccessGroup, OrganisationLevel, organisation_product
from kb_service.catalogue.models import Equipment, Product
from kb_service.db import utcnow

# (level, first day, last day or None): one contract's level as the desk hands it over.
Held = tuple[str, date, date | None]


def product_entitlements(session: Session, organisation_id: int) -> tuple[set[str], set[str]]:
    """Codes of the products the organisation owns (marked as owned, or installed), with their
    families; and the names of the ranged product groups in use that its items' versions meet."""
    marked = set(
        session.scalars(
            select(organisation_product.c.product_id).where(
                organisation_product.c.organisation_id == organisation_id
            )
        )
    )
    items = session.execute(
        select(Equipment.product_id, Equipment.version).where(
            Equipment.organisation_id == organisation_id
        )
    ).all()
    ids = marked | {product_id for product_id, _ in items}
    if not ids:
        return set(), set()
    chains = _families(session, ids)
    codes = {code for chain in chains.values() for code in chain}
    ranged = ranged_groups(session)
    if not ranged or not items:
        return codes, set()
    return codes, entitled_ranges(ranged, [(chains[pid], version) for pid, version in items])


def _families(session: Session, ids: set[int]) -> dict[int, list[str]]:
    """Each product's code followed by its families' codes, one query per level of families."""
    known: dict[int, tuple[str, int | None]] = {}
    wanted = set(ids)
    while wanted:
        rows = session.execute(
            select(Product.id, Product.code, Product.parent_id).where(Product.id.in_(wanted))
        ).all()
        known.update({pid: (code, parent) for pid, code, parent in rows})
        wanted = {parent for _, _, parent in rows if parent is not None} - set(known)
    chains = {}
    for pid in ids:
        chain, current = [], pid
        while current in known and known[current][0] not in chain:
            chain.append(known[current][0])
            current = known[current][1]
        chains[pid] = chain
    return chains


def ranged_groups(session: Session) -> list[str]:
    """Names of the ranged product groups that exist (a handful: one per range in use)."""
    pattern = f"{PRODUCT_GROUP_PREFIX}%{RANGE_MARK}%"
    return list(session.scalars(select(AccessGroup.name).where(AccessGroup.name.like(pattern))))


def level_groups(session: Session, organisation_id: int, today: date | None = None) -> set[str]:
    """The `contract:` groups of the levels the organisation holds today."""
    today = today or utcnow().date()
    query = select(OrganisationLevel.level).where(
        OrganisationLevel.organisation_id == organisation_id,
        OrganisationLevel.starts_on <= today,
        or_(OrganisationLevel.ends_on.is_(None), OrganisationLevel.ends_on >= today),
    )
    return {contract_group(level) for level in session.scalars(query)}


def hold_levels(session: Session, organisation_id: int, held: Iterable[Held]) -> bool:
    """Make the organisation hold exactly these levels over these days (what its contracts
    say now); whether anything changed."""
    wanted = sorted(set(held), key=repr)
    rows = session.scalars(
        select(OrganisationLevel).where(OrganisationLevel.organisation_id == organisation_id)
    ).all()
    if sorted({(r.level, r.starts_on, r.ends_on) for r in rows}, key=repr) == wanted:
        return False
    session.execute(
        delete(OrganisationLevel).where(OrganisationLevel.organisation_id == organisation_id)
    )
    session.add_all(
        OrganisationLevel(organisation_id=organisation_id, level=lvl, starts_on=s, ends_on=e)
        for lvl, s, e in wanted
    )
    session.flush()
    return True


def known_levels(session: Session) -> list[str]:
    """Levels organisations hold or have held, for the editor to offer."""
    query = select(OrganisationLevel.level).distinct().order_by(OrganisationLevel.level)
    return list(session.scalars(query))
