"""Delivering webhooks: a planner that reads the outbox, a sender that claims and POSTs.

The planner is the outbox consumer "webhooks" (OutboxCursor): it locks its cursor row, plans
one `webhook_delivery` row per event and interested webhook, and moves the cursor, in one
transaction. Several workers take turns; the unique key on (event, webhook) holds it too.

The sender claims due rows under a lease, as the notifier's sender does (on PostgreSQL the
claim skips rows another sender is claiming, on SQLite the write lock serialises claims),
POSTs outside any transaction and records the outcome if it still holds the row. A 2xx is
delivered; anything else waits SPRAVKA_WEBHOOK_RETRY_SECONDS, then twice that and so on (at
most an hour), and after SPRAVKA_WEBHOOK_MAX_ATTEMPTS is failed. Between the receiver's 2xx
and the row being marked, a crash means one repeat after the lease, with the same delivery
id header, by which a receiver drops it: no protocol promises more.

Each request carries `X-Spravka-Signature: sha256=<hex HMAC-SHA256 of the body with the
webhook's secret>`, `X-Spravka-Event` and `X-Spravka-Delivery`. Redirects are not followed
(one could lead inside the network), and the URL is checked again before each attempt.
"""

import hashlib
import hmac
import logging
import secrets
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kb_service import outbox
from kb_service.config import Settings
from kb_service.db import session_scope, utcnow
from kb_service.webhooks import events
from kb_service.webhooks.models import Webhook, WebhookDelivery
from kb_service.webhooks.service import UnsafeUrl, check_url

log = logging.getLogger(__name__)
CONSUMER = "webhooks"
PLAN_BATCH = 500
SEND_BATCH = 20
PARALLEL = 8
# Longer than a batch can take at the longest timeout; a live sender never loses its rows.
LEASE = timedelta(minutes=10)
LONGEST_WAIT = timedelta(hours=1)
USER_AGENT = "Spravka-Webhooks/1"


def plan(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Plan the deliveries of the next outbox events; the number of events read."""
    if not outbox.behind(sessions, CONSUMER):
        return 0
    with session_scope(sessions) as session:
        cursor = outbox.locked_cursor(session, CONSUMER)
        if cursor is None:
            return 0  # another worker is planning these events
        hooks = list(session.scalars(select(Webhook).where(Webhook.enabled.is_(True))))
        if not hooks:  # nobody listens: skip to the end, nothing to plan
            cursor.position = max(cursor.position, outbox.last_position(session))
            return 0
        batch = outbox.read_after(session, cursor.position, PLAN_BATCH)
        for event in batch:
            plan_event(session, settings, hooks, event)
        if batch:
            cursor.position = batch[-1].id
        return len(batch)


def plan_event(session: Session, settings: Settings, hooks: list[Webhook], event) -> int:
    """The delivery rows of one outbox event; how many."""
    name = events.public_event(session, event)
    wanted = [h for h in hooks if name in h.events and h.after_event < event.id] if name else []
    if not wanted:
        return 0
    body = events.body(settings, name, event)
    for hook in wanted:
        session.add(
            WebhookDelivery(webhook_id=hook.id, outbox_event_id=event.id, event=name, body=body)
        )
    session.flush()
    return len(wanted)


def send_due(sessions: sessionmaker[Session], settings: Settings) -> int:
    """Claim and deliver due deliveries; how many were claimed.

    The batch is delivered in parallel, so a receiver that hangs until the timeout holds the
    desk's job thread (and the notifications behind it) for one timeout, not one per row.
    """
    claim = secrets.token_hex(8)
    rows = claim_due(sessions, claim, utcnow())
    if rows:
        with ThreadPoolExecutor(max_workers=min(PARALLEL, len(rows))) as pool:
            done = [
                pool.submit(_deliver, sessions, settings, row, url, secret, claim)
                for row, url, secret in rows
            ]
        for future in done:  # a failure to record an outcome: the lease brings the row back
            if future.exception() is not None:
                log.error("webhook delivery not recorded", exc_info=future.exception())
    return len(rows)


def claim_due(sessions: sessionmaker[Session], claim: str, now: datetime) -> list:
    """Up to SEND_BATCH due deliveries of enabled webhooks, (row, url, secret), held until
    the lease ends."""
    due = (
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
            WebhookDelivery.webhook_id.in_(select(Webhook.id).where(Webhook.enabled.is_(True))),
        )
        .order_by(WebhookDelivery.id)
        .limit(SEND_BATCH)
    )
    with sessions() as session:
        if session.scalar(due.limit(1)) is None:
            return []
    with session_scope(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(of=WebhookDelivery, skip_locked=True)
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due.scalar_subquery()))
            .values(
                claimed_by=claim,
                claimed_until=now + LEASE,
                attempts=WebhookDelivery.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        query = (
            select(WebhookDelivery, Webhook.url, Webhook.secret)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.claimed_by == claim)
            .order_by(WebhookDelivery.id)
        )
        rows = [tuple(r) for r in session.execute(query)]
        session.expunge_all()
        return rows


def signature(secret: str, body: bytes) -> str:
    """The X-Spravka-Signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx is then an answer like any other non-2xx


_opener = urllib.request.build_opener(_NoRedirects)


def _deliver(sessions, settings: Settings, row: WebhookDelivery, url, secret, claim) -> None:
    data = row.body.encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Spravka-Event": row.event,
            "X-Spravka-Delivery": str(row.id),
            "X-Spravka-Signature": signature(secret, data),
        },
    )
    started = time.monotonic()
    code, error = None, ""
    try:
        check_url(settings, url)
        with _opener.open(request, timeout=settings.webhook_timeout) as answer:
            code = answer.status
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code} {exc.reason}"
        exc.close()
    except UnsafeUrl as exc:
        error = f"refused: {exc}"
    except Exception as exc:  # noqa: BLE001 - a receiver's failure must not hold up the others
        error = f"{type(exc).__name__}: {exc}"
    took = round((time.monotonic() - started) * 1000)
    if code is not None and 200 <= code < 300:
        _finish(sessions, row.id, claim, status="delivered", delivered_at=utcnow(),
                status_code=code, last_error="", duration_ms=took)  # fmt: skip
        return
    log.info("webhook delivery %s failed: %s", row.id, error[:200])
    final = row.attempts >= settings.webhook_max_attempts
    first = timedelta(seconds=settings.webhook_retry_seconds)
    wait = min(first * 2 ** (row.attempts - 1), LONGEST_WAIT)
    _finish(
        sessions,
        row.id,
        claim,
        status="failed" if final else "pending",
        status_code=code,
        last_error=error[:2000],
        duration_ms=took,
        next_attempt_at=utcnow() + wait,
    )


def _finish(sessions, row_id: int, claim: str, **values) -> None:
    """Record the outcome, if this sender still holds the row."""
    with session_scope(sessions) as session:
        done = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == row_id, WebhookDelivery.claimed_by == claim)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            log.warning("webhook delivery %s was claimed by another sender meanwhile", row_id)
