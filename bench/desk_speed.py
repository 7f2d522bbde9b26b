"""The service desk at 100,000 tickets: p95 of the dispatcher's queue, a ticket page and a
ticket search, and the SQL statements each page runs (which must not grow with tickets).

    python bench/desk_speed.py [--sizes 1000,100000] [--requests 200] [--database URL]

Tickets carry real service-desk text (../shared/eval/it_tickets) with a conversation of
three messages and two history rows each; they are written in bulk, then the ticket index
is rebuilt as `spravka` would. Requests go through the whole app in process (TestClient),
signed in as a dispatcher by bearer token. Filled databases are cached in bench/.cache.
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.relevance import eval_dir  # noqa: E402
from indexer.index import SearchIndex  # noqa: E402
from kb_service.accounts import service as accounts  # noqa: E402
from kb_service.app import create_app, migrate_schema  # noqa: E402
from kb_service.config import Settings  # noqa: E402
from kb_service.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from tickets import search as ticket_search  # noqa: E402
from tickets.models import Ticket, TicketEvent, TicketMessage  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "desk_speed"
# A desk's history: most of 100,000 tickets are long closed; 8,000 are being worked.
STATUSES = ["new"] * 15 + ["open"] * 45 + ["waiting"] * 20 + ["resolved"] * 20 + ["closed"] * 900
PRIORITIES = ["low", "normal", "normal", "normal", "high", "urgent"]
CHUNK = 2000


def texts() -> list[str]:
    with open(eval_dir() / "it_tickets" / "dev" / "groups.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle]


def fill(settings: Settings, size: int, console: Console) -> str:
    """A database with `size` tickets and a dispatcher; the dispatcher's token."""
    engine = make_engine(settings.sqlalchemy_url)
    migrate_schema(engine)
    sessions = make_sessionmaker(engine)
    token_file = settings.data_dir / "token"
    with session_scope(sessions) as session:
        have = session.scalar(select(func.count(Ticket.id))) or 0
    if have >= size and token_file.exists():
        return token_file.read_text()
    corpus, rng = texts(), random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with session_scope(sessions) as session:
        dispatcher = accounts.create_user(
            session, email="dispatcher@bench.test", name="Dispatcher", roles=["dispatcher"]
        )
        client = accounts.create_user(
            session, email="client@bench.test", name="Client", roles=["client"], organisation="Org"
        )
        token = accounts.create_token(session, dispatcher)
        ids = (dispatcher.id, client.id, client.organisation_id)
    began = time.perf_counter()
    for first in range(have, size, CHUNK):
        with session_scope(sessions) as session:
            _chunk(session, range(first, min(size, first + CHUNK)), corpus, rng, start, ids)
    console.print(f"filled {size:,} tickets in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    index = SearchIndex(settings.ticket_index_path)
    ticket_search.rebuild(index, sessions)
    index.close()
    console.print(f"ticket index rebuilt in {time.perf_counter() - began:.0f} s")
    token_file.write_text(token)
    engine.dispose()
    return token


def _chunk(session, numbers, corpus, rng, start, ids) -> None:
    dispatcher_id, client_id, organisation_id = ids
    tickets, messages, history = [], [], []
    for n in numbers:
        created = start + timedelta(minutes=7 * n)
        status = rng.choice(STATUSES)
        tickets.append({
            "id": n + 1, "number": str(10000 + n + 1), "subject": rng.choice(corpus)[:120],
            "body": rng.choice(corpus), "status": status, "priority": rng.choice(PRIORITIES),
            "requester_id": client_id, "requester_email": "client@bench.test",
            "organisation_id": organisation_id, "source": "email", "trail": {},
            "created_at": created, "updated_at": created + timedelta(hours=3),
            "response_due_at": created + timedelta(hours=4),
            "resolution_due_at": created + timedelta(days=2),
            "assignee_id": dispatcher_id if status != "new" else None,
        })  # fmt: skip
        for k, kind in enumerate(("client", "staff", "client")):
            messages.append({
                "ticket_id": n + 1, "author_kind": kind, "body": rng.choice(corpus),
                "created_at": created + timedelta(hours=k + 1),
                "is_internal": k == 1 and n % 3 == 0,
            })  # fmt: skip
        for action in ("create", "assign"):
            history.append({
                "ticket_id": n + 1, "actor_id": dispatcher_id, "action": action,
                "changes": {}, "created_at": created,
            })  # fmt: skip
    session.execute(insert(Ticket), tickets)
    session.execute(insert(TicketMessage), messages)
    session.execute(insert(TicketEvent), history)


def measure(settings: Settings, token: str, requests: int, pages: dict[str, str]) -> dict:
    """p50/p95 (ms) and SQL statements of each page."""
    app = create_app(settings)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_):
        # The request's own statements; not the background feeds' and jobs'.
        if not threading.current_thread().name.startswith("spravka-"):
            seen.append(statement)

    results = {}
    with TestClient(app) as web:
        event.listen(app.state.engine, "before_cursor_execute", count)
        headers = {"Authorization": f"Bearer {token}"}
        for name, path in pages.items():
            probe = web.get(path, headers=headers)
            if probe.status_code != 200:
                results[name] = None
                continue
            seen.clear()
            web.get(path, headers=headers)
            statements = len(seen)
            times = []
            for _ in range(requests):
                began = time.perf_counter()
                web.get(path, headers=headers)
                times.append((time.perf_counter() - began) * 1000)
            times.sort()
            results[name] = (
                statistics.median(times),
                times[int(len(times) * 0.95) - 1],
                statements,
            )
        event.remove(app.state.engine, "before_cursor_execute", count)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", help="PostgreSQL URL (a database of its own per size)")
    parser.add_argument(
        "--jobs",
        action="store_true",
        help="Run the desk's jobs and feeds in the serving process (the embedded default); "
        "without, they run elsewhere (`spravka worker`), as in production.",
    )
    args = parser.parse_args()
    console = Console()
    table = Table(title="Service desk pages (in process; p50 / p95 ms; SQL statements)")
    table.add_column("page")
    sizes = [int(s) for s in args.sizes.split(",")]
    columns = {}
    for size in sizes:
        folder = CACHE / f"{size}"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"{args.database}_{size}" if args.database else None
        settings = Settings(
            data_dir=folder, database_url=url, secret_key="b" * 32, embedded_worker=args.jobs
        )
        token = fill(settings, size, console)
        middle = str(10000 + size // 2)
        pages = {
            "dispatcher's queue (console)": "/console?view=unassigned",
            "ticket page (console)": f"/console/tickets/{middle}",
            "ticket search (console)": "/console?q=password+reset",
            "queue (API)": "/api/v1/tickets?status=new",
            "ticket (API)": f"/api/v1/tickets/{middle}",
            "ticket search (API)": "/api/v1/tickets?q=password+reset",
        }
        columns[size] = measure(settings, token, args.requests, pages)
        table.add_column(f"{size:,} tickets", justify="right")
    for name in columns[sizes[0]]:
        cells = []
        for size in sizes:
            value = columns[size][name]
            cells.append("n/a" if value is None else f"{value[0]:.1f} / {value[1]:.1f}; {value[2]}")
        table.add_row(name, *cells)
    console.print(table)


if __name__ == "__main__":
    main()
