"""Writing the audit log (`record`, in the caller's transaction) and reading it (admins)."""

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kb_service.access import Viewer
from kb_service.accounts.models import User
from kb_service.audit.models import AuditEntry
from kb_service.errors import Forbidden

# Every action the log knows; the console offers them as a filter (strings `audit.action.*`).
SIGN_IN = "sign_in"
SIGN_IN_FAILED = "sign_in.failed"
SIGN_OUT = "sign_out"
PASSWORD_CHANGED = "password.changed"
PASSWORD_RESET_REQUESTED = "password.reset_requested"
PASSWORD_RESET = "password.reset"
USER_CREATED = "user.created"
USER_ROLES_CHANGED = "user.roles_changed"
USER_ACTIVATED = "user.activated"
USER_DEACTIVATED = "user.deactivated"
USER_GROUP_ADDED = "user.group_added"
ORGANISATION_GROUP_ADDED = "organisation.group_added"
ARTICLE_ACCESS_CHANGED = "article.access_changed"
BACKUP_CREATED = "backup.created"
BACKUP_RESTORED = "backup.restored"
EXPORTED = "export"
TOKEN_CREATED = "token.created"
TOKEN_REVOKED = "token.revoked"
ACTIONS = (
    SIGN_IN, SIGN_IN_FAILED, SIGN_OUT, PASSWORD_CHANGED, PASSWORD_RESET_REQUESTED,
    PASSWORD_RESET, USER_CREATED, USER_ROLES_CHANGED, USER_ACTIVATED, USER_DEACTIVATED,
    USER_GROUP_ADDED, ORGANISATION_GROUP_ADDED, ARTICLE_ACCESS_CHANGED, BACKUP_CREATED,
    BACKUP_RESTORED, EXPORTED, TOKEN_CREATED, TOKEN_REVOKED,
)  # fmt: skip
LABELS = ("user", "cli", "system", "anonymous")
PAGE_SIZE = 50

Target = tuple[str, object]  # (kind, id), e.g. ("user", 5) or ("article", "kb-1")


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    target: Target | None = None,
    details: dict | None = None,
    *,
    label: str | None = None,
    address: str | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction: it commits, or vanishes, with the action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    kind, target_id = target if target is not None else (None, None)
    entry = AuditEntry(
        actor_id=actor_id,
        actor_label=label or ("user" if actor_id is not None else "system"),
        action=action,
        target_kind=kind,
        target_id=None if target_id is None else str(target_id)[:200],
        details=details or {},
        source=network(address) if address else None,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class Actor:
    """Who acts, for services that record on behalf of their caller."""

    user_id: int | None
    label: str | None = None
    address: str | None = None  # the client's address; only its network is kept

    def record(
        self,
        session: Session,
        action: str,
        target: Target | None = None,
        details: dict | None = None,
    ) -> AuditEntry:
        return record(
            session, self.user_id, action, target, details, label=self.label, address=self.address
        )


CLI = Actor(None, "cli")
SYSTEM = Actor(None, "system")


def network(address: str) -> str | None:
    """The network an address belongs to (IPv4 /24, IPv6 /48); None for a non-address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@dataclass(frozen=True)
class Filters:
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    action: str = ""
    actor: str = ""  # an account's e-mail or id, or a label such as "cli"
    target: str = ""  # an id, "kind:id", or an account's e-mail


@dataclass(frozen=True)
class Row:
    entry: AuditEntry
    actor_email: str | None  # as the account is now; None when it is gone
    target_email: str | None


@dataclass(frozen=True)
class AuditPage:
    rows: list[Row]
    total: int
    page_number: int
    pages: int


def require_admin(viewer: Viewer) -> None:
    if "admin" not in viewer.roles:
        raise Forbidden("only administrators read the audit log")


def search(session: Session, viewer: Viewer, filters: Filters, page_number: int = 1) -> AuditPage:
    """One page of entries, newest first, that match the filters."""
    require_admin(viewer)
    query = _filtered(session, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(page_number, pages)
    entries = session.scalars(
        query.order_by(AuditEntry.id.desc()).offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return AuditPage(_rows(session, entries), total, page_number, pages)


def export(
    session: Session, viewer: Viewer, filters: Filters, limit: int, address: str | None = None
) -> list[Row] | None:
    """Every matching entry, oldest first, and a note that they were exported (an export
    is itself audited); None, and no note, when there are more than `limit`."""
    require_admin(viewer)
    query = _filtered(session, filters).order_by(AuditEntry.id).limit(limit + 1)
    entries = session.scalars(query).all()
    if len(entries) > limit:
        return None
    details = {"rows": len(entries), "filters": _described(session, filters)}
    record(session, viewer.user_id, EXPORTED, ("report", "audit"), details, address=address)
    return _rows(session, entries)


def _described(session: Session, filters: Filters) -> dict:
    """The filters as the log keeps them: an account by its id, not its e-mail."""

    def person(value: str) -> str:
        return f"user:{_account_id(session, value)}" if "@" in value else value

    chosen = {
        "from": filters.start.isoformat() if filters.start else None,
        "to": filters.end.isoformat() if filters.end else None,
        "action": filters.action,
        "actor": person(filters.actor),
        "target": person(filters.target),
    }
    return {name: value for name, value in chosen.items() if value}


def _filtered(session: Session, filters: Filters) -> Select:
    query = select(AuditEntry)
    if filters.start is not None:
        query = query.where(AuditEntry.at >= filters.start)
    if filters.end is not None:
        query = query.where(AuditEntry.at < filters.end)
    if filters.action:
        # "user" finds every user.* action; "user.created" that one.
        query = query.where(
            (AuditEntry.action == filters.action)
            | AuditEntry.action.startswith(filters.action + ".", autoescape=True)
        )
    if filters.actor:
        query = query.where(_actor_condition(session, filters.actor.strip()))
    if filters.target:
        query = query.where(_target_condition(session, filters.target.strip()))
    return query


def _actor_condition(session: Session, actor: str):
    if actor in LABELS and actor != "user":
        return AuditEntry.actor_label == actor
    return AuditEntry.actor_id == _account_id(session, actor)


def _target_condition(session: Session, target: str):
    if "@" in target:
        kind, target_id = "user", _account_id(session, target)
        return (AuditEntry.target_kind == kind) & (AuditEntry.target_id == str(target_id))
    kind, _, target_id = target.rpartition(":")
    if kind:
        return (AuditEntry.target_kind == kind) & (AuditEntry.target_id == target_id)
    return AuditEntry.target_id == target_id


def _account_id(session: Session, actor: str) -> int:
    """An e-mail's account id, or the number given; -1 (matches nothing) for neither."""
    if actor.isdigit():
        return int(actor)
    found = session.scalar(select(User.id).where(User.email == actor.lower()))
    return found if found is not None else -1


def _rows(session: Session, entries: Sequence[AuditEntry]) -> list[Row]:
    """The entries with the accounts they name as e-mails, looked up in one query."""
    targets = {e.id: _user_target(e) for e in entries}
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    ids |= {target for target in targets.values() if target is not None}
    query = select(User.id, User.email).where(User.id.in_(ids))
    emails = dict(session.execute(query).all()) if ids else {}
    return [Row(e, emails.get(e.actor_id), emails.get(targets[e.id])) for e in entries]


def _user_target(entry: AuditEntry) -> int | None:
    if entry.target_kind == "user" and _is_id(entry.target_id):
        return int(entry.target_id)
    return None


def _is_id(value: str | None) -> bool:
    return value is not None and value.isdigit()
