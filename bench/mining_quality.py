"""Mining of solved tickets: quality on the shared grouping sets beside a baseline, and speed
at 100,000 tickets.

    python bench/mining_quality.py [--sets banking77,stackfaq,gitbugs_dups,it_tickets]
                                   [--speed-size 100000] [--skip-quality] [--skip-speed]

Quality: each set's items (../shared/eval/<set>/dev/groups.jsonl, or $SPRAVKA_EVAL_DIR) are
imported by `spravka import tickets` as closed tickets into a fresh database and grouped by
`spravka mine --json`; the groups are scored against the true ones (pairwise F1, adjusted Rand
index, V-measure; tickets in no group count as groups of one). The baseline: TF-IDF vectors,
an edge between two tickets whose cosine similarity passes a threshold, connected components
as groups, with the threshold (0.20 to 0.80 by 0.05) chosen per set as the best for it using
the true groups. Spravka uses one setting for every set and never sees the labels.

Speed: 100,000 closed tickets built from the eval texts (banking77, it_tickets and stackfaq
items, resampled with words dropped, swapped and mistyped) are written in bulk, then
`spravka mine --full` runs, then 1,000 more solved tickets are added and `spravka mine`
regroups incrementally. Wall time, CPU time and the peak RSS of each run are reported.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score, v_measure_score

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.relevance import eval_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SETS = ("banking77", "stackfaq", "gitbugs_dups", "it_tickets")
THRESHOLDS = np.round(np.arange(0.20, 0.801, 0.05), 2)
# Past this many items the baseline keeps each ticket's nearest 50 only (the whole graph
# of it_tickets holds about 10^8 edges).
EXACT_BASELINE = 10_000
console = Console(width=240)


def items(name: str) -> list[dict]:
    path = eval_dir() / name / "dev" / "groups.jsonl"
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def as_ticket(item_id: str, text: str) -> dict:
    """A closed ticket: the first line is the subject (at most 300 characters)."""
    text = text.strip()
    first, _, rest = text.partition("\n")
    subject, more = first[:300], first[300:]
    body = f"{more}\n{rest}".strip()
    return {"id": item_id, "subject": subject, "body": body, "resolution": "Solved.",
            "status": "closed"}  # fmt: skip


def spravka(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPRAVKA_DATA_DIR": str(data)}
    env.pop("SPRAVKA_DATABASE_URL", None)
    command = [sys.executable, "-m", "kb_service.cli", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"spravka {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def scores(truth: list[str], predicted: np.ndarray) -> dict:
    """Pairwise precision, recall and F1, ARI and V-measure; label -1 is a group of one."""
    true = np.unique(truth, return_inverse=True)[1]
    grouped = predicted >= 0
    both = Counter(zip(true[grouped].tolist(), predicted[grouped].tolist(), strict=True))
    pairs = lambda counts: sum(c * (c - 1) // 2 for c in counts)  # noqa: E731
    hits = pairs(both.values())
    found = pairs(Counter(predicted[grouped].tolist()).values())
    real = pairs(Counter(true.tolist()).values())
    precision, recall = hits / found if found else 0.0, hits / real if real else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    whole = predicted.copy()
    whole[~grouped] = np.arange(predicted.max() + 1, predicted.max() + 1 + (~grouped).sum())
    return {"f1": f1, "precision": precision, "recall": recall,
            "ari": adjusted_rand_score(true, whole), "v": v_measure_score(true, whole)}  # fmt: skip


def baseline(texts: list[str], truth: list[str]) -> tuple[float, dict]:
    """The best threshold for this set, and its scores."""
    vectors = TfidfVectorizer().fit_transform(texts).astype(np.float32)
    n = vectors.shape[0]
    keep = None if n <= EXACT_BASELINE else 50
    rows, cols, sims = [], [], []
    for start in range(0, n, 1000):
        block = (vectors[start : start + 1000] @ vectors.T).toarray()
        if keep:
            cut = np.partition(block, -keep, axis=1)[:, -keep][:, None]
            block = np.where(block >= cut, block, 0)
        r, c = np.nonzero(block >= THRESHOLDS[0])
        rows.append(r + start), cols.append(c), sims.append(block[r, c])
    rows, cols, sims = np.concatenate(rows), np.concatenate(cols), np.concatenate(sims)
    best = None
    for threshold in THRESHOLDS:
        edge = sims >= threshold
        graph = coo_matrix((np.ones(edge.sum()), (rows[edge], cols[edge])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        sizes = np.bincount(labels)
        result = scores(truth, np.where(sizes[labels] > 1, labels, -1))
        if best is None or result["f1"] > best[1]["f1"]:
            best = (float(threshold), result)
    return best


def quality(name: str) -> dict:
    rows = items(name)
    tickets = [as_ticket(r["id"], r["text"]) for r in rows]
    with tempfile.TemporaryDirectory(prefix=f"mining-{name}-") as folder:
        data = Path(folder)
        file = data / "tickets.jsonl"
        file.write_text("\n".join(json.dumps(t, ensure_ascii=False) for t in tickets) + "\n")
        spravka(data, "import", "tickets", str(file))
        began = time.perf_counter()
        mined = json.loads(spravka(data, "mine", "--json").stdout)
        seconds = time.perf_counter() - began
    label = {}
    for n, cluster in enumerate(mined["clusters"]):
        for ticket in cluster["tickets"]:
            label[ticket] = n
    predicted = np.array([label.get(r["id"], -1) for r in rows])
    truth = [r["group"] for r in rows]
    texts = [f"{t['subject']}\n{t['body']}" for t in tickets]
    threshold, base = baseline(texts, truth)
    return {"set": name, "items": len(rows), "groups": len(set(truth)),
            "found": len(mined["clusters"]), "spravka": scores(truth, predicted),
            "baseline": base, "threshold": threshold, "seconds": seconds}  # fmt: skip


def print_quality(results: list[dict]) -> None:
    table = Table(title="Mining quality (dev groups): Spravka beside the tuned baseline")
    for column in ("set", "items", "groups", "found", "pairwise F1", "P / R", "ARI", "V",
                   "baseline F1 (threshold)", "baseline ARI", "baseline V", "F1 gain",
                   "mine s"):  # fmt: skip
        table.add_column(column, justify="right")
    for r in results:
        s, b = r["spravka"], r["baseline"]
        gain = s["f1"] / b["f1"] - 1 if b["f1"] else float("inf")
        table.add_row(
            r["set"], str(r["items"]), str(r["groups"]), str(r["found"]), f"{s['f1']:.3f}",
            f"{s['precision']:.2f} / {s['recall']:.2f}", f"{s['ari']:.3f}", f"{s['v']:.3f}",
            f"{b['f1']:.3f} ({r['threshold']:.2f})", f"{b['ari']:.3f}", f"{b['v']:.3f}",
            f"{gain:+.0%}", f"{r['seconds']:.1f}",
        )  # fmt: skip
    console.print(table)


def perturbed(text: str, rng: random.Random) -> str:
    """The same request put a little differently: a word dropped, two swapped, a typo."""
    words = text.split()
    if len(words) > 3 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    if len(words) > 3 and rng.random() < 0.5:
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    if words and rng.random() < 0.5:
        i = rng.randrange(len(words))
        if len(words[i]) > 3:
            j = rng.randrange(len(words[i]) - 1)
            w = words[i]
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def speed(size: int, added: int = 1_000) -> list[tuple]:
    from kb_service.app import migrate_schema
    from kb_service.db import make_engine, make_sessionmaker

    pool = [r["text"] for name in ("banking77", "it_tickets", "stackfaq") for r in items(name)]
    rng = random.Random(7)
    rows = []
    with tempfile.TemporaryDirectory(prefix="mining-speed-") as folder:
        data = Path(folder)
        engine = make_engine(f"sqlite:///{data / 'spravka.db'}")
        migrate_schema(engine)
        sessions = make_sessionmaker(engine)

        _write(sessions, pool, rng, 1, size)
        rows.append(_timed(f"group {size:,} tickets (mine --full)", data, "mine", "--full"))
        _write(sessions, pool, rng, size + 1, added)
        rows.append(_timed(f"add {added:,} and regroup (mine)", data, "mine"))
        engine.dispose()
    return rows


def _write(sessions, pool: list[str], rng: random.Random, first: int, count: int) -> None:
    """Closed tickets `first`..`first + count - 1`, each with a resolution, in bulk."""
    from sqlalchemy import insert

    from tickets.models import Ticket, TicketMessage

    with sessions.begin() as session:
        for start in range(first, first + count, 5_000):
            tickets, messages = [], []
            for n in range(start, min(start + 5_000, first + count)):
                ticket = as_ticket(str(n), perturbed(rng.choice(pool), rng))
                tickets.append(
                    {"id": n, "number": str(10_000 + n), "subject": ticket["subject"] or "-",
                     "body": ticket["body"], "status": "closed", "trail": {},
                     "requester_email": "bench@example.test"}
                )  # fmt: skip
                solution = perturbed(rng.choice(pool), rng)
                messages.append(
                    {"ticket_id": n, "author_kind": "staff", "body": solution,
                     "is_resolution": True}
                )  # fmt: skip
            session.execute(insert(Ticket), tickets)
            session.execute(insert(TicketMessage), messages)


def _timed(what: str, data: Path, *args: str) -> tuple:
    """Wall time of the whole command (start-up included), its CPU time and peak RSS."""
    report = data / "usage.json"
    env = {**os.environ, "SPRAVKA_DATA_DIR": str(data)}
    env.pop("SPRAVKA_DATABASE_URL", None)
    command = [sys.executable, "bench/mining_quality.py", "--child", str(report), *args]
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    process = time.perf_counter() - began
    usage = json.loads(report.read_text())
    return what, process, usage["wall"], usage["cpu"], usage["rss_mb"]


def child(report: str, args: list[str]) -> None:
    """One `spravka` command in this process, reporting its own CPU time and peak RSS."""
    import tickets.mining  # noqa: F401  (imported first: start-up is timed apart)
    from kb_service.cli import app

    began, cpu = time.perf_counter(), time.process_time()
    try:
        app(args, standalone_mode=False)
    finally:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        usage = {"cpu": time.process_time() - cpu, "rss_mb": usage.ru_maxrss / 1024,
                 "wall": time.perf_counter() - began}  # fmt: skip
        Path(report).write_text(json.dumps(usage))


def print_speed(rows: list[tuple], size: int) -> None:
    table = Table(title=f"Mining speed at {size:,} tickets (spravka mine, a process each)")
    for column in ("run", "process wall s", "command wall s", "command CPU s", "peak RSS MB"):
        table.add_column(column, justify="right")
    for what, process, wall, cpu, rss in rows:
        table.add_row(what, f"{process:.1f}", f"{wall:.1f}", f"{cpu:.1f}", f"{rss:,.0f}")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--speed-size", type=int, default=100_000)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    options = parser.parse_args(argv)
    if not (eval_dir() / "banking77").is_dir():
        parser.error(f"no evaluation data at {eval_dir()} (set SPRAVKA_EVAL_DIR)")
    console.print(f"load average at start: {os.getloadavg()}")
    if not options.skip_quality:
        results = []
        for name in options.sets.split(","):
            results.append(quality(name))
            print_quality(results)
    if not options.skip_speed:
        print_speed(speed(options.speed_size), options.speed_size)
    console.print(f"load average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
