"""`spravka reindex` end to end: database to a swapped-in index, at 20,000 and 100,000 articles.

    python bench/reindex_speed.py [--sizes 20000,100000]

Fills a fresh SQLite database (in bench/.cache) with the synthetic articles of
search_speed.py through bulk inserts, then times the real command in a subprocess, so the
number includes reading the database, building documents and indexing with both cores.
"""

import argparse
import html
import os
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.search_speed import FAMILIES, make_corpus  # noqa: E402
from kb_service.access import BUILTIN_GROUPS  # noqa: E402
from kb_service.accounts.models import AccessGroup  # noqa: E402
from kb_service.app import migrate_schema  # noqa: E402
from kb_service.articles.models import (  # noqa: E402
    Article,
    ArticleBody,
    Category,
    article_group,
    article_product,
)
from kb_service.catalogue.models import Product  # noqa: E402
from kb_service.db import make_engine, utcnow  # noqa: E402

CACHE = ROOT / "bench" / ".cache" / "reindex_speed"


def fill(url: str, size: int) -> float:
    """Write `size` published articles with groups, products and categories; seconds taken."""
    engine = make_engine(url)
    migrate_schema(engine)
    docs = make_corpus(size)
    started = time.perf_counter()
    with engine.begin() as db:
        # The migrations create the built-in groups.
        groups = sorted({g for d in docs for g in d.groups} - set(BUILTIN_GROUPS))
        db.execute(
            insert(AccessGroup),
            [{"name": g, "description": "", "created_at": utcnow()} for g in groups],
        )
        codes = [*FAMILIES, *(p for ps in FAMILIES.values() for p in ps)]
        db.execute(
            insert(Product),
            [
                {
                    "code": c,
                    "name": c,
                    "description": "",
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
                }
                for c in codes
            ],
        )
        categories = sorted({d.category for d in docs if d.category})
        db.execute(insert(Category), [{"slug": c, "name": c} for c in categories])
        group_ids = dict(db.execute(select(AccessGroup.name, AccessGroup.id)).all())
        product_ids = dict(db.execute(select(Product.code, Product.id)).all())
        category_ids = dict(db.execute(select(Category.slug, Category.id)).all())
        for start in range(0, size, 2000):
            batch = docs[start : start + 2000]
            db.execute(insert(ArticleBody), [_body(start + n, d) for n, d in enumerate(batch)])
            rows = [_row(start + n, d, category_ids) for n, d in enumerate(batch)]
            db.execute(insert(Article), rows)
            db.execute(
                insert(article_group),
                [{"article_id": d.id, "group_id": group_ids[g]} for d in batch for g in d.groups],
            )
            db.execute(
                insert(article_product),
                [
                    {"article_id": d.id, "product_id": product_ids[p]}
                    for d in batch
                    for p in d.products
                ],
            )
    engine.dispose()
    return time.perf_counter() - started


def _body(number: int, doc) -> dict:
    # Bodies live in their own table (kb_service.articles.models.ArticleBody); ids from 1.
    return {
        "id": number + 1,
        "article_id": doc.id,
        "body_md": doc.body,
        "body_html": f"<p>{html.escape(doc.body)}</p>",
    }


def _row(number: int, doc, category_ids) -> dict:
    now = utcnow()
    return {
        "id": doc.id,
        "title": doc.title,
        "body_id": number + 1,
        "language": doc.language,
        "status": "published",
        "category_id": category_ids.get(doc.category),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "published_at": now,
    }


def reindex(url: str, data_dir: Path) -> float:
    env = {**os.environ, "SPRAVKA_DATABASE_URL": url, "SPRAVKA_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    code = "from kb_service.cli import main; main()"
    subprocess.run([sys.executable, "-c", code, "reindex"], env=env, check=True, cwd=ROOT)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000,100000")
    args = parser.parse_args(argv)
    table = Table(title="spravka reindex, SQLite database to swapped-in Whoosh index")
    for column in ("articles", "database fill s", "reindex s", "articles/s", "target"):
        table.add_column(column, justify="right")
    for size in (int(s) for s in args.sizes.split(",")):
        folder = CACHE / str(size)
        if folder.exists():
            subprocess.run(["rm", "-rf", str(folder)], check=True)
        folder.mkdir(parents=True)
        url = f"sqlite:///{folder / 'spravka.db'}"
        filled = fill(url, size)
        seconds = reindex(url, folder)
        target = "≤ 300 s" if size >= 100_000 else ""
        table.add_row(
            f"{size:,}", f"{filled:.0f}", f"{seconds:.0f}", f"{size / seconds:.0f}", target
        )
    Console().print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
