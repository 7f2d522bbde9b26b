"""Accounts: users and their roles, organisations, access groups, passwords and API tokens."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from kb_service.access import ANONYMOUS, STAFF_ROLES, Viewer, viewer_of
from kb_service.accounts import entitlements, throttle
from kb_service.accounts.directory import DirectoryConfig, NotInDirectory
from kb_service.accounts.directory import sign_in as directory_sign_in
from kb_service.accounts.models import (
    ROLES,
    AccessGroup,
    ApiToken,
    LoginFailure,
    Organisation,
    User,
    UserRole,
    group_organisation,
    group_user,
    organisation_product,
)
from kb_service.accounts.sessions import end_sessions
from kb_service.activity import ActivityLog
from kb_service.audit import service as audit
from kb_service.audit.service import SYSTEM, Actor
from kb_service.catalogue.models import Product
from kb_service.errors import Conflict, Forbidden, Invalid, NotFound

_hasher = PasswordHasher()
TOKEN_PREFIX = "spr_"
# A token is used on every API call; writing that each time made every request a writer.
TOKEN_USE_PRECISION = timedelta(minutes=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise Invalid(f"not an e-mail address: {email!r}")
    return email


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None = None,
    roles: list[str] | tuple[str, ...] = ("client",),
    organisation: str | None = None,
    locale: str = "ru",
    actor: Actor = SYSTEM,
) -> User:
    """Add a person with the given roles; the organisation is created if new."""
    email = normalise_email(email)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(f"unknown role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
    if get_user_by_email(session, email) is not None:
        raise Conflict(f"a user with e-mail {email} exists already")
    if password is not None:
        check_new_password(password)
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password) if password else None,
        organisation_id=get_or_create_organisation(session, organisation).id
        if organisation
        else None,
        locale=locale,
        role_rows=[UserRole(role=role) for role in dict.fromkeys(roles)],
    )
    session.add(user)
    session.flush()
    actor.record(session, audit.USER_CREATED, ("user", user.id), {"roles": sorted(user.roles)})
    return user


def check_new_password(password: str) -> None:
    """The one rule for new passwords, wherever they are set."""
    if len(password) < 8:
        raise Invalid("a password needs at least 8 characters")


def change_password(
    session: Session,
    user: User,
    current: str,
    new: str,
    keep_session: str | None = None,
    address: str | None = None,
) -> None:
    """Set a new password after checking the current one; every other session ends."""
    if not verify_password(user, current):
        raise Forbidden("the current password is wrong")
    check_new_password(new)
    user.password_hash = hash_password(new)
    end_sessions(session, user, keep=keep_session)
    audit.record(session, user.id, audit.PASSWORD_CHANGED, ("user", user.id), address=address)


def update_user(
    session: Session,
    user_id: int,
    *,
    roles: list[str] | None = None,
    is_active: bool | None = None,
    name: str | None = None,
    actor: Actor = SYSTEM,
) -> User:
    """Change a person's roles, activity or name; new roles or deactivation end their
    sessions, so nobody keeps rights in an open browser that they no longer have."""
    user = get_user(session, user_id)
    if name is not None:
        user.name = name.strip() or user.email
    access_changed = False
    if roles is not None and set(roles) != user.roles:
        unknown = sorted(set(roles) - set(ROLES))
        if unknown or not roles:
            raise Invalid(f"unknown or no role(s) {', '.join(unknown)}; known: {', '.join(ROLES)}")
        before = sorted(user.roles)
        user.role_rows = [UserRole(role=role) for role in dict.fromkeys(roles)]
        access_changed = True
        details = {"before": before, "after": sorted(dict.fromkeys(roles))}
        actor.record(session, audit.USER_ROLES_CHANGED, ("user", user.id), details)
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        access_changed = True
        action = audit.USER_ACTIVATED if is_active else audit.USER_DEACTIVATED
        actor.record(session, action, ("user", user.id))
    if access_changed:
        end_sessions(session, user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def get_or_create_organisation(session: Session, name: str) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name)
        session.add(organisation)
        session.flush()
    return organisation


def give_products(session: Session, organisation: Organisation, codes: list[str]) -> None:
    """Record that an organisation owns these products."""
    products = session.scalars(select(Product).where(Product.code.in_(codes))).all()
    missing = sorted(set(codes) - {p.code for p in products})
    if missing:
        raise Invalid(f"unknown product(s): {', '.join(missing)}")
    for product in products:
        session.execute(
            organisation_product.insert().values(
                organisation_id=organisation.id, product_id=product.id
            )
        )


def list_groups(session: Session) -> list[AccessGroup]:
    return list(session.scalars(select(AccessGroup).order_by(AccessGroup.name)))


def get_or_create_group(session: Session, name: str, description: str = "") -> AccessGroup:
    group = session.scalar(select(AccessGroup).where(AccessGroup.name == name))
    if group is None:
        group = AccessGroup(name=name, description=description)
        session.add(group)
        session.flush()
    return group


def create_group(session: Session, name: str, description: str = "") -> AccessGroup:
    if session.scalar(select(AccessGroup).where(AccessGroup.name == name)) is not None:
        raise Conflict(f"access group {name!r} exists already")
    return get_or_create_group(session, name, description)


def add_member(
    session: Session,
    group: AccessGroup,
    *,
    user: User | None = None,
    org: Organisation | None = None,
    actor: Actor = SYSTEM,
) -> None:
    """Let a user, or every user of an organisation, read the group's articles."""
    if user is not None:
        session.execute(group_user.insert().values(group_id=group.id, user_id=user.id))
        actor.record(session, audit.USER_GROUP_ADDED, ("user", user.id), {"group": group.name})
    if org is not None:
        session.execute(
            group_organisation.insert().values(group_id=group.id, organisation_id=org.id)
        )
        target = ("organisation", org.id)
        actor.record(session, audit.ORGANISATION_GROUP_ADDED, target, {"group": group.name})


def viewer_for(session: Session, user: User | None) -> Viewer:
    """What a user may see (anonymous for no user or an inactive one), decided by access."""
    if user is None or not user.is_active:
        return ANONYMOUS
    if user.roles & STAFF_ROLES:
        return viewer_of(user.id, user.roles, in_organisation=user.organisation_id is not None)
    group_names, product_codes = memberships(session, user)
    return viewer_of(
        user.id,
        user.roles,
        in_organisation=user.organisation_id is not None,
        groups=group_names,
        products=product_codes,
    )


def memberships(session: Session, user: User) -> tuple[set[str], set[str]]:
    """Names of the user's groups (own, organisation's, and the entitlements its products,
    installed versions and contracts give) and codes of owned products with their families."""
    names = set(
        session.scalars(
            select(AccessGroup.name).join(group_user).where(group_user.c.user_id == user.id)
        )
    )
    codes: set[str] = set()
    if user.organisation_id is not None:
        names.update(
            session.scalars(
                select(AccessGroup.name)
                .join(group_organisation)
                .where(group_organisation.c.organisation_id == user.organisation_id)
            )
        )
        codes, ranges = entitlements.product_entitlements(session, user.organisation_id)
        names |= ranges | entitlements.level_groups(session, user.organisation_id)
    return names, codes


def create_token(session: Session, user: User, name: str = "", actor: Actor = SYSTEM) -> str:
    """Issue a bearer token; only its hash is stored, so this is the one time it is seen."""
    return issue_token(session, user, name, actor)[1]


def issue_token(session: Session, user: User, name: str, actor: Actor) -> tuple[ApiToken, str]:
    """The new token's row and the token itself (shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_token_hash(token), name=name)
    session.add(row)
    session.flush()
    details = {"owner": user.id, "name": name}
    actor.record(session, audit.TOKEN_CREATED, ("token", row.id), details)
    return row, token


def user_for_token(
    session: Session, token: str, activity: ActivityLog, now: datetime
) -> User | None:
    """The active owner of a bearer token; its use is queued, not written by the request."""
    row = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == _token_hash(token))
        .options(selectinload(ApiToken.user))
    )
    if row is None or not row.user.is_active:
        return None
    if token_use_due(row.last_used_at, now):
        activity.token_used(row.id, now)
    return row.user


def token_use_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use is worth writing: to the minute tells a live token from a dead one."""
    return last_used_at is None or now - last_used_at >= TOKEN_USE_PRECISION


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(
    session: Session, email: str, password: str, directory: DirectoryConfig | None = None
) -> User | None:
    """The active user with this e-mail and password, or None (same answer for every failure).

    With a directory, a person it knows signs in there (kb_service/accounts/directory.py);
    an address it does not know falls back to the local accounts."""
    if directory is not None:
        try:
            return directory_sign_in(session, directory, email, password)
        except NotInDirectory:
            pass
    try:
        user = get_user_by_email(session, email)
    except Invalid:
        return None
    if user is None or not user.is_active:
        # Hash anyway, so a wrong address takes as long as a wrong password.
        _hasher.hash(password)
        return None
    return user if verify_password(user, password) else None


@dataclass(frozen=True)
class SignIn:
    """A sign-in attempt: the user, or None; `wait` when it was refused without trying."""

    user: User | None
    wait: timedelta | None = None


def try_sign_in(
    session: Session,
    email: str,
    password: str,
    address: str,
    now: datetime,
    directory: DirectoryConfig | None = None,
) -> SignIn:
    """Check a password under the throttle, recording a failure (the caller commits it).

    Both outcomes go to the audit log; a refusal to try (waiting) does not, since it checks
    nothing and an attacker could otherwise fill the log without even guessing.
    """
    client = address
    account, address = throttle.account_key(email), throttle.address_key(address)
    at_address = LoginFailure.address == address
    of_account_here = (LoginFailure.account == account, at_address)
    wait = throttle.retry_after(
        _failure_times(session, now, *of_account_here),
        _failure_times(session, now, at_address),
        now,
    )
    if wait is not None:
        return SignIn(None, wait)
    user = authenticate(session, email, password, directory)
    if user is None:
        _audit_failure(session, email, client)
        session.add(LoginFailure(account=account, address=address, failed_at=now))
        # Pruning on write keeps the table at about one window of failures.
        _delete_failures(session, LoginFailure.failed_at <= now - throttle.WINDOW)
    else:
        _delete_failures(session, *of_account_here)
        audit.record(session, user.id, audit.SIGN_IN, ("user", user.id), address=client)
    return SignIn(user)


def _audit_failure(session: Session, email: str, address: str) -> None:
    """A failed sign-in names the account when it exists; never what was typed, which is
    sometimes the password itself."""
    try:
        known = get_user_by_email(session, email)
    except Invalid:
        known = None
    target = ("user", known.id) if known is not None else None
    audit.record(session, None, audit.SIGN_IN_FAILED, target, label="anonymous", address=address)


def _failure_times(session: Session, now: datetime, *conditions) -> list[datetime]:
    recent = LoginFailure.failed_at > now - throttle.WINDOW
    return list(session.scalars(select(LoginFailure.failed_at).where(recent, *conditions)))


def _delete_failures(session: Session, *conditions) -> None:
    # Concurrent sign-ins may delete the same rows; skipping rows another transaction holds
    # (it deletes them anyway) means no sign-in ever waits on, or deadlocks with, another.
    # SQLite serialises writers and has no such clause; SQLAlchemy leaves it out there.
    doomed = select(LoginFailure.id).where(*conditions).with_for_update(skip_locked=True)
    session.execute(delete(LoginFailure).where(LoginFailure.id.in_(doomed)))
