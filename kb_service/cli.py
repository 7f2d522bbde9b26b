"""The `spravka` command line: serve, worker, reindex, rerender, imports and the catalogue;
the rest come from their own packages (users and tokens, mining and intake, backup)."""

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from kb_service import logs
from kb_service.accounts.cli import token_app, user_app
from kb_service.backup_cli import backup_app
from kb_service.cli_support import database as _database
from kb_service.cli_support import err, out
from kb_service.cli_support import fail as _fail
from kb_service.cli_support import progress as _progress
from kb_service.config import Settings
from kb_service.db import session_scope
from kb_service.errors import DomainError
from tickets.cli import intake_app, mine

app = typer.Typer(help="Spravka: a knowledge-base-centric help desk.", no_args_is_help=True)
import_app = typer.Typer(help="Import JSON Lines files (idempotent by id).", no_args_is_help=True)
catalogue_app = typer.Typer(help="The product catalogue.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(intake_app, name="intake")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(backup_app, name="backup")
app.command()(mine)


def main() -> None:
    app()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    demo: Annotated[
        bool, typer.Option(help="Load the demo content into an empty database.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes; default: one per core. 1 serves in-process."),
    ] = None,
) -> None:
    """Migrate the database, then serve the portal and the API."""
    from kb_service import serving

    settings = Settings()
    logs.configure(settings.log_format)
    sessions = _database(settings)
    if demo:
        _load_demo(sessions, settings.data_dir)
    workers = workers or serving.default_workers()
    if workers == 1:
        _serve_in_process(settings, host, port)
        return
    node = _prepare_node(settings, sessions)
    raise typer.Exit(code=serving.serve_workers(settings, node, host, port, workers))


def _serve_in_process(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from kb_service.app import create_app

    # Logging is ours (kb_service/logs.py): no access log of paths and query strings.
    app = create_app(settings)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)


def _prepare_node(settings: Settings, sessions):
    """What every worker needs before it starts: the secret key and filled indexes; and the
    node's feeds and jobs, to run beside the workers (None when `spravka worker` runs them)."""
    from kb_service.app import Node, ensure_index
    from kb_service.browser_session import signing_key

    signing_key(settings)
    if settings.embedded_worker:
        return Node(settings, sessions, writes=True, reads=False)  # fills the indexes
    from indexer.index import SearchIndex

    index = SearchIndex(settings.index_path)
    try:
        ensure_index(index, sessions)
    finally:
        index.close()
    return None


def _load_demo(sessions, data_dir: Path) -> None:
    from kb_service import demo
    from tickets import demo as desk_demo

    with session_scope(sessions) as session:
        if demo.is_empty(session):
            out.print("Loading the demo content…")
            demo.load_demo(session, data_dir)
            out.print(
                "The demo's catalogue came from a stand-in for the company's product database: "
                f"try `spravka catalogue sync --source {data_dir / 'demo-catalogue.toml'}`",
                highlight=False,
            )
        else:
            demo.ensure_demo_users(session)
        if desk_demo.is_empty(session):
            desk_demo.load_desk_demo(session)
    out.print("[bold]Demo users[/] (e-mail / password):")
    for user in demo.USERS:
        out.print(f"  {user.role:<11} {user.email:<26} {user.password}", highlight=False)


@import_app.command("articles")
def import_articles(file: Annotated[Path, typer.Argument(help="JSONL file of articles.")]) -> None:
    """Import articles; every invalid line is reported and nothing is imported."""
    from kb_service.importing import ARTICLES

    _import(file, ARTICLES, "articles")


@import_app.command("products")
def import_products(file: Annotated[Path, typer.Argument(help="JSONL file of products.")]) -> None:
    """Import products (the catalogue sync); parents before or after children."""
    from kb_service.importing import PRODUCTS

    _import(file, PRODUCTS, "products")


@import_app.command("tickets")
def import_tickets(file: Annotated[Path, typer.Argument(help="JSONL file of tickets.")]) -> None:
    """Import tickets of another desk (history: nobody is notified)."""
    from tickets.importing import TICKETS

    _import(file, TICKETS, "tickets")


@import_app.command("equipment")
def import_equipment(
    file: Annotated[Path, typer.Argument(help="JSONL file of installed equipment.")],
) -> None:
    """Import clients' installed equipment; unknown organisations are created."""
    from kb_service.catalogue.equipment import EQUIPMENT

    _import(file, EQUIPMENT, "equipment")


def _import(file: Path, importer, what: str) -> None:
    from kb_service.importing import check_file

    try:
        # Bytes, not text: the importer names the line of any bad UTF-8 with the others.
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {file}: {exc}")
    sessions = _database(Settings())
    try:
        with session_scope(sessions) as session:
            records = check_file(session, data, importer)
            with _progress() as progress:
                task = progress.add_task(f"Importing {what}", total=len(records))
                report = importer.save(session, records, lambda n: progress.advance(task, n))
    except DomainError as exc:
        _fail(f"{file}: {exc.message}", exc.errors)
    out.print(
        f"{what}: {report.read} read, {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


@catalogue_app.command("sync")
def catalogue_sync(
    source: Annotated[
        Path | None, typer.Option(help="Settings file (TOML) naming the product database.")
    ] = None,
    feed: Annotated[
        Path | None, typer.Option(help="Feed file of products (.jsonl or .csv).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Sync the catalogue from the company's products; bad rows are reported and skipped."""
    from kb_service.catalogue.sources import read_feed, read_settings
    from kb_service.catalogue.sync import sync_catalogue

    settings = Settings()
    source = source or (None if feed else settings.catalogue_source)
    if (source is None) == (feed is None):
        _fail("give --source or --feed (or set SPRAVKA_CATALOGUE_SOURCE), not both")
    sessions = _database(settings)
    try:
        snapshot = read_settings(source) if source else read_feed(feed)
        with session_scope(sessions) as session, _progress(hidden=as_json) as progress:
            task = progress.add_task("Syncing products", total=len(snapshot.rows))
            report = sync_catalogue(session, snapshot, lambda n: progress.advance(task, n))
    except DomainError as exc:
        _fail(exc.message, exc.errors)
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
        return
    for key, reason in report.skipped:
        err.print(f"skipped {key}: {reason}", highlight=False, markup=False)
    out.print(f"products: {report.summary()}", highlight=False)


@app.command()
def reindex() -> None:
    """Rebuild the search index from the database aside, then swap it in."""
    from indexer.index import SearchIndex
    from kb_service.search.feed import rebuild

    settings = Settings()
    sessions = _database(settings)
    index = SearchIndex(settings.index_path)
    with _progress() as progress:
        task = progress.add_task("Indexing articles", total=None)
        total = rebuild(
            index,
            sessions,
            progress=lambda n: progress.advance(task, n),
            on_total=lambda t: progress.update(task, total=t),
        )
    index.close()
    out.print(f"reindexed {total} published articles")


@app.command()
def worker() -> None:
    """Feed this node's search indexes from the outbox and run the desk's jobs until stopped."""
    from kb_service.app import Node

    settings = Settings()
    logs.configure(settings.log_format)
    node = Node(settings, _database(settings), writes=True, reads=False)
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    node.start()
    out.print(f"feeding {settings.index_path} from the outbox and running the desk; Ctrl-C stops")
    stopped.wait()
    node.stop()


@app.command()
def rerender() -> None:
    """Render every current article body again, after an upgrade changed the renderer."""
    from kb_service.articles.rerendering import rerender_bodies

    sessions = _database(Settings())
    with _progress() as progress, session_scope(sessions) as session:
        task = progress.add_task("Rendering articles", total=None)
        changed = rerender_bodies(session, progress=lambda n: progress.advance(task, n))
    out.print(f"rerendered {changed} article bodies whose HTML had changed")


if __name__ == "__main__":
    main()
