"""The desk's background jobs: sending notifications, polling mailboxes, watching deadlines.

`spravka worker` runs them (several workers may run at once: each job claims its work in the
database, so nothing is done twice), and so does a thread of `spravka serve` in the embedded
default. Each job is a function (sessions, settings) -> how many things it did.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from kb_service.catalogue.sync import sync_on_schedule
from kb_service.config import Settings
from kb_service.webhooks import delivery as webhooks
from tickets.contracts.deadlines import watch_deadlines
from tickets.contracts.levels import mirror_all
from tickets.followups import close_unanswered, watch_outside_promises
from tickets.intake import imap
from tickets.notifications import planner, sender

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    # Seconds between runs while it finds nothing to do; it runs again at once while busy.
    every: float
    run: Callable[[sessionmaker[Session], Settings], int]
    # Where a setting names the pause instead (the IMAP poll interval).
    setting: str | None = None

    def pause(self, settings: Settings) -> float:
        return getattr(settings, self.setting) if self.setting else self.every


def jobs() -> list[Job]:
    """Every job of the desk, in the order they run."""
    return [
        # A minute late on a warning or a breach is well inside any term a contract sets.
        Job("watch_deadlines", every=60.0, run=watch_deadlines),
        Job("imap", 60.0, one_at_a_time(imap.poll, 1), setting="imap_interval"),
        Job("close_unanswered", every=60.0, run=close_unanswered),
        Job("watch_outside_promises", every=60.0, run=watch_outside_promises),
        Job(
            "catalogue_sync",
            3600.0,
            one_at_a_time(sync_on_schedule, 2),
            setting="catalogue_interval",
        ),  # fmt: skip
        # Contracts made before the knowledge base kept their levels; saving one hands it over.
        Job("contract_levels", every=3600.0, run=mirror_all),
        # Planning after the watchers, so their events go out in the same round; sending last.
        Job("notify-plan", every=1.0, run=planner.plan),
        Job("notify-send", every=2.0, run=sender.send_due),
        Job("webhooks-plan", every=1.0, run=webhooks.plan),
        Job("webhooks-send", every=2.0, run=webhooks.send_due),
        # New solved tickets join the editors' mined topics; an incremental run at 100,000
        # tickets takes seconds (bench/RESULTS.md), a quarter of an hour late is no loss.
        Job("mine", every=900.0, run=_mine),
    ]


# Advisory lock keys of the jobs that run on one node at a time: "SPRJ" and the job's number.
JOB_LOCK_BASE = 0x5350524A00


def one_at_a_time(run: Callable[[sessionmaker[Session], Settings], int], number: int):
    """`run`, skipped while another worker runs it (on PostgreSQL; SQLite has one node).

    The other jobs claim each piece of work in the database; polling one mailbox or syncing
    one catalogue from several workers at once would be safe too (the intake and the sync are
    idempotent) but would only fetch the same messages and rows twice and race at commit.
    """

    def exclusive(sessions: sessionmaker[Session], settings: Settings) -> int:
        with sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                return run(sessions, settings)
            key = {"key": JOB_LOCK_BASE + number}
            if not session.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
                return 0
            try:
                return run(sessions, settings)
            finally:
                session.execute(text("SELECT pg_advisory_unlock(:key)"), key)

    return exclusive


def _mine(sessions: sessionmaker[Session], settings: Settings) -> int:
    # scikit-learn takes seconds to import: only a process that mines pays for it.
    from tickets.mining import mine_on_schedule

    return mine_on_schedule(sessions, settings)


class DeskJobs:
    """Runs the desk's jobs in one background thread until stopped."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="spravka-desk-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> int:
        """Run every job once; the number of things done."""
        done = 0
        for job in jobs():
            if self._stop.is_set():
                break
            try:
                done += job.run(self._sessions, self._settings)
            except Exception:
                log.exception("desk job %s failed; it runs again later", job.name)
        return done

    def _loop(self) -> None:
        due = {job.name: 0.0 for job in jobs()}
        while not self._stop.is_set():
            now = time.monotonic()
            for job in jobs():
                if self._stop.is_set() or now < due.get(job.name, 0.0):
                    continue
                try:
                    busy = job.run(self._sessions, self._settings)
                except Exception:
                    log.exception("desk job %s failed; it runs again later", job.name)
                    busy = 0
                due[job.name] = now if busy else now + job.pause(self._settings)
            self._stop.wait(min([d - time.monotonic() for d in due.values()] + [1.0]) or 0.05)
