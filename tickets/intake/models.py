"""What the intake keeps of every message it was given, and of the mail the desk sent.

One InboundMail row a message, whatever became of it, so that feeding the same message again
is seen and named (the unique Message-ID and content hash decide, in the database, even when
two intakes race), and so that a message nobody could read waits in the quarantine. The raw
bytes of each message go to the attachment store by hash: nothing given is ever dropped.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb_service.db import Base, UTCDateTime, utcnow

OUTCOMES = ("ticket", "reply", "ignored", "quarantined")


class InboundMail(Base):
    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The sender's Message-ID (a hash of it when longer than the column); None when missing.
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # SHA-256 of the message less its transfer trace (parsing.fingerprint): the same message
    # delivered twice, or one without a Message-ID fed twice, is one key.
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Where it came from: a file's path, "-" for standard input, "imap:user@host/folder".
    source: Mapped[str] = mapped_column(String(300), default="")
    # One of OUTCOMES.
    outcome: Mapped[str] = mapped_column(String(16), index=True)
    # Why it was ignored ("auto-submitted: auto-replied") or quarantined (the error).
    reason: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(300), default="")
    sender: Mapped[str] = mapped_column(String(254), default="")
    # The raw bytes in the attachment store, to read again on a retry.
    raw_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutgoingMail(Base):
    """A message the desk sent about a ticket: a reply to it finds the ticket by its id."""

    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
