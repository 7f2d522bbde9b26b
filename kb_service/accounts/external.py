"""Accounts whose person an outside identity source vouches for (the directory, single
sign-on): what their groups grant, and the account brought up to date at each sign-in."""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb_service.accounts.models import ROLES, AccessGroup, User, UserRole, group_user
from kb_service.errors import Invalid


@dataclass(frozen=True)
class Grant:
    """What one directory group gives its members in Spravka."""

    roles: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    organisation: str | None = None


def grants_of(mapping: dict[str, dict]) -> dict[str, Grant]:
    """A setting's mapping of outside group names to what they grant, checked."""
    grants = {}
    for name, value in mapping.items():
        roles = frozenset(value.get("roles", ()))
        if unknown := sorted(roles - set(ROLES)):
            raise Invalid(f"the group mapping of {name!r} names unknown role(s) {unknown}")
        grants[name] = Grant(roles, frozenset(value.get("groups", ())), value.get("organisation"))
    return grants


def combined(grants: Iterable[Grant]) -> Grant:
    grants = list(grants)
    organisations = [g.organisation for g in grants if g.organisation]
    return Grant(
        frozenset().union(*(g.roles for g in grants)),
        frozenset().union(*(g.groups for g in grants)),
        organisations[0] if organisations else None,
    )


def managed_groups(grants: dict[str, Grant]) -> frozenset[str]:
    """The access groups any mapping names: their memberships follow the outside source."""
    return frozenset().union(*(g.groups for g in grants.values()))


def upsert_account(
    session: Session, email: str, name: str, grant: Grant, managed: frozenset[str]
) -> User | None:
    """Create or update the account from the outside source: name, roles, organisation,
    groups. None for an account switched off in Spravka (the source does not revive it)."""
    from kb_service.accounts import service

    user = service.get_user_by_email(session, email)
    if user is None:
        user = service.create_user(
            session,
            email=email,
            name=name,
            roles=sorted(grant.roles),
            organisation=grant.organisation,
        )
    elif not user.is_active:
        return None
    else:
        user.name = name
        user.password_hash = None  # its password is checked by the outside source only
        # Changed row by row: replacing the list would insert a role before deleting it.
        user.role_rows[:] = [r for r in user.role_rows if r.role in grant.roles]
        user.role_rows.extend(UserRole(role=r) for r in sorted(grant.roles - user.roles))
        if grant.organisation:
            organisation = service.get_or_create_organisation(session, grant.organisation)
            user.organisation_id = organisation.id
    session.flush()
    _set_groups(session, user, grant.groups, managed)
    return user


def _set_groups(session: Session, user: User, granted: frozenset[str], managed: frozenset[str]):
    """Membership of the groups the directory manages (those any mapping names) follows the
    directory; memberships given by hand in other groups stay."""
    from kb_service.accounts import service

    current = set(
        session.scalars(
            select(AccessGroup.name).join(group_user).where(group_user.c.user_id == user.id)
        )
    )
    for name in sorted(granted - current):
        group = service.get_or_create_group(session, name)
        session.execute(group_user.insert().values(group_id=group.id, user_id=user.id))
    gone = (current & managed) - granted
    if gone:
        ids = select(AccessGroup.id).where(AccessGroup.name.in_(sorted(gone)))
        session.execute(
            group_user.delete().where(
                group_user.c.user_id == user.id, group_user.c.group_id.in_(ids)
            )
        )
