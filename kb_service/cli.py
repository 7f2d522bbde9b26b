"""The `spravka` command line: serve, import, reindex, worker, intake, users and tokens."""

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kb_service import logs
from kb_service.backup_cli import backup_app
from kb_service.config import Settings
from kb_service.db import make_engine, make_sessionmaker, session_scope
from kb_service.errors import DomainError

app = typer.Typer(help="Spravka: a knowledge-base-centric help desk.", no_args_is_help=True)
import_app = typer.Typer(help="Import JSON Lines files (idempotent by id).", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API bearer tokens.", no_args_is_help=True)
intake_app = typer.Typer(help="Feed messages to the service desk.", no_args_is_help=True)
catalogue_app = typer.Typer(help="The product catalogue.", no_args_is_help=True)
app.add_typer(import_app, name="import")
app.add_typer(catalogue_app, name="catalogue")
app.add_typer(intake_app, name="intake")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(backup_app, name="backup")

out = Console()
err = Console(stderr=True)


def main() -> None:
    app()


def _database(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    # The app module assembles every package, so it also knows every migration branch.
    from kb_service.app import migrate_schema

    migrate_schema(engine)
    return make_sessionmaker(engine)


def _fail(message: str, details: list[str] = ()) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    for line in details:
        err.print(f"  {line}", highlight=False, markup=False)
    raise typer.Exit(code=2)


def _progress(hidden: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=hidden or not err.is_terminal,
    )


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
    sessions = _database(settings)
    with session_scope(sessions) as session, _progress(hidden=as_json) as progress:
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
            _fail(f"{file}: {'is a directory' if file.is_dir() else 'no such file'}")
    settings = Settings()
    sessions = _database(settings)
    store, limits = AttachmentStore.of(settings), limits_of(settings)
    outcomes: dict[str, int] = {}
    with _progress(hidden=as_json or len(files) < 20) as progress:
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
            _fail(f"cannot read {file}: {exc}")
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


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="E-mail address, the login.")],
    name: Annotated[str, typer.Option(help="Full name.")] = "",
    role: Annotated[list[str], typer.Option(help="Role; repeat for several.")] = ["client"],  # noqa: B006
    organisation: Annotated[str | None, typer.Option(help="Client organisation.")] = None,
    language: Annotated[
        str, typer.Option(help="Language of the portal and e-mails: ru or en.")
    ] = "ru",
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when omitted.", prompt=False)
    ] = None,
) -> None:
    """Add a user with roles; asks for the password unless given."""
    from kb_service.accounts.service import create_user
    from kb_service.audit.service import CLI

    if language not in ("ru", "en"):
        _fail(f"unknown language {language!r}; choose ru or en")
    if password is None:
        if not sys.stdin.isatty():
            _fail("give --password, or run in a terminal to be asked for it")
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    sessions = _database(Settings())
    try:
        with session_scope(sessions) as session:
            user = create_user(
                session,
                email=email,
                name=name,
                password=password,
                roles=role,
                organisation=organisation,
                locale=language,
                actor=CLI,
            )
            out.print(f"added {user.email} ({', '.join(sorted(user.roles))})")
    except DomainError as exc:
        _fail(exc.message)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Option("--user", help="E-mail of the token's owner.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Issue an API bearer token for a user; it is shown once."""
    from kb_service.accounts.service import create_token, get_user_by_email
    from kb_service.audit.service import CLI

    sessions = _database(Settings())
    try:
        with session_scope(sessions) as session:
            owner = get_user_by_email(session, user)
            if owner is None:
                _fail(f"no user with e-mail {user}")
            token = create_token(session, owner, name, actor=CLI)
    except DomainError as exc:
        _fail(exc.message)
    out.print(token, highlight=False)


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
