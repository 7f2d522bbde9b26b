"""Filing a message: a new ticket, a reply on the right ticket, a record of an automatic
message, or the quarantine. Exactly one of these per distinct message, however often it comes.

`take` works in the caller's transaction and never commits; call it in a transaction of its
own (`take_once`), since a message that another intake took meanwhile rolls it back. It first
inserts the message's InboundMail row; its unique Message-ID and content hash make the
database, not a check before it, decide that a message was seen, so two intakes racing on one
message file it once. The rest happens in a savepoint: should filing fail for a reason of the
message, the savepoint is undone and the row stays, quarantined with the error, so the message
is never dropped.
"""

import logging
import time
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from kb_service.config import Settings
from kb_service.db import savepoint, session_scope, utcnow
from kb_service.errors import Conflict, NotFound
from kb_service.storage import AttachmentStore
from tickets.intake.decoding import one_line
from tickets.intake.filing import Limits, file_mail, keep
from tickets.intake.models import InboundMail
from tickets.intake.parsing import Mail, fingerprint, parse, unreadable_reason
from tickets.models import Ticket

log = logging.getLogger(__name__)

# What `spravka intake email --json` prints of the recorded text.
TEXT_SHOWN = 2000
# Seconds before taking a message again after a lost race, times the attempt.
RETRY_PAUSE = 0.2


@dataclass(frozen=True)
class Taken:
    """What became of one message."""

    # "ticket", "reply", "duplicate", "ignored" or "quarantined".
    outcome: str
    # The ticket's number; for a duplicate, the one the first copy went to.
    ticket: str | None
    subject: str
    # The text recorded from the message (a reply's new text; HTML turned into text).
    text: str
    inbound_id: int | None = None


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.intake_max_file_bytes, settings.intake_max_files_bytes)


def take(
    session: Session, store: AttachmentStore, raw: bytes, source: str, limits: Limits
) -> Taken:
    """File the message in `raw` once: a duplicate of one seen before names its ticket."""
    key = fingerprint(raw)
    mail, problem = _read(raw)
    message_id = mail.message_id if mail else None
    first = _first_copy(session, key, message_id)
    if first is not None:
        return _duplicate(session, first, mail)
    record = InboundMail(
        message_id=message_id,
        content_hash=key,
        source=one_line(source, 300),
        outcome="quarantined",
        reason=problem or "",
        subject=mail.subject if mail else "",
        sender=mail.sender_email if mail else "",
        raw_sha256=keep(store, raw),
        size=len(raw),
    )
    session.add(record)
    try:
        # Not in a savepoint: on SQLite this first write opens the transaction and takes the
        # write lock, so the savepoint below nests inside it (a savepoint opened outside one
        # commits on release, and its reads would make a stale snapshot for the writes).
        session.flush()
    except IntegrityError:
        # Another intake took the same message a moment ago and committed first.
        session.rollback()
        first = _first_copy(session, key, message_id)
        if first is None:
            raise
        return _duplicate(session, first, mail)
    if mail is None or problem:
        return _quarantined(record, mail)
    return _file(session, store, record, mail, limits)


def retry(session: Session, store: AttachmentStore, inbound_id: int, limits: Limits) -> Taken:
    """Read a quarantined message again and file it, or leave it there with the new error."""
    record = session.get(InboundMail, inbound_id)
    if record is None:
        raise NotFound(f"no message {inbound_id} in the intake")
    if record.outcome != "quarantined":
        raise Conflict(f"message {inbound_id} is not in the quarantine")
    mail, problem = _read(store.read(record.raw_sha256))
    record.attempts += 1
    record.retried_at = utcnow()
    record.reason = problem or ""
    if mail is not None:
        record.subject, record.sender = mail.subject, mail.sender_email
        if mail.message_id and _first_copy(session, None, mail.message_id) is None:
            record.message_id = mail.message_id
    session.flush()
    if mail is None or problem:
        return _quarantined(record, mail)
    return _file(session, store, record, mail, limits)


def list_quarantine(session: Session, limit: int = 100, offset: int = 0) -> list[InboundMail]:
    """Messages waiting in the quarantine, the newest first."""
    query = (
        select(InboundMail)
        .where(InboundMail.outcome == "quarantined")
        .order_by(InboundMail.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def _read(raw: bytes) -> tuple[Mail | None, str | None]:
    try:
        mail = parse(raw)
    except Exception as exc:  # noqa: BLE001 -- whatever breaks the parser, quarantine it
        return None, one_line(f"cannot be read: {type(exc).__name__}: {exc}", 2000)
    return mail, unreadable_reason(mail)


def _file(
    session: Session, store: AttachmentStore, record: InboundMail, mail: Mail, limits: Limits
) -> Taken:
    try:
        with savepoint(session):
            filed = file_mail(session, store, mail, limits)
    except (DBAPIError, StaleDataError):
        # The database, not the message, failed: let the whole message be taken again later.
        raise
    except Exception as exc:  # noqa: BLE001 -- a message that breaks filing waits for a person
        log.exception("e-mail %s could not be filed; it is in the quarantine", record.id)
        record.reason = one_line(f"cannot be filed: {type(exc).__name__}: {exc}", 2000)
        session.flush()
        return _quarantined(record, mail)
    record.outcome = filed.outcome
    record.ticket_id = filed.ticket.id if filed.ticket else None
    record.reason = filed.reason
    session.flush()
    number = filed.ticket.number if filed.ticket else None
    return Taken(filed.outcome, number, mail.subject, filed.text[:TEXT_SHOWN], record.id)


def _quarantined(record: InboundMail, mail: Mail | None) -> Taken:
    subject, text = (mail.subject, mail.text[:TEXT_SHOWN]) if mail else ("", "")
    return Taken("quarantined", None, subject, text, record.id)


def _first_copy(session: Session, key: str | None, message_id: str | None) -> InboundMail | None:
    conditions = []
    if key:
        conditions.append(InboundMail.content_hash == key)
    if message_id:
        conditions.append(InboundMail.message_id == message_id)
    if not conditions:
        return None
    query = select(InboundMail).where(or_(*conditions)).order_by(InboundMail.id).limit(1)
    return session.scalar(query)


def _duplicate(session: Session, first: InboundMail, mail: Mail | None) -> Taken:
    number = None
    if first.ticket_id is not None:
        number = session.scalar(select(Ticket.number).where(Ticket.id == first.ticket_id))
    subject = mail.subject if mail else first.subject
    text = mail.text[:TEXT_SHOWN] if mail else ""
    return Taken("duplicate", number, subject, text, first.id)


def take_once(
    sessions: sessionmaker[Session],
    store: AttachmentStore,
    raw: bytes,
    source: str,
    limits: Limits,
    attempts: int = 3,
) -> Taken:
    """`take` in a transaction of its own, committed before it returns.

    A race lost at commit (another intake took the message, or an agent saved the ticket),
    or a write lock not had in time, is taken again: the second reading sees what won.
    """
    attempt = 1
    while True:
        try:
            with session_scope(sessions) as session:
                return take(session, store, raw, source, limits)
        except (Conflict, OperationalError):
            if attempt >= attempts:
                raise
            time.sleep(RETRY_PAUSE * attempt)
            attempt += 1
