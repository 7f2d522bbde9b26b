"""Polling an IMAP mailbox for mail to the desk: a desk job (tickets/jobs.py).

Each unseen message is fetched without marking it (BODY.PEEK) and taken in a transaction of
its own; only once that has committed is it marked seen, or moved to the done folder. A crash
in between leaves it unseen, so the next poll takes it again and the intake calls it a
duplicate: nothing is lost and nothing is filed twice. Several workers may poll one mailbox.
"""

import logging
import ssl
from collections.abc import Callable

from imapclient import DELETED, SEEN, IMAPClient
from sqlalchemy.orm import Session, sessionmaker

from kb_service.config import Settings
from kb_service.storage import AttachmentStore
from tickets.intake.service import limits_of, take_once

log = logging.getLogger(__name__)

# Messages taken per poll; the job runs again at once while it finds work.
BATCH = 50
TIMEOUT_SECONDS = 60


def connect(settings: Settings) -> IMAPClient:
    context = ssl.create_default_context() if settings.imap_ssl else None
    client = IMAPClient(
        settings.imap_host,
        port=settings.imap_port,
        ssl=settings.imap_ssl,
        ssl_context=context,
        timeout=TIMEOUT_SECONDS,
    )
    client.login(settings.imap_user, settings.imap_password.get_secret_value())
    return client


def poll(
    sessions: sessionmaker[Session],
    settings: Settings,
    connector: Callable[[Settings], IMAPClient] = connect,
) -> int:
    """Take the unseen messages of the mailbox; how many were taken."""
    if not settings.imap_host:
        return 0
    client = connector(settings)
    try:
        client.select_folder(settings.imap_folder)
        store, limits = AttachmentStore.of(settings), limits_of(settings)
        source = f"imap:{settings.imap_user}@{settings.imap_host}/{settings.imap_folder}"
        taken = 0
        for uid in sorted(client.search(["UNSEEN"]))[:BATCH]:
            raw = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {}).get(b"BODY[]")
            if raw is None:  # expunged by someone else meanwhile
                continue
            take_once(sessions, store, raw, f"{source}/{uid}", limits)
            _done(client, uid, settings.imap_done_folder)
            taken += 1
        return taken
    finally:
        try:
            client.logout()
        except Exception:  # noqa: BLE001 -- a failed goodbye loses nothing
            log.debug("IMAP logout failed", exc_info=True)


def _done(client: IMAPClient, uid: int, folder: str | None) -> None:
    if not folder:
        client.add_flags([uid], [SEEN])
    elif client.has_capability("MOVE"):
        client.move([uid], folder)
    else:
        client.copy([uid], folder)
        client.add_flags([uid], [SEEN, DELETED])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            client.expunge()
