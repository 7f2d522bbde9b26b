"""People, organisations, roles, access groups and API tokens."""

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.catalogue.models import Product
from kb_service.db import Base, UTCDateTime, utcnow

ROLES = ("client", "dispatcher", "engineer", "editor", "manager", "admin")

group_user = Table(
    "group_user",
    Base.metadata,
    Column("group_id", ForeignKey("access_group.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)

group_organisation = Table(
    "group_organisation",
    Base.metadata,
    Column("group_id", ForeignKey("access_group.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

organisation_product = Table(
    "organisation_product",
    Base.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("product_id", ForeignKey("product.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    products: Mapped[list[Product]] = relationship(secondary=organisation_product, lazy="raise")
    groups: Mapped[list["AccessGroup"]] = relationship(
        secondary=group_organisation, lazy="raise", back_populates="organisations"
    )


class User(Base):
    # "user" is reserved in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str] = mapped_column(String(8), default="ru")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(lazy="raise")
    role_rows: Mapped[list["UserRole"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )
    groups: Mapped[list["AccessGroup"]] = relationship(
        secondary=group_user, lazy="raise", back_populates="users"
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(row.role for row in self.role_rows)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class AccessGroup(Base):
    """Who may read an article: `public`, `customers`, `internal` or any named audience."""

    __tablename__ = "access_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(
        secondary=group_user, lazy="raise", back_populates="groups"
    )
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=group_organisation, lazy="raise", back_populates="groups"
    )


class OrganisationLevel(Base):
    """A service level ("basic", "premium") an organisation holds from one day to another, as
    its service contracts say: kept here for access, filled by the desk (see
    `kb_service/accounts/entitlements.py`)."""

    __tablename__ = "organisation_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    # The last day held; None: until further notice.
    ends_on: Mapped[date | None] = mapped_column(Date)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Only a SHA-256 of the token is kept: a leaked database gives no usable tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")


class UserSession(Base):
    """A signed-in browser session: the cookie carries its token, the server can end it."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Only a SHA-256 of the token is kept, as for API tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(lazy="raise")


class LoginFailure(Base):
    """One failed sign-in; the throttle (kb_service.accounts.throttle) counts these.

    In the database, not in memory, so every process and node counts the same failures.
    """

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    # throttle.account_key: a hash of the e-mail as typed, whether or not such an account exists.
    account: Mapped[str] = mapped_column(String(64), index=True)
    # throttle.address_key: the client's address (IPv6 per /64).
    address: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PasswordReset(Base):
    """A link mailed to reset a password: used once, before it expires."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # Only a SHA-256 of the link's token is kept, as for API tokens.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise")


class ResetRequest(Base):
    """One request for a reset link, whether or not the address has an account: the
    throttle counts these per address typed and per client address, like LoginFailure."""

    __tablename__ = "reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64), index=True)  # throttle.account_key
    address: Mapped[str] = mapped_column(String(64), index=True)  # throttle.address_key
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


__all__ = [
    "ROLES",
    "Organisation",
    "User",
    "UserRole",
    "AccessGroup",
    "ApiToken",
    "UserSession",
    "LoginFailure",
    "PasswordReset",
    "ResetRequest",
]
