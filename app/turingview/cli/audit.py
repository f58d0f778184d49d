"""``turingview audit verify NAME``: check a study's hash-chained audit trail."""

from __future__ import annotations

import click

from turingview.core.errors import IntegrityError


@click.group()
def audit_group() -> None:
    """Verify a study's hash-chained audit trail."""


@audit_group.command("verify")
@click.argument("name")
@click.option("--db", "db_url", default=None, metavar="URL", help="SQLAlchemy database URL.")
def verify_command(name: str, db_url: str | None) -> None:
    """Recompute every link; print OK with the chain head and event count, or name the first broken link."""
    from turingview.study import verify_audit_chain

    result = verify_audit_chain(db_url, name)
    if not result.ok:
        raise IntegrityError(str(result))
    click.echo(str(result))
