"""`spravka mine` and `spravka intake email`: the desk's commands."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from kb_service.cli_support import database, err, fail, out
from kb_service.cli_support import progress as progress_bar
from kb_service.config import Settings
from kb_service.db import session_scope

intake_app = typer.Typer(help="Feed messages to the service desk.", no_args_is_help=True)


def mine(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the open topics as JSON (DESIGN.md).")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Regroup every ticket, not only the new ones.")
    ] = False,
) -> None:
    """Group solved tickets that no article covers into topics with proposed drafts."""
    from tickets.mining import cache_path
    from tickets.mining import mine as run
    from tickets.topics import clusters

    settings = Settings()
    sessions = database(settings)
    with session_scope(sessions) as session, progress_bar(hidden=as_json) as progress:
        task = progress.add_task("Mining solved tickets", total=3)
        report = run(
            session,
            cache_path(settings),
            full=full,
            progress=lambda step: progress.update(task, advance=1, description=f"Mining: {step}"),
        )
        shown = clusters(session, None if as_json else TOPICS_SHOWN + 1)
    if as_json:
        sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n")
        return
    _print_topics(shown["clusters"], report)


# Topics the table shows: the editors' page and --json have the rest.
TOPICS_SHOWN = 30


def _print_topics(topics: list[dict], report) -> None:
    from rich.table import Table

    if report.skipped:
        err.print("another run is mining now: these are the topics as they stand")
    table = Table(title="Open topics, largest first")
    for column in ("size", "title", "tickets"):
        table.add_column(column)
    for topic in topics[:TOPICS_SHOWN]:
        tickets = ", ".join(topic["tickets"][:5]) + (" …" if len(topic["tickets"]) > 5 else "")
        table.add_row(str(topic["size"]), topic["title"], tickets)
    out.print(table)
    if report.topics > TOPICS_SHOWN:
        out.print(f"… and {report.topics - TOPICS_SHOWN} smaller ones (all of them: --json)")
    how = "full regroup" if report.full else "incremental"
    out.print(
        f"{report.candidates} solved tickets without an article, {report.new} new ({how}): "
        f"{report.assigned} joined topics, {report.created} topics made, "
        f"{report.topics} open topics",
        highlight=False,
    )


@intake_app.command("email")
def intake_email(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Messages (.eml); none: one message from standard input."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per message, in input order.")
    ] = False,
) -> None:
    """Make each message a ticket or a reply; duplicates, automatic mail and unreadable
    messages are recorded, never lost (the last wait in the quarantine)."""
    from kb_service.storage import AttachmentStore
    from tickets.intake.service import limits_of, take_once

    files = files or []
    for file in files:
        if not file.is_file():
            fail(f"{file}: {'is a directory' if file.is_dir() else 'no such file'}")
    settings = Settings()
    sessions = database(settings)
    store, limits = AttachmentStore.of(settings), limits_of(settings)
    outcomes: dict[str, int] = {}
    with progress_bar(hidden=as_json or len(files) < 20) as progress:
        task = progress.add_task("Taking e-mail", total=len(files) or 1)
        for source, raw in _messages(files):
            taken = take_once(sessions, store, raw, source, limits)
            outcomes[taken.outcome] = outcomes.get(taken.outcome, 0) + 1
            if as_json:
                _print_taken(source, taken)
            elif taken.outcome == "quarantined":
                err.print(f"quarantined: {source}", highlight=False, markup=False)
            progress.advance(task)
    if not as_json:
        out.print(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())))


def _messages(files: list[Path]):
    if not files:
        yield "-", sys.stdin.buffer.read()
    for file in files:
        try:
            raw = file.read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc}")
        yield str(file), raw


def _print_taken(source: str, taken) -> None:
    record = {
        "file": source,
        "outcome": taken.outcome,
        # The interface says a number: the desk's numbers are digits ("10042").
        "ticket": int(taken.ticket) if taken.ticket and taken.ticket.isdigit() else taken.ticket,
        "subject": taken.subject,
        "text": taken.text,
    }
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()
