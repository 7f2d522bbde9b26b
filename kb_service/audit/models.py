"""One row per security-relevant action; rows are only ever added.

Privacy: a row names people by their account id only (no e-mail, name or text they typed),
so deleting an account leaves numbers behind, not a person. Where a request came from is
kept as its network (IPv4 /24, IPv6 /48), enough to see an attack's origin without naming
one subscriber. `details` never holds secrets (passwords, tokens, their hashes).
"""

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow

# The migration (0016) guards the table with triggers that refuse UPDATE and DELETE (and
# TRUNCATE on PostgreSQL); this message is what they raise.
APPEND_ONLY = "the audit log is append-only"


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key: the log outlives the accounts it names, and a cascade would update it.
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Who acted when no account did, or how: "user", "cli", "system", "anonymous".
    actor_label: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_kind: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(200), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str | None] = mapped_column(String(64))  # the request's network


__all__ = ["APPEND_ONLY", "AuditEntry"]
