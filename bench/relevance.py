"""Search relevance on the shared evaluation sets: Spravka beside plain BM25 and SQLite FTS5.

    python bench/relevance.py [--sets libreoffice_help_ru,stackfaq]

Besides the clean queries, Spravka is run on two damaged copies of them, to measure how much
of its nDCG@10 it keeps: one typo in each query's longest word (a letter dropped, doubled, or
two neighbours swapped; which, and where, from a seeded hash of the query id), and, on the
Russian sets, each query typed with the English keyboard layout on.

Reads ../shared/eval (or $SPRAVKA_EVAL_DIR); nothing of it is copied into the repository.
The floor is the README's plain BM25 (k1 0.9, b 0.4, \\w+ lower-cased, no stemming, OR-ed,
title and body as one field), implemented here so its numbers can be checked against it.
"""

import argparse
import hashlib
import json
import math
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

ALL_SETS = (
    "libreoffice_help_ru",
    "libreoffice_help_en",
    "debian_faq_ru",
    "debian_faq_en",
    "stackfaq",
    "gitbugs_dups",
)
# Sets whose queries are themselves documents of the corpus (dropped from their own ranking).
SELF_EXCLUDING = {"gitbugs_dups"}
DEPTH = 10
# One more than the depth, so a ranking still has DEPTH documents after dropping the query.
FETCH = DEPTH + 1
TOKEN_RE = re.compile(r"\w+")


def eval_dir() -> Path:
    override = os.environ.get("SPRAVKA_EVAL_DIR")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "eval"


def load(name: str) -> tuple[list[dict], list[dict], dict[str, set[str]]]:
    folder = eval_dir() / name
    with open(folder / "corpus.jsonl", encoding="utf-8") as handle:
        corpus = [json.loads(line) for line in handle if line.strip()]
    with open(folder / "dev" / "queries.jsonl", encoding="utf-8") as handle:
        queries = [json.loads(line) for line in handle if line.strip()]
    qrels: dict[str, set[str]] = defaultdict(set)
    with open(folder / "dev" / "qrels.tsv", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                query_id, doc_id, _rel = line.rstrip("\n").split("\t")
                qrels[query_id].add(doc_id)
    return corpus, queries, qrels


def typo(query_id: str, text: str) -> str:
    """``text`` with one typo in its longest word, chosen by a hash of the query id."""
    found = list(TOKEN_RE.finditer(text))
    if not found:
        return text
    longest = max(found, key=lambda m: len(m.group()))
    word = longest.group()
    if len(word) < 2:
        return text
    seed = int.from_bytes(hashlib.sha256(f"typo:{query_id}".encode()).digest()[:8], "big")
    kind, at = seed % 3, (seed // 3) % len(word)
    if kind == 0:  # a letter dropped
        damaged = word[:at] + word[at + 1 :]
    elif kind == 1:  # a letter doubled
        damaged = word[: at + 1] + word[at:]
    else:  # two neighbouring letters swapped
        at = min(at, len(word) - 2)
        damaged = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return text[: longest.start()] + damaged + text[longest.end() :]


# The keys of a Russian keyboard (ЙЦУКЕН) and what the same keys give in the English layout.
_RU_KEYS = 'ёйцукенгшщзхъфывапролджэячсмитьбю.,"!;%:?'
_EN_KEYS = "`qwertyuiop[]asdfghjkl;'zxcvbnm,./?@!$%^&"
_TYPED_IN_ENGLISH = str.maketrans(_RU_KEYS + _RU_KEYS[:34].upper(), _EN_KEYS + _EN_KEYS[:34])


def wrong_layout(text: str) -> str:
    """What the keys for a Russian ``text`` type with the English layout switched on."""
    return text.translate(_TYPED_IN_ENGLISH)


def run_spravka(
    dataset_name: str, corpus: list[dict], variants: dict[str, list[dict]]
) -> dict[str, dict[str, list[str]]]:
    """Spravka's ranking per query of each variant, through the product itself: the articles
    importer into a fresh SQLite database, `spravka reindex`'s rebuild, and the search service
    as an anonymous viewer (the corpus is imported as public articles)."""
    from indexer.index import SearchIndex
    from kb_service.access import ANONYMOUS
    from kb_service.app import migrate_schema
    from kb_service.articles.schemas import ArticleImport
    from kb_service.db import make_engine, make_sessionmaker, session_scope
    from kb_service.importing import import_articles, parse_lines
    from kb_service.search.feed import rebuild
    from kb_service.search.service import SearchService

    language = "ru" if dataset_name.endswith("_ru") else "en"
    # Article ids are URL-safe in the product and LibreOffice's are paths: number them.
    original = {f"e{n}": d["id"] for n, d in enumerate(corpus)}
    lines = [
        json.dumps(
            {"id": f"e{n}", "title": _title(d), "body": d.get("body") or "", "language": language},
            ensure_ascii=False,
        )
        for n, d in enumerate(corpus)
    ]
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/spravka.db")
        migrate_schema(engine)
        sessions = make_sessionmaker(engine)
        with session_scope(sessions) as session:
            import_articles(session, parse_lines(lines, ArticleImport))
        index = SearchIndex(Path(folder) / "index")
        try:
            rebuild(index, sessions)
            service = SearchService(index)
            with session_scope(sessions) as session:
                return {
                    name: {
                        query["id"]: [
                            original[hit.id]
                            for hit in service.search(
                                session, ANONYMOUS, query["text"], limit=FETCH
                            )[0].hits
                        ]
                        for query in queries
                    }
                    for name, queries in variants.items()
                }
        finally:
            index.close()
            engine.dispose()


def _title(doc: dict) -> str:
    # The product requires a title; the one untitled page gets its first words.
    title = (doc.get("title") or "").strip()
    return title or " ".join((doc.get("body") or doc["id"]).split()[:8])[:300] or doc["id"]


def tokens(text: str) -> list[str]:
    return TOKEN_RE.findall(text.lower())


def run_bm25_floor(
    corpus: list[dict], queries: list[dict], k1: float = 0.9, b: float = 0.4
) -> dict[str, list[str]]:
    """Plain BM25 over title+body as one field, query terms OR-ed (the README's floor)."""
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    lengths = []
    for docnum, doc in enumerate(corpus):
        words = tokens(f"{doc.get('title') or ''} {doc.get('body') or ''}")
        lengths.append(len(words))
        for term, tf in Counter(words).items():
            postings[term].append((docnum, tf))
    n, avgdl = len(corpus), sum(lengths) / max(1, len(lengths))
    rankings = {}
    for query in queries:
        scores: Counter[int] = Counter()
        for term in set(tokens(query["text"])):
            plist = postings.get(term, ())
            idf = math.log(1 + (n - len(plist) + 0.5) / (len(plist) + 0.5))
            for docnum, tf in plist:
                norm = k1 * (1 - b + b * lengths[docnum] / avgdl)
                scores[docnum] += idf * tf * (k1 + 1) / (tf + norm)
        rankings[query["id"]] = [corpus[d]["id"] for d, _s in scores.most_common(FETCH)]
    return rankings


def run_fts5(corpus: list[dict], queries: list[dict]) -> dict[str, list[str]]:
    """SQLite FTS5 with bm25(), each query term quoted and OR-ed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE doc USING fts5(id UNINDEXED, title, body)")
    db.executemany(
        "INSERT INTO doc (id, title, body) VALUES (?, ?, ?)",
        ((d["id"], d.get("title") or "", d.get("body") or "") for d in corpus),
    )
    rankings = {}
    for query in queries:
        terms = sorted(set(tokens(query["text"])))
        if not terms:
            rankings[query["id"]] = []
            continue
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        rows = db.execute(
            "SELECT id FROM doc WHERE doc MATCH ? ORDER BY bm25(doc) LIMIT ?", (match, FETCH)
        ).fetchall()
        rankings[query["id"]] = [row[0] for row in rows]
    return rankings


def score(
    rankings: dict[str, list[str]], qrels: dict[str, set[str]], drop_self: bool
) -> dict[str, float]:
    """Mean nDCG@10, MRR@10 and Recall@10 over the queries that have relevant documents."""
    totals = Counter()
    judged = [qid for qid in qrels if qrels[qid]]
    for qid in judged:
        relevant = qrels[qid] - ({qid} if drop_self else set())
        ranking = [d for d in rankings.get(qid, []) if not (drop_self and d == qid)][:DEPTH]
        gains = [1.0 if d in relevant else 0.0 for d in ranking]
        dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
        ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), DEPTH)))
        totals["ndcg"] += dcg / ideal if ideal else 0.0
        totals["mrr"] += next((1 / (i + 1) for i, g in enumerate(gains) if g), 0.0)
        totals["recall"] += sum(gains) / len(relevant) if relevant else 0.0
    return {key: totals[key] / max(1, len(judged)) for key in ("ndcg", "mrr", "recall")}


def evaluate(name: str) -> dict[str, dict[str, float]]:
    corpus, queries, qrels = load(name)
    drop_self = name in SELF_EXCLUDING
    results = {}
    for system, runner in (
        ("floor", lambda: run_bm25_floor(corpus, queries)),
        ("fts5", lambda: run_fts5(corpus, queries)),
    ):
        started = time.perf_counter()
        results[system] = score(runner(), qrels, drop_self)
        results[system]["seconds"] = time.perf_counter() - started
    variants = {
        "spravka": queries,
        "typo": [{**q, "text": typo(q["id"], q["text"])} for q in queries],
    }
    if name.endswith("_ru"):
        variants["layout"] = [{**q, "text": wrong_layout(q["text"])} for q in queries]
    started = time.perf_counter()
    for variant, rankings in run_spravka(name, corpus, variants).items():
        results[variant] = score(rankings, qrels, drop_self)
    results["spravka"]["seconds"] = time.perf_counter() - started
    return results


SYSTEMS = ("floor", "fts5", "spravka")
METRICS = (("ndcg", "nDCG"), ("mrr", "MRR"), ("recall", "R"))


def print_table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    table = Table(title="Relevance on the dev halves (@10): plain BM25 floor, SQLite FTS5, Spravka")
    table.add_column("set", no_wrap=True)
    for system in SYSTEMS:
        for _, label in METRICS:
            table.add_column(f"{system} {label}", justify="right")
    table.add_column("nDCG vs floor", justify="right")
    table.add_column("typo kept", justify="right")
    table.add_column("layout kept", justify="right")
    rows = dict(results)
    rows["mean"] = {
        s: {m: sum(r[s][m] for r in results.values()) / len(results) for m, _ in METRICS}
        for s in SYSTEMS
    }
    for name, by_system in rows.items():
        gain = by_system["spravka"]["ndcg"] / by_system["floor"]["ndcg"] - 1
        cells = [f"{by_system[s][m]:.3f}" for s in SYSTEMS for m, _ in METRICS]
        kept = [_kept(results, name, variant) for variant in ("typo", "layout")]
        table.add_row(name, *cells, f"{gain * 100:+.1f}%", *kept)
    Console(width=190).print(table)


def _kept(results: dict[str, dict[str, dict[str, float]]], name: str, variant: str) -> str:
    """The share of clean nDCG a damaged variant keeps; for "mean", the mean of the shares."""
    shares = [
        r[variant]["ndcg"] / r["spravka"]["ndcg"]
        for set_name, r in results.items()
        if variant in r and r["spravka"]["ndcg"] and name in ("mean", set_name)
    ]
    return f"{100 * sum(shares) / len(shares):.1f}%" if shares else "–"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(ALL_SETS))
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    unknown = set(names) - set(ALL_SETS)
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    print_table({name: evaluate(name) for name in names})
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
