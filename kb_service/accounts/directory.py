"""Sign-in against the company's directory (LDAP, Active Directory), with ldap3.

When `SPRAVKA_LDAP_URL` is set, a sign-in first looks the address up in the directory (with
the service account, `SPRAVKA_LDAP_BIND_DN`): a person found there signs in with their
directory password only, by a bind as themselves. Their groups (groupOfNames or
groupOfUniqueNames whose member they are; Active Directory's are groups too) are mapped by
`SPRAVKA_LDAP_GROUPS` to Spravka's roles, access groups and organisation, and the account is
created or brought up to date at every sign-in, so a change in the directory reaches Spravka
with the next sign-in. A person in no mapped group is refused: being in the directory is not
by itself a reason to enter the desk.

An address the directory does not know, or a directory that does not answer, falls back to
the local accounts (the administrator made by `spravka user add` keeps working during an
outage). Directory accounts keep no local password.
"""

import logging
import math
from dataclasses import dataclass, field

from ldap3 import Connection, Server
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from sqlalchemy.orm import Session

from kb_service.accounts.external import Grant, combined, grants_of, managed_groups, upsert_account
from kb_service.accounts.models import User
from kb_service.config import Settings

log = logging.getLogger(__name__)

GROUPS_OF = (
    "(|(&(objectClass=groupOfNames)(member={dn}))"
    "(&(objectClass=groupOfUniqueNames)(uniqueMember={dn}))"
    "(&(objectClass=group)(member={dn})))"
)


class NotInDirectory(Exception):
    """The directory does not know this address, or is not configured or not answering."""


@dataclass(frozen=True)
class DirectoryConfig:
    url: str
    base_dn: str
    bind_dn: str | None = None
    bind_password: str | None = None
    user_filter: str = "(mail={email})"
    timeout: float = 5.0
    grants: dict[str, Grant] = field(default_factory=dict)  # lower-cased group DN -> grant

    @classmethod
    def of(cls, settings: Settings) -> "DirectoryConfig | None":
        if not settings.ldap_url:
            return None
        grants = {dn.lower(): grant for dn, grant in grants_of(settings.ldap_groups).items()}
        return cls(
            settings.ldap_url,
            settings.ldap_base_dn,
            settings.ldap_bind_dn,
            settings.ldap_bind_password,
            settings.ldap_user_filter,
            settings.ldap_timeout,
            grants,
        )


@dataclass(frozen=True)
class Person:
    dn: str
    name: str
    groups: frozenset[str]  # lower-cased DNs


def sign_in(session: Session, config: DirectoryConfig, email: str, password: str) -> User | None:
    """The account of a directory person whose password is right and who holds a mapped
    group; None when refused. NotInDirectory: let the local accounts decide."""
    person = find(config, email)
    if not password or not _binds(config, person.dn, password):
        return None  # an empty password would be an anonymous bind, which always "succeeds"
    grant = _granted(config, person)
    if not grant.roles:
        log.info("directory sign-in refused: no mapped group for %s", person.dn)
        return None
    return upsert_account(session, email, person.name, grant, managed_groups(config.grants))


def find(config: DirectoryConfig, email: str) -> Person:
    try:
        with _connection(config, config.bind_dn, config.bind_password) as c:
            query = config.user_filter.format(email=escape_filter_chars(email.strip()))
            c.search(config.base_dn, query, attributes=["cn", "displayName"])
            if len(c.entries) != 1:
                raise NotInDirectory(email)
            entry = c.entries[0]
            dn = entry.entry_dn
            c.search(config.base_dn, GROUPS_OF.format(dn=escape_filter_chars(dn)),
                     attributes=[])  # fmt: skip
            groups = frozenset(e.entry_dn.lower() for e in c.entries)
    except LDAPException as exc:
        log.warning("the directory did not answer (%s): local accounts only", type(exc).__name__)
        raise NotInDirectory(email) from exc
    name = _first(entry, "displayName") or _first(entry, "cn") or email
    return Person(dn, name, groups)


def _connection(config: DirectoryConfig, user: str | None, password: str | None) -> Connection:
    seconds = max(1, math.ceil(config.timeout))  # ldap3 packs it into a socket option: whole
    server = Server(config.url, connect_timeout=seconds, get_info=None)
    return Connection(server, user, password, auto_bind=True, receive_timeout=seconds,
                      raise_exceptions=False, read_only=True)  # fmt: skip


def _binds(config: DirectoryConfig, dn: str, password: str) -> bool:
    try:
        with _connection(config, dn, password) as c:
            return c.bound
    except LDAPException:
        return False


def _first(entry, attribute: str) -> str | None:
    if attribute not in entry.entry_attributes:
        return None
    values = entry[attribute].values
    return str(values[0]) if values else None


def _granted(config: DirectoryConfig, person: Person) -> Grant:
    return combined(config.grants[dn] for dn in sorted(person.groups) if dn in config.grants)
