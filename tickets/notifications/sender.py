"""The sender: delivers planned notifications over SMTP, or into the mail folder.

Each run claims a batch of due rows under a lease (on PostgreSQL the claim skips rows
another sender is claiming, on SQLite the write lock serialises claims), sends them outside
any transaction, and marks each sent or failed. A row whose sender died is claimed again
when its lease ends. Failures wait longer each time and give up after
SPRAVKA_NOTIFY_MAX_ATTEMPTS as failed; nothing is lost while the server is down.

Between the SMTP server accepting a message and the row being marked sent, a crash means
one repeat after the lease: no protocol lets a sender and an SMTP server agree on more.
The repeat carries the same Message-ID, by which mail clients drop duplicates.
"""

import logging
import secrets
import smtplib
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from tickets.notifications.models import Notification
from tickets.notifications.transport import MailFolder, Smtp, compose

log = logging.getLogger(__name__)
BATCH = 20
# Longer than a batch can take to send at the SMTP timeout; a live sender never loses it.
LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=2)


def send_due(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Claim and deliver due notifications; how many were claimed."""
    claim = secrets.token_hex(8)
    rows = claim_due(sessions, claim, utcnow())
    if not rows:
        return 0
    transport = Smtp(settings) if settings.smtp_host else MailFolder(settings.mail_path)
    try:
        for row in rows:
            _deliver(sessions, settings, transport, row, claim)
    finally:
        transport.close()
    return len(rows)


def claim_due(sessions: sessionmaker[Session], claim: str, now: datetime) -> list[Notification]:
    """Take up to BATCH due rows for this sender until the lease ends."""
    due = (
        select(Notification.id)
        .where(
            Notification.status == "pending",
            Notification.next_attempt_at <= now,
            or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
        )
        .order_by(Notification.id)
        .limit(BATCH)
    )
    with sessions() as session:  # a read first, so an idle desk takes no write lock
        if session.scalar(due.limit(1)) is None:
            return []
    with session_scope(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        session.execute(
            update(Notification)
            .where(Notification.id.in_(due.scalar_subquery()))
            .values(claimed_by=claim, claimed_until=now + LEASE, attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        query = select(Notification).where(Notification.claimed_by == claim)
        return list(session.scalars(query.order_by(Notification.id)))


def _deliver(sessions, settings: Settings, transport, row: Notification, claim: str) -> None:
    try:
        transport.send(compose(settings, row), row)
    except Exception as exc:  # noqa: BLE001 - one bad message must not hold up the others
        log.warning("notification %s failed: %s", row.id, exc)  # no address: logs stay impersonal
        _record_failure(sessions, settings, row, claim, exc)
        return
    _finish(sessions, row.id, claim, status="sent", sent_at=utcnow())


def _record_failure(sessions, settings: Settings, row: Notification, claim: str, exc) -> None:
    final = row.attempts >= settings.notify_max_attempts or _permanent(exc)
    wait = min(FIRST_RETRY * 2 ** (row.attempts - 1), LONGEST_WAIT)
    _finish(
        sessions,
        row.id,
        claim,
        status="failed" if final else "pending",
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=utcnow() + wait,
    )


def _permanent(exc: Exception) -> bool:
    """The server refused the address for good (5xx): trying again cannot help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    return False


def _finish(sessions, row_id: int, claim: str, **values) -> None:
    """Record the outcome, if this sender still holds the row."""
    with session_scope(sessions) as session:
        done = session.execute(
            update(Notification)
            .where(Notification.id == row_id, Notification.claimed_by == claim)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            log.warning("notification %s was claimed by another sender meanwhile", row_id)
