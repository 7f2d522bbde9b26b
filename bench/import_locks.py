"""How long `spravka import articles` keeps other writers waiting, on SQLite and PostgreSQL.

    python bench/import_locks.py [--size 20000] [--url postgresql+psycopg://...]

Writes `size` synthetic articles (search_speed.py's corpus) as a JSONL file, runs the real
command in a subprocess against a fresh database, and meanwhile probes every 50 ms for the
lock another writer needs: SQLite's write lock (`BEGIN IMMEDIATE`), PostgreSQL's outbox
advisory lock (every article save takes it). The longest probe wait is the time the import
held that lock in one piece. Run it twice (a create, then an update of every article).
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_speed import FAMILIES, make_corpus  # noqa: E402
from kb_service.outbox import OUTBOX_LOCK_KEY  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "import_locks"


def write_files(size: int, folder: Path, edition: int = 0) -> tuple[Path, Path]:
    """Products and `size` articles as the importer reads them; `edition` changes every body."""
    products = folder / "products.jsonl"
    lines = [{"id": f, "name": f} for f in FAMILIES]
    lines += [{"id": p, "name": p, "parent": f} for f, ps in FAMILIES.items() for p in ps]
    products.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    articles = folder / f"articles-{edition}.jsonl"
    with articles.open("w", encoding="utf-8") as out:
        for doc in make_corpus(size):
            record = {
                "id": doc.id,
                "title": doc.title,
                "body": f"{doc.body}\n\nEdition {edition}.",
                "language": doc.language,
                "products": list(doc.products),
                "groups": list(doc.groups),
                "category": doc.category,
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return products, articles


class Probe(threading.Thread):
    """Takes and releases the lock another writer needs, again and again; keeps the waits."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.waits, self.stopped = url, [], threading.Event()

    def run(self) -> None:
        sqlite = self.url.startswith("sqlite")
        args = {"timeout": 600, "isolation_level": None} if sqlite else {}
        engine = create_engine(self.url, connect_args=args)
        with engine.connect() as db:
            while not self.stopped.wait(0.05):
                started = time.perf_counter()
                if sqlite:
                    db.exec_driver_sql("BEGIN IMMEDIATE")
                    db.exec_driver_sql("ROLLBACK")
                else:
                    db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": OUTBOX_LOCK_KEY})
                    db.rollback()
                self.waits.append(time.perf_counter() - started)
        engine.dispose()


def run_import(url: str, data_dir: Path, what: str, file: Path) -> float:
    env = {**os.environ, "SPRAVKA_DATABASE_URL": url, "SPRAVKA_DATA_DIR": str(data_dir)}
    code = "from kb_service.cli import main; main()"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, "import", what, str(file)], env=env, check=True, cwd=ROOT
    )
    return time.perf_counter() - started


def measure(url: str, folder: Path, articles: Path) -> tuple[float, float, int]:
    probe = Probe(url)
    probe.start()
    seconds = run_import(url, folder, "articles", articles)
    probe.stopped.set()
    probe.join()
    return seconds, max(probe.waits, default=0.0), sum(w > 2 for w in probe.waits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--url", help="an empty database; default: a fresh SQLite file")
    args = parser.parse_args(argv)
    folder = CACHE / str(args.size)
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    folder.mkdir(parents=True)
    url = args.url or f"sqlite:///{folder / 'spravka.db'}"
    products, first = write_files(args.size, folder, 0)
    _, second = write_files(args.size, folder, 1)
    run_import(url, folder, "products", products)
    table = Table(title=f"spravka import articles, {args.size:,} lines, {url.split(':')[0]}")
    for column in ("run", "import s", "longest writer wait s", "waits > 2 s"):
        table.add_column(column, justify="right")
    for name, file in (("create", first), ("update", second)):
        seconds, longest, over = measure(url, folder, file)
        table.add_row(name, f"{seconds:.1f}", f"{longest:.2f}", str(over))
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
