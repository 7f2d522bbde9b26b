"""Who may see what: the one place that turns a viewer into visible groups and statuses.

Search applies `Viewer.groups` as an index filter; database queries apply `article_filter`.
Both come from here, so a page, a count, a suggestion and a link cannot disagree. Pure: the
accounts service loads a user's roles, memberships and products and hands them to `viewer_of`.

Entitlements are access groups with names of their own, so the index's filter stays one set
lookup whatever they say; an article is readable with ANY of its groups:
- `product:CODE`: owners of the product or of anything in its family (marked as owned, or an
  equipment item of it installed at the organisation);
- `product:CODE@LOW..HIGH` (either end may be empty: `product:CODE@3..` is "3.x and later"):
  organisations with an equipment item of the product (or its family) whose version lies in the
  range (`kb_service/catalogue/versions.py`). An item with no version, or one that is not
  dotted numbers, and a product only marked as owned, entitle to unranged restrictions only:
  nobody can tell which version such a client runs;
- `contract:LEVEL`: organisations holding a service contract of that level today.
Each viewer gets the tokens they are entitled to, computed from the ranges in use
(`entitled_ranges`), never a pattern the searcher has to match.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from kb_service.accounts.models import AccessGroup
from kb_service.articles.models import Article, article_group
from kb_service.catalogue import versions

STAFF_ROLES = frozenset({"dispatcher", "engineer", "editor", "manager", "admin"})
# Roles that curate the KB and so see drafts and archived articles too.
CURATOR_ROLES = frozenset({"editor", "manager", "admin"})
WRITER_ROLES = CURATOR_ROLES | {"engineer"}

PUBLIC = "public"
CUSTOMERS = "customers"
INTERNAL = "internal"
BUILTIN_GROUPS = (PUBLIC, CUSTOMERS, INTERNAL)
# Owning a product grants this implicit group, so an article can be meant for its owners only.
PRODUCT_GROUP_PREFIX = "product:"
# Between a product's code and its version range in a ranged restriction's name.
RANGE_MARK = "@"
# Holding a service contract of a level grants this implicit group.
CONTRACT_GROUP_PREFIX = "contract:"


@dataclass(frozen=True)
class ProductRestriction:
    """What a `product:` group asks for: a product (with its family) and a version range."""

    code: str
    low: str | None = None
    high: str | None = None

    @property
    def name(self) -> str:
        if not self.low and not self.high:
            return PRODUCT_GROUP_PREFIX + self.code
        return f"{PRODUCT_GROUP_PREFIX}{self.code}{RANGE_MARK}{self.low or ''}..{self.high or ''}"

    @property
    def ranged(self) -> bool:
        return bool(self.low or self.high)

    def admits(self, codes: Iterable[str], version: str | None) -> bool:
        """Whether an item of a product with these codes (its own and its families') counts."""
        if self.code not in codes:
            return False
        return not self.ranged or versions.in_range(version, self.low, self.high)


def product_restriction(code: str, low: str | None = None, high: str | None = None):
    """The restriction with its range written canonically; ValueError for a bad range."""
    low, high = versions.bound(low), versions.bound(high)
    versions.check_range(low, high)
    return ProductRestriction(code, low, high)


def parse_product_group(name: str) -> ProductRestriction | None:
    """The restriction a `product:` group name says, None for any other name."""
    if not name.startswith(PRODUCT_GROUP_PREFIX):
        return None
    code, mark, span = name.removeprefix(PRODUCT_GROUP_PREFIX).partition(RANGE_MARK)
    if not mark:
        return ProductRestriction(code)
    low, dots, high = span.partition("..")
    if not dots:
        raise ValueError(f"{name!r}: a version range is written LOW..HIGH, such as 3..4.2")
    return product_restriction(code, low, high)


def contract_group(level: str) -> str:
    return CONTRACT_GROUP_PREFIX + level


def entitled_ranges(
    ranged: Iterable[str], installed: Iterable[tuple[Iterable[str], str | None]]
) -> set[str]:
    """The ranged product groups (of those in use) that installed items entitle to; each item
    is the codes of its product with the product's families, and its version."""
    items = [(frozenset(codes), version) for codes, version in installed]
    granted = set()
    for name in ranged:
        try:
            restriction = parse_product_group(name)
        except ValueError:  # a group named by hand before ranges existed: it grants nothing
            continue
        if restriction and any(restriction.admits(codes, v) for codes, v in items):
            granted.add(name)
    return granted


@dataclass(frozen=True)
class Viewer:
    kind: Literal["anonymous", "client", "staff"]
    user_id: int | None = None
    roles: frozenset[str] = frozenset()
    # None means every group (staff); otherwise the groups whose articles this viewer may read.
    groups: frozenset[str] | None = frozenset({PUBLIC})
    products: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def sees_drafts(self) -> bool:
        return bool(self.roles & CURATOR_ROLES)

    def has_any(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)


ANONYMOUS = Viewer(kind="anonymous")


def viewer_of(
    user_id: int,
    roles: Iterable[str],
    *,
    in_organisation: bool,
    groups: Iterable[str] = (),
    products: Iterable[str] = (),
) -> Viewer:
    """What a signed-in, active user may see, from their roles, the named groups they or their
    organisation belong to, and the products (with families) their organisation owns."""
    roles = frozenset(roles)
    if roles & STAFF_ROLES:
        return Viewer(kind="staff", user_id=user_id, roles=roles, groups=None)
    visible = {PUBLIC, *groups}
    if in_organisation:
        visible.add(CUSTOMERS)
    visible.update(PRODUCT_GROUP_PREFIX + code for code in products)
    visible.discard(INTERNAL)
    return Viewer(
        kind="client",
        user_id=user_id,
        roles=roles,
        groups=frozenset(visible),
        products=frozenset(products),
    )


def article_filter(viewer: Viewer) -> ColumnElement[bool]:
    """SQL condition on `Article` selecting exactly what the viewer may read."""
    if viewer.sees_drafts:
        status_ok = true()
    elif viewer.is_staff:
        status_ok = or_(Article.status == "published", Article.author_id == viewer.user_id)
    else:
        status_ok = Article.status == "published"
    if viewer.groups is None:
        return status_ok
    in_groups = exists(
        select(article_group.c.article_id)
        .join(AccessGroup, AccessGroup.id == article_group.c.group_id)
        .where(
            article_group.c.article_id == Article.id,
            AccessGroup.name.in_(sorted(viewer.groups)),
        )
    )
    return and_(status_ok, in_groups)


def can_read(viewer: Viewer, article) -> bool:
    """The same rule as `article_filter`, for an article already loaded with its groups."""
    own_draft = viewer.is_staff and article.author_id == viewer.user_id
    if not viewer.sees_drafts and article.status != "published" and not own_draft:
        return False
    if viewer.groups is None:
        return True
    return any(name in viewer.groups for name in article.group_names)


@dataclass(frozen=True)
class _Snapshot:
    status: str
    group_names: list[str]
    author_id: int | None


def can_read_version(viewer: Viewer, version, author_id: int | None) -> bool:
    """`can_read` judged on a saved state's own status and groups; staff see all history.

    Reading the current text must not open what the article said while it was a draft or
    meant for a narrower audience.
    """
    if viewer.is_staff:
        return True
    return can_read(viewer, _Snapshot(version.status, list(version.groups), author_id))
