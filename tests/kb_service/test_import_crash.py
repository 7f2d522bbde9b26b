"""A kill -9 during `spravka import articles` leaves nothing of it visible, and the next
import discards what the killed one had staged."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb_service.articles.models import Article, ArticleVersion, StagedArticle, StagedLink
from kb_service.outbox import OutboxEvent

ROOT = Path(__file__).resolve().parents[2]
LINES = 3000


def _articles_file(path: Path, edition: str) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(LINES):
            body = f"## {edition} {i}\n\n" + "Restart the **print spooler** and retry. " * 40
            line = {"id": f"crash-{i}", "title": f"{edition} {i}", "body": body, "language": "en"}
            out.write(json.dumps(line) + "\n")
    return path


def _import(settings, file: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SPRAVKA_DATABASE_URL": settings.sqlalchemy_url,
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
    }
    code = "from kb_service.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, "import", "articles", str(file)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _state(sessions) -> tuple:
    with sessions() as s:
        titles = s.scalars(select(Article.title).order_by(Article.id)).all()
    return titles, _count(sessions, ArticleVersion), _count(sessions, OutboxEvent)


@pytest.mark.parametrize("before", [None, "First"])
def test_an_import_killed_while_staging_leaves_nothing_of_it_visible(
    settings, sessions, tmp_path, before
):
    if before:
        first = _import(settings, _articles_file(tmp_path / "first.jsonl", before))
        assert first.wait(timeout=300) == 0, first.stdout.read()
    state = _state(sessions)
    importer = _import(settings, _articles_file(tmp_path / "second.jsonl", "Second"))
    deadline = time.monotonic() + 120
    # Killed once it has staged a chunk and before it has staged them all.
    while _count(sessions, StagedArticle) == 0:
        assert importer.poll() is None, "the import ended before it could be killed mid-way"
        assert time.monotonic() < deadline, "the import never staged anything"
        time.sleep(0.01)
    os.kill(importer.pid, signal.SIGKILL)
    importer.wait()
    assert 0 < _count(sessions, StagedArticle) < LINES
    assert _state(sessions) == state

    again = _import(settings, _articles_file(tmp_path / "third.jsonl", "Third"))
    assert again.wait(timeout=300) == 0, again.stdout.read()
    titles, versions, events = _state(sessions)
    assert titles == sorted(f"Third {i}" for i in range(LINES))
    assert (versions, events) == (state[1] + LINES, state[2] + LINES)
    assert _count(sessions, StagedArticle) == _count(sessions, StagedLink) == 0
