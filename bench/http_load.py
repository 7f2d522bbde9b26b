"""Spravka over HTTP under load, beside a trivial FastAPI endpoint served the same way.

    python bench/http_load.py [--articles 20000] [--duration 15] [--long 60] [--workers N]
    python bench/http_load.py --articles 2000 --duration 5 --long 10    # a short run

Builds (once, cached in bench/.cache/http_load/N) a SQLite data folder of N synthetic
articles (the generator of search_speed.py), starts `spravka serve --workers N` on a free port
of 127.0.0.1 and the trivial app under the same Gunicorn and Uvicorn workers, and drives both
with wrk (installed with apt-get when missing) at 8, 32 and 128 connections over rotating
queries and article ids. Ticket creation (GET /ask, then POST /ask) is driven by Python
threads, since each submission needs the form's own tokens. Prints req/s, p50, p99, errors,
5xx and seconds without a completed request per endpoint, the ratio to the trivial endpoint,
publish-to-searchable under the 32-connection search load, and the RSS of every process.
"""

import argparse
import functools
import json
import os
import random
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reindex_speed import fill  # noqa: E402
from bench.search_speed import make_corpus, make_queries  # noqa: E402
from bench.ticket_flow import ticket_load  # noqa: E402
from kb_service.serving import WORKER_CLASS, default_workers  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "http_load"
LUA = ROOT / "bench" / "load.lua"
SECRET = "bench-secret-key-0123456789abcdef-not-for-production"
console = Console(width=150)


@dataclass
class Result:
    endpoint: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_errors: int
    empty_seconds: int
    extra: dict = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    console.print("wrk is missing: installing it with apt-get")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)


def data_folder(articles: int) -> Path:
    folder = CACHE / str(articles)
    if not (folder / "spravka.db").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        console.print(f"filling a database with {articles:,} articles…")
        fill(f"sqlite:///{folder / 'spravka.db'}", articles)
    _mark_outbox(f"sqlite:///{folder / 'spravka.db'}")
    return folder


def _mark_outbox(url: str) -> None:
    """Give the bulk-filled database an outbox position: an index at position 0 is taken for
    empty and rebuilt at every start (5 minutes at 20,000 articles)."""
    from kb_service import outbox
    from kb_service.articles.service import TOPIC
    from kb_service.db import make_engine, make_sessionmaker, session_scope

    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        if outbox.last_position(session) == 0:
            outbox.emit(session, TOPIC, "art-0")
    engine.dispose()


def server_env(folder: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SPRAVKA_DATA_DIR": str(folder),
        "SPRAVKA_DATABASE_URL": f"sqlite:///{folder / 'spravka.db'}",
        "SPRAVKA_SECRET_KEY": SECRET,
    }


def start_spravka(folder: Path, port: int, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "kb_service.cli", "serve", f"--port={port}"]
    log = open(folder / "serve.log", "w")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(
        [*command, f"--workers={workers}"], env=server_env(folder), cwd=ROOT, stdout=log, stderr=log
    )


def start_trivial(port: int, workers: int, log_path: Path) -> subprocess.Popen:
    command = [
        *(sys.executable, "-m", "gunicorn", "bench.trivial_app:app"),
        *(f"--bind=127.0.0.1:{port}", f"--workers={workers}", f"--worker-class={WORKER_CLASS}"),
    ]
    log = open(log_path, "w")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)


def wait_ready(url: str, process: subprocess.Popen, timeout: float = 900) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server ended early; see its log ({url})")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} was not ready in {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def path_sets(
    articles: int, size: int = 2000, mix: str = "popular", stage: int = 1
) -> dict[str, list[str]]:
    """The request paths of each endpoint (title words, public article ids), in the order wrk
    rotates through them: ``popular`` draws them as people ask (see `popular`), afresh for
    each stage, so a later stage meets the same popular paths and a tail of its own, as a
    server does from one hour to the next; ``uniform`` takes each of the ``size`` once in
    turn, the worst case for every cache."""
    queries, ids, prefixes = _distinct(articles, size)
    if mix == "popular":

        def order(items, seed):
            return popular(items, 100 * stage + seed)
    else:

        def order(items, seed):
            return items

    return {
        "API search": [f"/api/v1/search?q={quote(q)}" for q in order(queries, 1)],
        "portal search": [f"/search?q={quote(q)}" for q in order(queries, 2)],
        "article page": [f"/articles/{i}" for i in order(ids, 3)],
        "home page": ["/"],
        "suggest": [f"/api/v1/suggest?q={quote(p)}" for p in order(prefixes, 4)],
    }


@functools.cache
def _distinct(articles: int, size: int) -> tuple[list[str], list[str], list[str]]:
    """``size`` distinct queries, public article ids and type-ahead prefixes."""
    docs = make_corpus(articles)
    queries = make_queries(docs, size)
    public = [d.id for d in docs if d.groups == ("public",)]
    ids = random.Random(5).sample(public, min(size, len(public)))
    prefixes = [q.split()[0][: random.Random(i).randint(3, 6)] for i, q in enumerate(queries)]
    return queries, ids, prefixes


def popular(items: list[str], seed: int, draws: int = 20) -> list[str]:
    """``draws`` times as many requests as ``items``, drawn with Zipf weights (the i-th most
    asked is asked 1/i as often as the first): search logs and page views of help centres
    follow this curve, a few queries and articles asked all day and a long tail asked once."""
    rng = random.Random(seed)
    weights = [1 / rank for rank in range(1, len(items) + 1)]
    return rng.choices(items, weights=weights, k=draws * len(items))


def wrk(base: str, paths: list[str], connections: int, seconds: int, name: str) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths) + "\n")
    threads = min(2, connections)
    command = [
        *("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout=10s"),
        *("-s", str(LUA), base, "--", handle.name),
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    os.unlink(handle.name)
    data = json.loads(out.strip().splitlines()[-1])
    return Result(
        name,
        connections,
        data["requests"] / (data["duration_us"] / 1e6),
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        data["socket_errors"] + data["non_2xx_3xx"],
        data["server_errors"],
        data["empty_seconds"],
    )


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    """Resident memory of a process in MB: all of it, or with ``key="RssAnon"`` its private
    part (the rest is file pages: the index's mmap, shared with the other workers)."""
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def process_rss(serve_pid: int) -> dict[str, float]:
    """RSS of the feeder (`spravka serve`), the Gunicorn arbiter and each worker, in MB."""
    rows = {"feeder (serve)": rss_mb(serve_pid)}
    for arbiter in children(serve_pid):
        rows["gunicorn arbiter"] = rss_mb(arbiter)
        for n, worker in enumerate(sorted(children(arbiter)), 1):
            rows[f"worker {n}"] = rss_mb(worker)
            rows[f"worker {n}, private"] = rss_mb(worker, "RssAnon")
    return rows


def publish_to_searchable(folder: Path, base: str, count: int) -> list[float]:
    """Seconds from the commit of a new published article to a search that finds it."""
    from kb_service.articles.schemas import ArticleImport
    from kb_service.articles.service import save_imported
    from kb_service.db import make_engine, make_sessionmaker

    engine = make_engine(f"sqlite:///{folder / 'spravka.db'}")
    sessions = make_sessionmaker(engine)
    delays = []
    for _ in range(count):
        word = "zq" + "".join(random.choices(string.ascii_lowercase, k=10))
        record = ArticleImport(
            id=f"fresh-{word}", title=f"Fresh {word}", body=f"About {word}.", language="en"
        )
        with sessions.begin() as session:
            save_imported(session, record)
        committed = time.monotonic()
        delays.append(_wait_found(base, word, committed))
        time.sleep(0.3)
    engine.dispose()
    return delays


def _wait_found(base: str, word: str, since: float, timeout: float = 10) -> float:
    import urllib.request

    url = f"{base}/api/v1/search?q={word}"
    while time.monotonic() - since < timeout:
        # A new connection each time: any worker may answer, as for a real visitor.
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if json.load(response)["total"]:
                    return time.monotonic() - since
        except TimeoutError:
            continue  # a slow answer under load is part of the delay, not the end of the run
        time.sleep(0.02)
    return float("inf")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(args) -> dict:
    ensure_wrk()
    folder = data_folder(args.articles)
    port, trivial_port = free_port(), free_port()
    base, trivial_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{trivial_port}"
    server = start_spravka(folder, port, args.workers)
    trivial = start_trivial(trivial_port, args.workers, folder / "trivial.log")
    report: dict = {"results": [], "rss": {}, "publish": []}
    try:
        wait_ready(f"{base}/api/v1/suggest?q=a", server)
        wait_ready(f"{trivial_base}/ping", trivial)
        report["rss"]["after start"] = process_rss(server.pid)
        # Repeat a count (--connections 128,128,128) to see whether memory keeps growing.
        for stage, connections in enumerate(args.connections, 1):
            paths = path_sets(args.articles, args.paths, args.mix, stage)
            seconds = args.long if connections >= 128 else args.duration
            report["results"].append(wrk(trivial_base, ["/ping"], connections, seconds, "trivial"))
            for name, endpoint_paths in paths.items():
                report["results"].append(wrk(base, endpoint_paths, connections, seconds, name))
            flow = ticket_load(base, min(connections, args.ticket_threads), seconds)
            report["results"].append(Result(connections=connections, **flow))
            report["rss"][f"{stage}: after {connections} conns"] = process_rss(server.pid)
            if connections == 32 and not report["publish"]:
                report["publish"] = publish_under_load(folder, base, paths, args)
    finally:
        stop(trivial)
        stop(server)
    return report


def publish_under_load(folder: Path, base: str, paths, args) -> list[float]:
    """Publish articles while wrk keeps 32 connections searching through the API."""
    seconds = max(args.duration, int(args.publish * 0.6) + 10)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths["API search"]) + "\n")
    load = subprocess.Popen(
        ["wrk", "-t2", "-c32", f"-d{seconds}s", "-s", str(LUA), base, "--", handle.name],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(2)
        return publish_to_searchable(folder, base, args.publish)
    finally:
        load.wait()
        os.unlink(handle.name)


def print_report(report: dict, args) -> None:
    title = f"HTTP load, {args.articles:,} articles, {args.workers} workers, {args.mix} paths"
    table = Table(title=title)
    for column in ("conns", "endpoint", "req/s", "of trivial", "p50 ms", "p99 ms", "errors"):
        table.add_column(column, justify="right")
    table.add_column("5xx", justify="right")
    table.add_column("empty s", justify="right")
    trivial = {r.connections: r.rps for r in report["results"] if r.endpoint == "trivial"}
    for r in report["results"]:
        ratio = "" if r.endpoint == "trivial" else f"{100 * r.rps / trivial[r.connections]:.1f}%"
        table.add_row(
            *(str(r.connections), r.endpoint, f"{r.rps:,.0f}", ratio, f"{r.p50_ms:.1f}"),
            *(f"{r.p99_ms:.1f}", str(r.errors), str(r.server_errors), str(r.empty_seconds)),
        )
    console.print(table)
    delays = report["publish"]
    if delays:
        console.print(
            f"publish to searchable under 32-connection API search load: {len(delays)} articles, "
            f"p50 {percentile(delays, 0.5):.2f} s, p95 {percentile(delays, 0.95):.2f} s, "
            f"max {max(delays):.2f} s"
        )
    rss = Table(title="RSS MB per process")
    phases = list(report["rss"])
    rss.add_column("process")
    for phase in phases:
        rss.add_column(phase, justify="right")
    for name in report["rss"][phases[0]]:
        rss.add_row(name, *(f"{report['rss'][p].get(name, 0):.0f}" for p in phases))
    console.print(rss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=15, help="seconds at 8 and 32 conns")
    parser.add_argument("--long", type=int, default=60, help="seconds at 128 connections")
    parser.add_argument("--connections", default="8,32,128")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--publish", type=int, default=20, help="articles published under load")
    parser.add_argument("--ticket-threads", type=int, default=8)
    parser.add_argument(
        "--paths", type=int, default=2000, help="distinct queries and article ids that rotate"
    )
    parser.add_argument(
        "--mix",
        choices=("popular", "uniform"),
        default="popular",
        help="paths drawn as people ask (Zipf), or each in turn (every cache misses)",
    )
    args = parser.parse_args(argv)
    args.connections = [int(c) for c in args.connections.split(",")]
    report = run(args)
    print_report(report, args)
    out = CACHE / f"report-{args.articles}.json"
    serialisable = {**report, "results": [vars(r) for r in report["results"]]}
    out.write_text(json.dumps(serialisable, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
