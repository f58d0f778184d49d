"""``turingview backup list|restore``: the rolling backups of the embedded SQLite database."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from turingview.core.errors import InvalidInputError

_DB_OPTION = click.option("--db", "db_url", default=None, metavar="URL",
                          help="SQLite database URL (default: the local study database).")


@click.group()
def backup_group() -> None:
    """List and restore database backups (SQLite; PostgreSQL uses pg_dump / pg_restore)."""


@backup_group.command("list")
@_DB_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(db_url: str | None, as_json: bool) -> None:
    """Every backup of the database, newest first, with its size and integrity-check verdict."""
    from turingview.storage.backup import backup_dir
    from turingview.storage.restore import list_backups, sqlite_path

    infos = list_backups(db_url)
    if as_json:
        click.echo(json.dumps([info.to_dict() for info in infos], indent=2))
        return
    if not infos:
        click.echo(f"no backups of {sqlite_path(db_url)} in {backup_dir()}")
        return
    for info in infos:
        taken = info.taken_at.strftime("%Y-%m-%d %H:%M:%S UTC") if info.taken_at else "?"
        verdict = "ok" if info.ok else f"DAMAGED: {info.problem}"
        click.echo(f"{taken}  {info.size / 1e6:9.2f} MB  {info.path}  {verdict}")


@backup_group.command("restore")
@_DB_OPTION
@click.option("--from", "source", default=None, type=click.Path(path_type=Path, dir_okay=False),
              help="Backup file to restore (default: the newest one that verifies).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (required without a terminal).")
def restore_command(db_url: str | None, source: Path | None, yes: bool) -> None:
    """Replace the database by a verified backup; the current file is kept as *.pre-restore.

    Close TuringView everywhere it uses this database first. Ratings made after the backup are not in it.
    """
    from turingview.storage.restore import restore_backup, sqlite_path

    db = sqlite_path(db_url)
    what = str(source) if source else "the newest backup that verifies"
    if not yes:
        if not sys.stdin or not sys.stdin.isatty():
            raise InvalidInputError(f"not restoring {db} from {what} without confirmation: no terminal to ask on; "
                                    "pass --yes")
        click.confirm(f"Replace {db} by {what}? The current database is kept as *.pre-restore", abort=True)
    result = restore_backup(db_url, source)
    for skipped in result.skipped:
        click.echo(f"skipped {skipped.path}: {skipped.problem}", err=True)
    click.echo(f"restored {result.database} from {result.backup.path}")
    for moved in result.moved_aside:
        click.echo(f"previous file kept as {moved}")
    for verification in result.studies:
        click.echo(str(verification))
