"""The reports at 100,000 tickets: how long the whole report (every KCS and desk measure, the
weekly series and the per-team and per-person tables) and the gap lists take per period.

    python bench/reports_speed.py [--sizes 1000,100000] [--repeat 5] [--database URL]

A year of desk history is written in bulk: tickets every few minutes over 4 teams and 20
engineers, most closed (some reopened, confirmed or closed by the timeout), with article
links, history rows and outside escalations; and per ticket 3 searches and 2 article views,
with a vote for one ticket in 5 and an ask-form visit for one in 2. The service functions
are timed directly (no HTTP), as the page calls them once per request. Filled databases are
cached in bench/.cache.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb_service.access import Viewer  # noqa: E402
from kb_service.accounts import service as accounts  # noqa: E402
from kb_service.app import migrate_schema  # noqa: E402
from kb_service.articles import service as articles  # noqa: E402
from kb_service.articles.schemas import ArticleImport  # noqa: E402
from kb_service.config import Settings  # noqa: E402
from kb_service.db import make_engine, make_sessionmaker, session_scope  # noqa: E402
from kb_service.feedback.models import ArticleFeedback, ArticleView  # noqa: E402
from kb_service.search.models import SearchEvent  # noqa: E402
from tickets import gaps, period_report  # noqa: E402
from tickets.measuring import DESK, Period, Scope  # noqa: E402
from tickets.models import (  # noqa: E402
    AskVisit,
    Escalation,
    OutsideOrganisation,
    SupportGroup,
    Ticket,
    TicketArticle,
    TicketEvent,
)

CACHE = Path(__file__).resolve().parent / ".cache" / "reports_speed"
START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
CHUNK = 5000
ARTICLES = 200
QUERIES = [f"query {n}" for n in range(400)]
ADMIN = Viewer(kind="staff", roles=frozenset({"admin"}), groups=None)


def fill(settings: Settings, size: int, console: Console) -> None:
    engine = make_engine(settings.sqlalchemy_url)
    migrate_schema(engine)
    sessions = make_sessionmaker(engine)
    with session_scope(sessions) as session:
        if (session.scalar(select(func.count(Ticket.id))) or 0) >= size:
            return
        people = [
            accounts.create_user(session, email=f"e{n}@bench.test", name=f"Engineer {n}",
                                 roles=["engineer"]).id
            for n in range(20)
        ]  # fmt: skip
        client = accounts.create_user(session, email="c@bench.test", name="C", roles=["client"])
        teams = []
        for n in range(4):
            group = SupportGroup(name=f"Team {n}")
            session.add(group)
            session.flush()
            teams.append(group.id)
        outside = OutsideOrganisation(name="Vendor")
        session.add(outside)
        for n in range(ARTICLES):
            articles.save_imported(
                session,
                ArticleImport(id=f"a{n}", title=f"Article {n}", body="Text.", language="en"),
            )
        session.flush()
        ids = (people, teams, client.id, outside.id)
    began = time.perf_counter()
    rng = random.Random(11)
    step = YEAR / size
    for first in range(0, size, CHUNK):
        with session_scope(sessions) as session:
            _chunk(session, range(first, min(size, first + CHUNK)), step, rng, ids)
    console.print(f"filled {size:,} tickets in {time.perf_counter() - began:.0f} s")
    engine.dispose()


def _chunk(session, numbers, step, rng, ids) -> None:  # noqa: PLR0915 - one row of each table
    people, teams, client_id, outside_id = ids
    rows = {
        name: [] for name in ("ticket", "link", "event", "esc", "search", "view", "vote", "ask")
    }
    for n in numbers:
        created = START + step * n
        closed = rng.random() < 0.9
        resolved_at = created + timedelta(hours=rng.randint(1, 96))
        tid = n + 1
        rows["ticket"].append({
            "id": tid, "number": str(10000 + tid), "subject": "s", "body": "b",
            "status": "closed" if closed else "open", "requester_id": client_id,
            "requester_email": "c@bench.test", "trail": {}, "created_at": created,
            "updated_at": created, "group_id": rng.choice(teams),
            "assignee_id": rng.choice(people),
            "first_response_at": created + timedelta(minutes=rng.randint(5, 600)),
            "response_due_at": created + timedelta(hours=4),
            "resolution_due_at": created + timedelta(days=2),
            "resolved_at": resolved_at if closed else None,
            "closed_at": resolved_at + timedelta(days=2) if closed else None,
        })  # fmt: skip
        if closed:
            action = rng.choice(("confirm", "auto_close", "auto_close", "close"))
            rows["event"].append(_event(tid, action, resolved_at + timedelta(days=2)))
            if rng.random() < 0.05:
                rows["event"].append(_event(tid, "reject", resolved_at))
            if rng.random() < 0.5:
                relation = "created" if rng.random() < 0.05 else "used"
                rows["link"].append({
                    "ticket_id": tid, "article_id": f"a{rng.randrange(ARTICLES)}",
                    "relation": relation, "by_id": rng.choice(people), "note": "",
                    "created_at": resolved_at,
                })  # fmt: skip
        if n % 50 == 0:
            promised = created + timedelta(days=3)
            rows["esc"].append({
                "ticket_id": tid, "kind": "external", "outside_id": outside_id,
                "promised_at": promised, "reference": "", "reason": "", "answer": "",
                "resolved_at": promised + timedelta(hours=rng.randint(-48, 24)),
                "created_at": created,
            })  # fmt: skip
        visit = f"v{n}"
        for k in range(3):
            clicked = rng.random() < 0.4
            rows["search"].append({
                "id": n * 3 + k + 1, "visit_id": visit, "viewer_kind": "client",
                "user_id": client_id if k == 0 else None, "query": rng.choice(QUERIES),
                "result_count": 0 if rng.random() < 0.15 else rng.randint(1, 40),
                "clicked_article_id": f"a{rng.randrange(ARTICLES)}" if clicked else None,
                "created_at": created - timedelta(minutes=30 - k),
            })  # fmt: skip
        for k in range(2):
            rows["view"].append({
                "article_id": f"a{rng.randrange(ARTICLES)}", "visit_id": visit,
                "viewer_kind": "client", "user_id": client_id,
                "created_at": created - timedelta(minutes=20 - k),
            })  # fmt: skip
        if n % 5 == 0:
            rows["vote"].append({
                "article_id": f"a{rng.randrange(ARTICLES)}", "visit_id": visit,
                "viewer_kind": "client", "helpful": rng.random() < 0.7, "comment": "",
                "created_at": created - timedelta(minutes=10),
            })  # fmt: skip
        if n % 2 == 0:
            rows["ask"].append({
                "token": f"t{n}", "visit_id": visit, "viewer_kind": "client",
                "outcome": "ticket" if rng.random() < 0.7 else "deflected",
                "ticket_id": tid, "started_at": created - timedelta(minutes=5),
            })  # fmt: skip
    for model, name in (
        (Ticket, "ticket"), (TicketArticle, "link"), (TicketEvent, "event"),
        (Escalation, "esc"), (SearchEvent, "search"), (ArticleView, "view"),
        (ArticleFeedback, "vote"), (AskVisit, "ask"),
    ):  # fmt: skip
        if rows[name]:
            session.execute(insert(model), rows[name])


def _event(ticket_id: int, action: str, at: datetime) -> dict:
    return {"ticket_id": ticket_id, "action": action, "changes": {}, "created_at": at}


def timed(call, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def measure(settings: Settings, repeat: int) -> dict[str, float]:
    engine = make_engine(settings.sqlalchemy_url)
    sessions = make_sessionmaker(engine)
    end = START + YEAR
    periods = {"30 days": timedelta(days=30), "quarter": timedelta(days=91), "year": YEAR}
    results = {}
    with sessions() as session:
        team = session.scalar(select(SupportGroup.id).limit(1))
        person = session.scalar(select(Ticket.assignee_id).limit(1))
        for name, length in periods.items():
            period = Period(end - length, end)

            def whole(period=period):
                period_report.report(session, ADMIN, period, DESK, end)

            results[f"report, desk, {name}"] = timed(whole, repeat)
            results[f"gaps, {name}"] = timed(lambda p=period: gaps.gaps(session, ADMIN, p), repeat)
        quarter = Period(end - periods["quarter"], end)
        for label, scope in (("team", Scope("team", team)), ("person", Scope("person", person))):
            results[f"report, {label}, quarter"] = timed(
                lambda s=scope: period_report.report(session, ADMIN, quarter, s, end), repeat
            )
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", help="PostgreSQL URL (a database of its own per size)")
    args = parser.parse_args()
    console = Console()
    sizes = [int(s) for s in args.sizes.split(",")]
    table = Table(title="Reports (median ms of the service call)")
    table.add_column("what")
    columns = {}
    for size in sizes:
        folder = CACHE / f"{size}"
        folder.mkdir(parents=True, exist_ok=True)
        url = f"{args.database}_{size}" if args.database else None
        settings = Settings(data_dir=folder, database_url=url, secret_key="b" * 32)
        fill(settings, size, console)
        columns[size] = measure(settings, args.repeat)
        table.add_column(f"{size:,} tickets", justify="right")
    for name in columns[sizes[0]]:
        table.add_row(name, *(f"{columns[size][name]:.0f}" for size in sizes))
    console.print(table)


if __name__ == "__main__":
    main()
