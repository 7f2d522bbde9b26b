"""What every `spravka` command shares: the consoles, the database, failing with exit status 2
and a progress bar on the terminal."""

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from kb_service.config import Settings
from kb_service.db import make_engine, make_sessionmaker

out = Console()
err = Console(stderr=True)


def database(settings: Settings):
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    # The app module assembles every package, so it also knows every migration branch.
    from kb_service.app import migrate_schema

    migrate_schema(engine)
    return make_sessionmaker(engine)


def fail(message: str, details: list[str] = ()) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    for line in details:
        err.print(f"  {line}", highlight=False, markup=False)
    raise typer.Exit(code=2)


def progress(hidden: bool = False) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=hidden or not err.is_terminal,
    )
