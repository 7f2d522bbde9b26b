"""Every message of the shared e-mail set (../shared/eval/email/, real mail and the test mail
of CPython, mikel/mail, rspamd and SpamAssassin) becomes exactly one record of the desk, once.

The set is read where it lies and never copied; these tests are skipped without it.
"""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb_service.storage import AttachmentStore
from tickets.intake.filing import Limits
from tickets.intake.models import InboundMail
from tickets.intake.parsing import fingerprint, parse
from tickets.intake.service import take
from tickets.models import Ticket

ROOT = Path(__file__).resolve().parents[2]
EMAIL = Path(os.environ.get("SPRAVKA_EVAL_DIR", ROOT.parent / "shared" / "eval")) / "email"
FILED = {"ticket", "reply", "ignored", "quarantined"}
LIMITS = Limits(per_file=10 * 1024 * 1024, per_message=25 * 1024 * 1024)

pytestmark = pytest.mark.skipif(
    not (EMAIL / "manifest.jsonl").exists(), reason="the shared e-mail set is not here"
)


def _files() -> list[Path]:
    lines = (EMAIL / "manifest.jsonl").read_text().splitlines()
    return [EMAIL / json.loads(line)["file"] for line in lines if line.strip()]


def _distinct(files: list[Path]) -> int:
    """How many messages the set holds: one is another's copy when it has an earlier one's
    Message-ID or the same content less the transfer trace."""
    ids, hashes, distinct = set(), set(), 0
    for file in files:
        raw = file.read_bytes()
        try:
            message_id = parse(raw).message_id
        except Exception:  # noqa: BLE001 -- an unparsable message is known by its content
            message_id = None
        key = fingerprint(raw)
        if key not in hashes and (message_id is None or message_id not in ids):
            distinct += 1
        hashes.add(key)
        ids.add(message_id)
    return distinct


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_every_message_is_filed_once_and_again_is_a_duplicate(session, tmp_path):
    store, files = AttachmentStore(tmp_path / "attachments"), _files()
    first = [take(session, store, file.read_bytes(), str(file), LIMITS) for file in files]
    outcomes = Counter(taken.outcome for taken in first)
    assert len(first) == len(files) == 497
    assert (
        outcomes["ticket"] + outcomes["reply"] + outcomes["ignored"] + outcomes["quarantined"]
        == _distinct(files)
        == _count(session, InboundMail)
    )
    assert outcomes["ticket"] == _count(session, Ticket)
    assert all(taken.ticket for taken in first if taken.outcome in {"ticket", "reply"})

    tickets, records = _count(session, Ticket), _count(session, InboundMail)
    again = [take(session, store, file.read_bytes(), str(file), LIMITS) for file in files]
    assert {taken.outcome for taken in again} == {"duplicate"}
    assert [taken.ticket for taken in again] == [taken.ticket for taken in first]
    assert (_count(session, Ticket), _count(session, InboundMail)) == (tickets, records)


def test_intake_killed_half_way_and_run_again_loses_and_repeats_nothing(
    sessions, settings, tmp_path
):
    files = [str(file) for file in _files()]
    env = os.environ | {
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
        "SPRAVKA_DATABASE_URL": settings.sqlalchemy_url,
    }
    command = [sys.executable, "-m", "kb_service.cli", "intake", "email", "--json", *files]
    run = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
    printed = 0
    for _line in run.stdout:
        printed += 1
        if printed == len(files) // 2:
            run.send_signal(signal.SIGKILL)
            break
    run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL

    rerun = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()
    results = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert [r["file"] for r in results] == files
    assert {r["outcome"] for r in results} <= FILED | {"duplicate"}
    assert Counter(r["outcome"] for r in results[: printed - 1])["duplicate"] == printed - 1
    with sessions() as session:
        outcomes = Counter(session.scalars(select(InboundMail.outcome)))
        assert sum(outcomes.values()) == _distinct(_files())
        assert outcomes["ticket"] == _count(session, Ticket)
