"""`spravka backup create FILE` and `spravka backup restore FILE` (kb_service/backup.py)."""

from pathlib import Path
from typing import Annotated

import typer

backup_app = typer.Typer(help="Back up and restore the database and attachments.",
                         no_args_is_help=True)  # fmt: skip


@backup_app.command("create")
def create(file: Annotated[Path, typer.Argument(help="The archive to write (.tar.gz).")]) -> None:
    """Write the whole database and the attachments to FILE, while the service runs."""
    from kb_service import backup, cli_support
    from kb_service.audit.service import BACKUP_CREATED
    from kb_service.config import Settings
    from kb_service.db import Base

    settings = Settings()
    sessions = cli_support.database(settings)  # also loads every package's models
    engine = sessions.kw["bind"]
    try:
        with cli_support.progress() as progress:
            task = progress.add_task("Backing up", total=None)
            manifest = backup.create(
                engine, Base.metadata, settings.attachments_path, file,
                progress=lambda n: progress.advance(task, n),
                on_total=lambda t: progress.update(task, total=t),
            )  # fmt: skip
    except backup.Invalid as exc:
        cli_support.fail(str(exc))
    _audit(sessions, BACKUP_CREATED, file, {"rows": manifest.rows})
    cli_support.out.print(
        f"wrote {file}: {manifest.rows} rows of {len(manifest.tables)} tables and "
        f"{len(manifest.attachments)} attachment files"
    )


@backup_app.command("restore")
def restore(file: Annotated[Path, typer.Argument(help="An archive of `backup create`.")]) -> None:
    """Load FILE into an empty database (SQLite or PostgreSQL), then rebuild the indexes."""
    from kb_service import backup, cli_support
    from kb_service.app import rebuild_indexes
    from kb_service.audit.service import BACKUP_RESTORED
    from kb_service.config import Settings
    from kb_service.db import Base

    settings = Settings()
    sessions = cli_support.database(settings)
    engine = sessions.kw["bind"]
    try:
        manifest = backup.verify(file)
        with cli_support.progress() as progress:
            task = progress.add_task("Restoring", total=manifest.rows)
            backup.restore(
                engine, Base.metadata, settings.attachments_path, file,
                progress=lambda n: progress.advance(task, n),
            )  # fmt: skip
    except backup.Invalid as exc:
        cli_support.fail(str(exc))
    _audit(sessions, BACKUP_RESTORED, file, {"rows": manifest.rows})
    rebuild_indexes(settings, sessions)
    cli_support.out.print(
        f"restored {manifest.rows} rows of {len(manifest.tables)} tables and "
        f"{len(manifest.attachments)} attachment files from {file}; indexes rebuilt"
    )


def _audit(sessions, action: str, file: Path, details: dict) -> None:
    """After the fact, in a transaction of its own: a backup reads a snapshot that cannot
    write, and a restore's own transaction loads the archive's rows, log included. The file's
    name only: its folder may name a person's home."""
    from kb_service.audit.service import CLI
    from kb_service.db import session_scope

    with session_scope(sessions) as session:
        CLI.record(session, action, ("backup", file.name), details)
