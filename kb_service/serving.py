"""Serving with several processes: a Gunicorn arbiter with Uvicorn workers, fed once per node.

`spravka serve --workers N` (N > 1) runs three kinds of process:

- this one, the node's feeder: it migrates once, makes the secret key and the first index,
  then applies the outbox to the index until the server stops;
- a Gunicorn arbiter, started as a fresh program (no threads of ours are copied into it by a
  fork, so no lock held by the feed can be inherited locked by a worker);
- N Uvicorn workers, each with its own searcher over the node's index; they never write the
  index and only swap their searcher when its generation changes (`IndexFeed(writes=False)`).

Why Gunicorn, measured on this 2-core machine with `wrk -t2 -c32 -d5s` on a trivial FastAPI
endpoint (2026-11-27, other engineers' tests running, so +-15%): one Uvicorn process 2,830
req/s; `uvicorn --workers 2` 6,370 req/s with httptools and uvloop, but 626 req/s with p50
48 ms on h11/asyncio (the lost TCP_NODELAY still bites there); Gunicorn with two
`UvicornWorker`s 7,510 req/s, and 3,085 even with the h11 worker.
"""

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from fastapi import FastAPI

from kb_service.config import Settings
from kb_service.observability import MULTIPROCESS_ENV

log = logging.getLogger(__name__)

# Gunicorn loads the app in each worker through this factory (after the fork, never before).
APP_FACTORY = "kb_service.serving:app_from_environment()"
WORKER_CLASS = "uvicorn_worker.UvicornWorker"
# A worker's first start opens its searcher (~90 ms at 20k articles, 440 ms at 100k) and
# warms its caches; Gunicorn's default 30 s is plenty, graceful shutdown waits for requests.
GRACEFUL_TIMEOUT = 20


def default_workers() -> int:
    """One worker per core: see bench/RESULTS.md for the measurement behind it."""
    return os.cpu_count() or 1


def app_from_environment() -> FastAPI:
    """The app of one worker, with its settings read from the environment."""
    from kb_service import logs
    from kb_service.app import create_app

    settings = Settings()
    logs.configure(settings.log_format)
    return create_app(settings)


def gunicorn_command(host: str, port: int, workers: int) -> list[str]:
    # The workers must import the very code this process runs (a checkout, not an older
    # installed copy that the working directory would otherwise leave first on the path).
    root = Path(__file__).resolve().parent.parent
    return [
        sys.executable,
        "-m",
        "gunicorn",
        APP_FACTORY,
        f"--bind={host}:{port}",
        f"--workers={workers}",
        f"--worker-class={WORKER_CLASS}",
        f"--graceful-timeout={GRACEFUL_TIMEOUT}",
        f"--pythonpath={root}",
        "--log-level=info",
    ]


def metrics_folder(settings: Settings) -> Path:
    """An empty folder where the workers keep their counters (kb_service/observability.py),
    so that a scrape of any one of them reports the sum of all."""
    folder = settings.data_dir / "metrics"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def serve_workers(settings: Settings, node, host: str, port: int, workers: int) -> int:
    """Run Gunicorn with `workers` processes; `node` (the assembler's feeds and jobs, or None
    when `spravka worker` runs them elsewhere) runs here until the server exits."""
    env = {
        # glibc gives each thread that allocates its own arena (up to 8 per core), and what a
        # burst freed stays in them: worker RSS climbed with every load run. Two arenas keep
        # it flat; the handlers' threads are few (app.REQUEST_THREADS) and hold the GIL anyway.
        "MALLOC_ARENA_MAX": "2",
        **os.environ,
        "SPRAVKA_EMBEDDED_WORKER": "false",
        MULTIPROCESS_ENV: str(metrics_folder(settings)),
    }
    server = subprocess.Popen(gunicorn_command(host, port, workers), env=env)
    stopping = threading.Event()

    def forward(signum, _frame) -> None:
        stopping.set()
        if server.poll() is None:
            server.send_signal(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, forward)
    if node is not None:
        node.start()
    try:
        while server.poll() is None:
            stopping.wait(0.5)
            if stopping.is_set():
                break
        return server.wait()
    finally:
        if node is not None:
            node.stop()
