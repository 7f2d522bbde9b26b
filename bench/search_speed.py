"""Search latency and rebuild time at 20,000 and 100,000 articles, beside SQLite FTS5.

    python bench/search_speed.py [--sizes 20000,100000] [--queries 300] [--rebuild]

Articles are synthetic but made of real text: sentences of the shared evaluation corpora
(Russian and English help pages, FAQs, bug reports) recombined into 300-550 word articles
with products, categories and access groups. Built indexes are cached in bench/.cache, so
latency can be re-measured without rebuilding; --rebuild times the rebuild again.

"After start" is a fresh searcher's first queries: their words' postings are decoded from
Whoosh's pickled blocks on first use. The other columns are a running server's, measured after
it answered 1,000 other queries (FTS5 gets the same warm-up).
"""

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.relevance import (
    eval_dir,  # noqa: E402
    typo,  # noqa: E402
)
from indexer.documents import Document  # noqa: E402
from indexer.index import SearchIndex  # noqa: E402
from indexer.search import search, suggest  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "search_speed"
SOURCES = {
    "ru": ("libreoffice_help_ru", "debian_faq_ru"),
    "en": ("libreoffice_help_en", "debian_faq_en", "stackfaq", "gitbugs_dups"),
}
FAMILIES = {f"fam{i}": [f"fam{i}-p{j}" for j in range(6)] for i in range(8)}
CATEGORIES = [f"cat-{i}" for i in range(15)]
VIEWER = frozenset({"public"})
KINDS = ("after start", "spravka", "typo", "typeahead", "fts5")
# Queries a running server has answered before the measured ones (not the same queries).
WARM_QUERIES = 1000
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
WORD_RE = re.compile(r"[^\W\d_]{4,}")


def _sentences(language: str) -> tuple[list[str], list[str]]:
    sentences, titles = [], []
    for name in SOURCES[language]:
        with open(eval_dir() / name / "corpus.jsonl", encoding="utf-8") as handle:
            for line in handle:
                doc = json.loads(line)
                titles.append(doc.get("title") or "")
                for sentence in SENTENCE_RE.split(" ".join((doc.get("body") or "").split())):
                    if 4 <= len(sentence.split()) <= 60:
                        sentences.append(sentence)
    return sentences, [t for t in titles if t]


def make_corpus(size: int, seed: int = 7) -> list[Document]:
    """``size`` articles, 70% Russian, of 300-550 words of recombined real sentences."""
    rng = random.Random(seed)
    pools = {lang: _sentences(lang) for lang in SOURCES}
    docs = []
    for i in range(size):
        language = "ru" if rng.random() < 0.7 else "en"
        sentences, titles = pools[language]
        target, body = rng.randint(300, 550), []
        while sum(len(s.split()) for s in body) < target:
            body.append(rng.choice(sentences))
        family = rng.choice(list(FAMILIES))
        roll = rng.random()
        groups = ("public",) if roll < 0.7 else ("internal",) if roll < 0.85 else (f"org-{i % 50}",)
        docs.append(
            Document(
                id=f"art-{i}",
                title=rng.choice(titles),
                body=" ".join(body),
                language=language,
                groups=groups,
                products=(family, rng.choice(FAMILIES[family])),
                category=rng.choice(CATEGORIES),
            )
        )
    return docs


def make_queries(docs: list[Document], count: int, seed: int = 11) -> list[str]:
    """1-3 words taken from titles, the way people type what they see in a product."""
    rng = random.Random(seed)
    queries = []
    while len(queries) < count:
        words = WORD_RE.findall(rng.choice(docs).title)
        if words:
            queries.append(" ".join(rng.sample(words, min(len(words), rng.randint(1, 3)))))
    return queries


def timed(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    for query in queries[:20]:
        fn(query)  # the first queries open the searcher's files and per-view arrays
    times = []
    for query in queries:
        started = time.perf_counter()
        fn(query)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def build_spravka(size: int, docs: list[Document], force: bool) -> tuple[SearchIndex, float | None]:
    folder = CACHE / f"spravka-{size}"
    marker = folder / "complete"
    if force or not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        index = SearchIndex(folder)
        started = time.perf_counter()
        index.rebuild(docs, position=size, total=size)
        seconds = time.perf_counter() - started
        marker.write_text(f"{seconds:.1f}\n")
        return index, seconds
    return SearchIndex(folder), None


def build_fts5(docs: list[Document]) -> tuple[sqlite3.Connection, float]:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(title, body, language UNINDEXED, "
        "category UNINDEXED, grp UNINDEXED)"
    )
    started = time.perf_counter()
    db.executemany(
        "INSERT INTO doc (rowid, title, body, language, category, grp) VALUES (?, ?, ?, ?, ?, ?)",
        ((i, d.title, d.body, d.language, d.category, d.groups[0]) for i, d in enumerate(docs)),
    )
    return db, time.perf_counter() - started


def fts5_search(db: sqlite3.Connection, query: str) -> None:
    match = " OR ".join('"' + w.replace('"', '""') + '"' for w in query.lower().split())
    db.execute(
        "SELECT rowid, title, snippet(doc, 1, '<mark>', '</mark>', '…', 30) FROM doc "
        "WHERE doc MATCH ? AND grp = 'public' ORDER BY bm25(doc, 2.0, 1.0) LIMIT 10",
        (match,),
    ).fetchall()
    db.execute(
        "SELECT category, count(*) FROM doc WHERE doc MATCH ? AND grp = 'public' "
        "GROUP BY category ORDER BY 2 DESC",
        (match,),
    ).fetchall()


def measure(size: int, query_count: int, force: bool) -> dict[str, object]:
    docs = make_corpus(size)
    queries = make_queries(docs, query_count)
    # First queries after a start, then a running server: one that has already answered
    # other queries (their common words decoded). Three disjoint draws of title words.
    first = make_queries(docs, query_count, seed=13)
    served = make_queries(docs, WARM_QUERIES, seed=99)
    index, rebuild_seconds = build_spravka(size, docs, force)
    # Typed as people type: one typo in the longest word; type-ahead on a query's first
    # three letters and more.
    typos = [typo(str(n), text) for n, text in enumerate(queries)]
    prefixes = [text[: 3 + n % 6] for n, text in enumerate(queries)]
    try:
        after_start = timed(lambda text: search(index, text, groups=VIEWER), first)
        for text in served:
            search(index, text, groups=VIEWER)
            suggest(index, text[:4], groups=VIEWER)
        spravka = timed(lambda text: search(index, text, groups=VIEWER), queries)
        typoed = timed(lambda text: search(index, text, groups=VIEWER), typos)
        typeahead = timed(lambda text: suggest(index, text, groups=VIEWER), prefixes)
    finally:
        index.close()
    db, fts5_seconds = build_fts5(docs)
    for text in served:
        fts5_search(db, text)
    fts5 = timed(lambda text: fts5_search(db, text), queries)
    return {
        "after start": after_start,
        "spravka": spravka,
        "typo": typoed,
        "typeahead": typeahead,
        "fts5": fts5,
        "rebuild": rebuild_seconds,
        "fts5_build": fts5_seconds,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rebuild", action="store_true", help="time the rebuild even if cached")
    args = parser.parse_args(argv)
    table = Table(
        title="Search with snippets and facets (ms), anonymous viewer; rebuild (s)",
        caption="1-3 title words OR-ed; FTS5: snippet(), bm25() and a GROUP BY category count",
    )
    for column in (
        "articles",
        "after start median",
        "after start p95",
        "spravka median",
        "spravka p95",
        "one typo median",
        "one typo p95",
        "type-ahead median",
        "type-ahead p95",
        "fts5 median",
        "fts5 p95",
        "rebuild",
        "fts5 load",
    ):
        table.add_column(column, justify="right")
    for size in (int(s) for s in args.sizes.split(",")):
        row = measure(size, args.queries, args.rebuild)
        rebuild = f"{row['rebuild']:.0f}" if row["rebuild"] is not None else "cached"
        table.add_row(
            f"{size:,}",
            *(f"{v:.1f}" for k in KINDS for v in row[k]),
            rebuild,
            f"{row['fts5_build']:.0f}",
        )
    Console(width=170).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
