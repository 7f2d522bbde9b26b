"""What showing a translated article once costs a search, measured in process.

    python bench/translations_speed.py [--size 5000] [--queries 300]

The worst case: every article of bench/search_speed.py's synthetic corpus has a translation
that matches whatever it matches (a copy in the other language, sharing its translation key),
so every search folds half its matches away. The same index and queries are timed with the
folding and with it replaced by a no-op (every match shown, facets over all of them), the two
alternating query by query so that a loaded machine's drift weighs on both alike.
"""

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import indexer.search as engine  # noqa: E402
from bench.search_speed import VIEWER, make_corpus, make_queries  # noqa: E402
from indexer import schema  # noqa: E402
from indexer.index import SearchIndex  # noqa: E402
from indexer.postings import value_codes  # noqa: E402
from indexer.translations import Collapsed  # noqa: E402

_NONE = np.zeros(0, dtype=np.int64)


def paired(size: int):
    """``size`` documents: half the synthetic corpus, each with a translated copy."""
    docs = make_corpus(size // 2)
    twins = []
    for doc in docs:
        other = "en" if doc.language == "ru" else "ru"
        twins.append(replace(doc, id=f"{doc.id}-{other}", language=other, translation=doc.id))
    return [replace(d, translation=d.id) for d in docs] + twins


def _unfolded(view, candidates, scores, language):
    return Collapsed(candidates, _NONE, _NONE)


def _alternating(index: SearchIndex, queries: list[str]) -> dict[str, tuple[float, float]]:
    folding = engine.collapse
    variants = {"folded": folding, "every match": _unfolded}
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for turn, query in enumerate(queries * 2):
            order = list(variants.items())
            for name, collapse in order if turn % 2 else order[::-1]:
                engine.collapse = collapse
                started = time.perf_counter()
                engine.search(index, query, groups=VIEWER, viewer_language="en")
                if turn >= 20:  # the first searches warm the caches, as a server's would be
                    times[name].append((time.perf_counter() - started) * 1000)
    finally:
        engine.collapse = folding
    return {name: _median_p95(values) for name, values in times.items()}


def _median_p95(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[int(len(values) * 0.95) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args(argv)
    docs = paired(args.size)
    queries = make_queries(docs, args.queries)
    with tempfile.TemporaryDirectory() as folder:
        index = SearchIndex(Path(folder) / "index")
        index.rebuild(docs, position=1, total=len(docs))
        with index.view() as view:
            started = time.perf_counter()
            groups = value_codes(view.reader, schema.TRANSLATION)
            table_ms = (time.perf_counter() - started) * 1000
        rows = _alternating(index, queries)
        index.close()
    table = Table(title=f"{len(docs):,} articles, all in translated pairs; ms per search")
    for column in ("search", "median", "p95"):
        table.add_column(column)
    for name, (median, p95) in rows.items():
        table.add_row(name, f"{median:.2f}", f"{p95:.2f}")
    Console().print(table)
    print(f"translation groups read once per index state (off the request path): {table_ms:.1f} ms "
          f"({int((groups >= 0).sum()):,} documents in groups)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
