"""A kill -9 at any moment of writing or rebuilding loses nothing and never lets the recorded
outbox position run ahead of the documents."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from indexer_builders import make_doc

from indexer.index import SearchIndex

FEED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from indexer.documents import Document
    from indexer.index import SearchIndex

    index = SearchIndex(Path(sys.argv[1]))
    start, stop = int(sys.argv[2]), int(sys.argv[3])
    for i in range(start, stop):
        doc = Document(id=f"doc-{i}", title=f"Статья {i}", body="принтер " * 200,
                       language="ru", groups=("public",), products=())
        index.apply([doc], deletes=[f"doc-{i - 3}"] if i % 2 else [], position=i)
        if i == start:
            print("ready", flush=True)  # the kill comes after at least one commit
    """
)

REBUILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from indexer.documents import Document
    from indexer.index import SearchIndex

    index = SearchIndex(Path(sys.argv[1]))
    docs = (Document(id=f"new-{i}", title=f"Новая {i}", body="сканер печатает " * 300,
                     language="ru", groups=("public",), products=()) for i in range(20000))
    print("ready", flush=True)
    index.rebuild(docs, position=999)
    """
)


def expected_ids(position: int) -> set[str]:
    """What the feed has written through ``position``: doc-1.. with odd steps deleting i-3."""
    ids: set[str] = set()
    for i in range(1, position + 1):
        ids.add(f"doc-{i}")
        if i % 2:
            ids.discard(f"doc-{i - 3}")
    return ids


def run_and_kill(script: str, *args: str, after: float) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        start_new_session=True,  # so the rebuild's worker processes die with it
        cwd=Path(__file__).resolve().parents[2],
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"ready"
    time.sleep(after)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@pytest.mark.parametrize("after", [0.4, 0.9, 1.5])
def test_killed_feed_leaves_position_matching_documents(tmp_path: Path, after: float) -> None:
    folder = tmp_path / "index"
    run_and_kill(FEED, str(folder), "1", "100000", after=after)

    index = SearchIndex(folder)
    try:
        position = index.position
        assert position > 0
        assert index.doc_ids() == expected_ids(position)
        # The feed restarts from the recorded position and converges.
        final = position + 20
        for i in range(position + 1, final + 1):
            deletes = [f"doc-{i - 3}"] if i % 2 else []
            index.apply([make_doc(f"doc-{i}", f"Статья {i}")], deletes=deletes, position=i)
        index.refresh()
        assert (index.position, index.doc_ids()) == (final, expected_ids(final))
    finally:
        index.close()


def test_killed_rebuild_leaves_old_index_serving(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    index = SearchIndex(folder)
    index.apply([make_doc("old-1", "Принтер"), make_doc("old-2", "Проектор")], position=7)
    index.close()

    run_and_kill(REBUILD, str(folder), after=1.5)

    index = SearchIndex(folder)
    try:
        assert (index.position, index.doc_ids()) == (7, {"old-1", "old-2"})
        index.rebuild([make_doc("new-1", "Сканер")], position=8)
        assert (index.position, index.doc_ids()) == (8, {"new-1"})
        generations = [p.name for p in folder.iterdir() if p.name.startswith("gen-")]
        assert len(generations) == 1, "the half-built generation was not cleaned up"
    finally:
        index.close()
