"""No request fails or waits long because another process writes: a burst during an import.

A real server (`spravka serve` in a subprocess) takes searches, article pages, the home page
and article saves from several threads while `spravka import articles` writes 20,000
articles to the same database. Bounded by the import's length: about 30 s on an idle 2-core
machine (most of it rendering Markdown), at most 120 s on a loaded one.
"""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.builders import make_article, make_token
from tests.live_server import free_port

pytestmark = pytest.mark.burst
ROOT = Path(__file__).resolve().parents[2]
LINES = 20_000
LONGEST_WAIT = 2.0
DEADLINE = 120.0
# Between two rounds of a load thread: steady traffic that leaves the import some CPU.
PAUSE = 0.05
WORDS = "printer queue spooler driver paper tray toner network scanner update".split()


def _spravka(settings, *args: str, log=subprocess.PIPE) -> subprocess.Popen:
    env = {
        **os.environ,
        "SPRAVKA_DATABASE_URL": settings.sqlalchemy_url,
        "SPRAVKA_DATA_DIR": str(settings.data_dir),
        "SPRAVKA_SECRET_KEY": settings.secret_key,
        # The index feed's CPU is not what this test is about; it refreshes, not indexes.
        "SPRAVKA_EMBEDDED_WORKER": "false",
    }
    code = "from kb_service.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _articles_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(LINES):
            words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(60))
            line = {"id": f"bulk-{i}", "title": f"Bulk {i}", "body": words, "language": "en"}
            out.write(json.dumps(line) + "\n")
    return path


@pytest.fixture
def server(settings, sessions):
    with sessions.begin() as s:
        for i in range(3):
            make_article(s, id=f"seed-{i}", title=f"Printer queue {i}", body="Restart spooler.")
        token = make_token(s, roles=("editor",))
    port = free_port()
    log = (settings.data_dir.parent / "server.log").open("w")
    process = _spravka(settings, "serve", "--port", str(port), log=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/v1/suggest?q=x", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start; see server.log")
    yield base, token
    process.terminate()
    process.wait(timeout=20)
    log.close()


class Load:
    """Requests of one kind in a loop until stopped; keeps every status and wait."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.results: list[tuple[str, int, float]] = []
        self.errors: list[str] = []
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def call(self, name: str, path: str, method="GET", body=None, headers=None) -> dict | None:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=headers or {}
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read()
        except Exception as exc:  # any failure of a request is what this test looks for
            with self.lock:
                self.errors.append(f"{name}: {exc!r}")
            return None
        with self.lock:
            self.results.append((name, status, time.perf_counter() - started))
        is_json = status < 300 and text.startswith(b"{")
        return json.loads(text) if is_json else None

    def loop(self, step) -> None:
        for _ in range(10_000):  # bounded; the stop event ends it long before
            if self.stopped.wait(PAUSE):
                return
            step()

    def reads(self) -> None:
        auth = {"Authorization": f"Bearer {self.token}"}
        found = self.call("api search", "/api/v1/search?q=printer", headers=auth)
        self.call("portal search", "/search?q=printer")
        search_id = (found or {}).get("search_id")
        self.call("article page", f"/articles/seed-0?s={search_id}" if search_id else "/")
        self.call("home", "/")

    def saves(self) -> None:
        auth = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        article = self.call("article read", "/api/v1/articles/seed-1", headers=auth)
        if article:
            headers = {**auth, "If-Match": f'"{article["version"]}"'}
            body = {"body": f"Restart the spooler ({time.monotonic()})."}
            self.call("article save", "/api/v1/articles/seed-1", "PATCH", body, headers)


def test_no_request_fails_or_waits_while_an_import_writes(server, settings, tmp_path):
    base, token = server
    load = Load(base, token)
    threads = [threading.Thread(target=load.loop, args=(load.reads,)) for _ in range(3)]
    threads.append(threading.Thread(target=load.loop, args=(load.saves,)))
    importer = _spravka(settings, "import", "articles", str(_articles_file(tmp_path / "a.jsonl")))
    for thread in threads:
        thread.start()
    try:
        output = importer.communicate(timeout=DEADLINE)[0]
    finally:
        load.stopped.set()
        for thread in threads:
            thread.join()
        importer.kill()
    assert importer.returncode == 0, output
    assert f"{LINES} created" in output
    assert load.errors == []
    failed = [(name, status) for name, status, _ in load.results if status >= 500]
    assert failed == []
    slow = sorted((wait, name) for name, _, wait in load.results if wait > LONGEST_WAIT)
    assert slow == [], f"{len(slow)} of {len(load.results)} requests waited over 2 s"
    saves = [status for name, status, _ in load.results if name == "article save"]
    assert saves and set(saves) <= {200, 409}
    waits = sorted(wait for _, _, wait in load.results)
    median, longest = waits[len(waits) // 2], waits[-1]
    print(f"\n{len(waits)} requests, {len(saves)} saves: median {median:.3f}, max {longest:.3f} s")
