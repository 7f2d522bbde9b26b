"""`spravka serve --workers N`: Gunicorn with Uvicorn workers, the index fed once per node."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, inspect

from kb_service import serving
from kb_service.app import create_app
from kb_service.config import Settings
from tests.builders import make_article, make_token
from tests.live_server import free_port


@pytest.fixture
def served(settings, sessions):
    """`spravka serve --workers 2` on a free port of 127.0.0.1, stopped after the test."""
    port = free_port()
    env = {
        **os.environ,
        "SPRAVKA_DATABASE_URL": settings.sqlalchemy_url,
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
        "SPRAVKA_SECRET_KEY": settings.secret_key,
        "SPRAVKA_FEED_INTERVAL": "0.05",
    }
    command = ["serve", "--port", str(port), "--workers", "2"]
    code = "from kb_service.cli import main; main()"
    process = subprocess.Popen([sys.executable, "-c", code, *command], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: ok(f"{base}/api/v1/suggest?q=a"), process)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until(ready, process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, "spravka serve ended early"
        assert time.monotonic() < deadline, "spravka serve never became ready"
        time.sleep(0.1)


def found(base: str, query: str) -> set[str]:
    # A fresh connection each time, so the requests spread over both workers.
    url = f"{base}/api/v1/search?{urllib.parse.urlencode({'q': query})}"
    with urllib.request.urlopen(url, timeout=5) as response:
        body = json.load(response)
    return {hit["id"] for hit in body["results"]}


def test_every_worker_finds_an_article_published_while_serving(served, sessions):
    base, process = served
    assert found(base, "zeppelin") == set()
    with sessions.begin() as session:
        make_article(session, id="kb-zeppelin", title="Zeppelin mooring guide")
    wait_until(lambda: "kb-zeppelin" in found(base, "zeppelin"), process, timeout=30)
    assert all("kb-zeppelin" in found(base, "zeppelin") for _ in range(20))


def test_workers_neither_migrate_nor_write_the_index(served, settings):
    _, process = served
    workers = serving.gunicorn_command("127.0.0.1", 1, 2)
    assert "--workers=2" in workers and f"--worker-class={serving.WORKER_CLASS}" in workers
    # Exactly one writer: the parent holds the feed; no worker ever created a rebuild aside.
    generations = sorted(p.name for p in settings.index_path.iterdir() if p.name[:4] == "gen-")
    assert len(generations) == 1


def test_stopping_serve_stops_the_workers(served):
    base, process = served
    process.terminate()
    assert process.wait(timeout=30) == 0
    assert not ok(f"{base}/api/v1/suggest?q=a")


def test_a_worker_leaves_migrating_to_its_parent(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    settings = Settings(data_dir=tmp_path, database_url=url, embedded_worker=False)
    with TestClient(create_app(settings)):
        pass
    assert inspect(create_engine(url)).get_table_names() == []


def test_metrics_from_any_worker_count_the_requests_of_all(served, sessions):
    base, _process = served
    with sessions.begin() as session:
        bearer = make_token(session, ["manager"])
    before = _suggests_counted(base, bearer)
    for _ in range(40):  # a fresh connection each: spread over both workers
        ok(f"{base}/api/v1/suggest?q=zep")
    # Whichever worker answers the scrape, it reports the requests that both answered. (A
    # readiness poll that timed out on a worker still starting may be answered late: at least.)
    counted = {_suggests_counted(base, bearer) for _ in range(6)}
    assert len(counted) == 1 and counted.pop() >= before + 40


def _suggests_counted(base: str, bearer: str) -> float:
    request = urllib.request.Request(
        f"{base}/metrics", headers={"Authorization": f"Bearer {bearer}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("spravka_http_requests_total{") and 'route="/api/v1/suggest"' in line
    )
