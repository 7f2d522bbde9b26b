"""The product catalogue: products, their families (parents) and versions, and the equipment
installed at clients' organisations (the installed base)."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb_service.db import Base, UTCDateTime, utcnow

ACTIVE = "active"
DISCONTINUED = "discontinued"
STATUSES = (ACTIVE, DISCONTINUED)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    # A product is never deleted (articles, equipment and tickets point to it): it is
    # discontinued. No CHECK constraint: adding one needs a table copy on SQLite, and dropping
    # the old `product` would cascade to every link that points to it.
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE, server_default=ACTIVE)
    # The code of the product this one was merged into (by the catalogue sync); a merged
    # product is discontinued, and its articles, equipment and owners moved to that one. A
    # code, not a key: the sync speaks codes, and the successor may itself be merged later.
    merged_into: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped["Product | None"] = relationship(remote_side=[id], lazy="raise")
    versions: Mapped[list["ProductVersion"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProductVersion.id"
    )


class ProductVersion(Base):
    __tablename__ = "product_version"
    __table_args__ = (UniqueConstraint("product_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))


class Equipment(Base):
    """One item of a product installed at a client's organisation."""

    __tablename__ = "equipment"
    __table_args__ = (
        CheckConstraint(
            "warranty_until IS NULL OR installed_on IS NULL OR warranty_until >= installed_on",
            name="warranty_after_installation",
        ),
    )

    # The import id, chosen by whoever keeps the installed base (`spravka import equipment`).
    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    # Free text: what runs on site may be older than anything the catalogue still lists.
    version: Mapped[str | None] = mapped_column(String(64))
    serial: Mapped[str | None] = mapped_column(String(100), index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    installed_on: Mapped[date | None] = mapped_column(Date)
    warranty_until: Mapped[date | None] = mapped_column(Date)
    # A reference to the service contract as the client's paperwork names it, for now.
    contract: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    # By name: the accounts package imports this module, not the other way round.
    organisation: Mapped["Organisation"] = relationship(lazy="raise")  # noqa: F821
    product: Mapped[Product] = relationship(lazy="raise")
