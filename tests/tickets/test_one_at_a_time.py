"""Jobs that run on one worker at a time (the IMAP poll, the catalogue sync): on PostgreSQL
an advisory lock held by another worker makes the others skip their turn."""

from sqlalchemy import text

from tickets.jobs import JOB_LOCK_BASE, one_at_a_time


def test_a_job_held_elsewhere_is_skipped_until_released(sessions, settings):
    runs = []

    def job(sessions, settings) -> int:
        runs.append(1)
        return 7

    exclusive = one_at_a_time(job, 5)
    if sessions.kw["bind"].dialect.name != "postgresql":
        assert exclusive(sessions, settings) == 7  # SQLite: one node, nothing to share
        return
    with sessions() as other:  # another worker, in the middle of the job
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": JOB_LOCK_BASE + 5})
        assert exclusive(sessions, settings) == 0 and runs == []
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": JOB_LOCK_BASE + 5})
    assert exclusive(sessions, settings) == 7 and runs == [1]
    assert exclusive(sessions, settings) == 7  # it let go of the lock after running
