"""An article's audience as its editor names it: access groups, of which the entitlement groups
(`product:CODE`, `product:CODE@LOW..HIGH`, `contract:LEVEL`; see `kb_service/access.py`) are
made on first use and written canonically, so "product:X@3.x.." and "product:X@3.." are one
group and one index token. Other groups must exist already."""

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.access import CONTRACT_GROUP_PREFIX, PRODUCT_GROUP_PREFIX, parse_product_group
from kb_service.accounts.models import AccessGroup
from kb_service.catalogue.models import Product
from kb_service.errors import Invalid

# As the desk's contracts write a level (tickets/contracts/schemas.py).
LEVEL = re.compile(r"[a-z][a-z0-9_-]{0,31}")
MAX_NAME = 100  # AccessGroup.name


def resolve_groups(session: Session, names: list[str]) -> list[AccessGroup]:
    """The groups by name, entitlement groups made when new; Invalid names every unknown one."""
    canonical = list(dict.fromkeys(canonical_name(session, name) for name in names))
    groups = list(session.scalars(select(AccessGroup).where(AccessGroup.name.in_(canonical))))
    found = {g.name for g in groups}
    missing = []
    for name in canonical:
        if name in found:
            continue
        if not is_entitlement(name):
            missing.append(name)
            continue
        group = AccessGroup(name=name, description="")
        session.add(group)
        groups.append(group)
    if missing:
        raise Invalid(f"unknown access group(s): {', '.join(sorted(missing))}")
    session.flush()
    return groups


def is_entitlement(name: str) -> bool:
    return name.startswith((PRODUCT_GROUP_PREFIX, CONTRACT_GROUP_PREFIX))


def canonical_name(session: Session, name: str) -> str:
    """The name as stored; Invalid for an entitlement group that says nothing valid."""
    if name.startswith(CONTRACT_GROUP_PREFIX):
        if not LEVEL.fullmatch(name.removeprefix(CONTRACT_GROUP_PREFIX)):
            raise Invalid(f"{name!r}: a contract level is lower-case letters, digits, _ and -")
        return name
    if not name.startswith(PRODUCT_GROUP_PREFIX):
        return name
    try:
        restriction = parse_product_group(name)
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    if session.scalar(select(Product.id).where(Product.code == restriction.code)) is None:
        raise Invalid(f"{name!r}: unknown product {restriction.code!r}")
    if len(restriction.name) > MAX_NAME:
        raise Invalid(f"{name!r}: a restriction's name is at most {MAX_NAME} characters")
    return restriction.name
