"""Who may see what: the one place that turns a viewer into visible groups and statuses.

Search applies `Viewer.groups` as an index filter; database queries apply `article_filter`.
Both come from here, so a page, a count, a suggestion and a link cannot disagree. Pure: the
accounts service loads a user's roles, memberships and products and hands them to `viewer_of`.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import ColumnElement, and_, exists, or_, select, true

from kb_service.accounts.models import AccessGroup
from kb_service.articles.models import Article, article_group

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
