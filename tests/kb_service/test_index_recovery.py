"""A kill -9 at any moment of feeding or reindexing loses nothing: after a restart the
index again matches the database."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer.index import SearchIndex
from kb_service import outbox
from kb_service.articles.models import Article
from kb_service.articles.schemas import ArticleImport
from kb_service.importing import import_articles
from kb_service.search.feed import IndexFeed, feed_once

ARTICLES = 1500


@pytest.fixture
def many_articles(sessions):
    records = [
        (
            n,
            ArticleImport(
                id=f"a{n:05d}",
                title=f"Статья {n} о принтере",
                language="ru",
                body=f"Текст номер {n}: очередь печати, драйвер, бумага {n % 97}.",
                status="draft" if n % 10 == 0 else "published",
            ),
        )
        for n in range(1, ARTICLES + 1)
    ]
    with sessions.begin() as s:
        import_articles(s, records)
    with sessions() as s:
        return set(s.scalars(select(Article.id).where(Article.status == "published")))


def spravka(command: str, settings, index_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "SPRAVKA_DATABASE_URL": settings.sqlalchemy_url,
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
        "SPRAVKA_INDEX_DIR": str(index_dir),
    }
    code = "from kb_service.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_when(process: subprocess.Popen, ready, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "the process ended before it could be killed mid-way"
        assert time.monotonic() < deadline, "the process never reached the moment to kill it"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def restart_and_catch_up(index_dir: Path, sessions) -> set[str]:
    index = SearchIndex(index_dir)
    IndexFeed(index, sessions, interval=0.05, writes=True).drain()
    try:
        return index.doc_ids()
    finally:
        index.close()


def committed_position(index_dir: Path) -> int:
    if not (index_dir / "CURRENT").exists():
        return 0
    index = SearchIndex(index_dir)
    try:
        return index.position
    finally:
        index.close()


def test_worker_killed_mid_feed_catches_up_after_restart(
    settings, sessions, many_articles, tmp_path
):
    index_dir = tmp_path / "index"
    # A node that has applied the first event: the worker feeds the rest (an empty index it
    # would rebuild whole instead).
    index = SearchIndex(index_dir)
    with sessions() as s:
        feed_once(index, s, batch=1)
    index.close()
    worker = spravka("worker", settings, index_dir)
    # Killed after its next commit and before it has applied everything.
    kill_when(worker, lambda: committed_position(index_dir) > 1)
    with sessions() as s:
        assert 0 < committed_position(index_dir) < outbox.last_position(s)
    assert restart_and_catch_up(index_dir, sessions) == many_articles


def test_reindex_killed_mid_build_leaves_a_working_index(
    settings, sessions, many_articles, tmp_path
):
    index_dir = tmp_path / "index"
    assert restart_and_catch_up(index_dir, sessions) == many_articles
    before = sorted(p.name for p in index_dir.iterdir())
    reindex = spravka("reindex", settings, index_dir)
    # Killed while the new generation is being written aside.
    kill_when(reindex, lambda: len(list(index_dir.glob("gen-*"))) > 1)
    assert restart_and_catch_up(index_dir, sessions) == many_articles
    finished = spravka("reindex", settings, index_dir)
    assert finished.wait(timeout=120) == 0
    assert restart_and_catch_up(index_dir, sessions) == many_articles
    assert sorted(p.name for p in index_dir.glob("gen-*")) != [n for n in before if "gen-" in n]
