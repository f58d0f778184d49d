"""Programmatic Alembic migrations: every open brings the schema to the head revision.

The migration scripts live in :mod:`turingview.storage.migrations` inside the package, so an installed
TuringView upgrades any older database it opens. Opening an up-to-date database only reads
``alembic_version`` (Alembic itself is imported only when an upgrade is due, which keeps the reader
workstation's start fast). On PostgreSQL an advisory lock serialises concurrent upgrades.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
HEAD = "0003"  # newest revision in migrations/versions (a test checks it against Alembic's view)
_PG_LOCK_KEY = 72457001  # arbitrary, fixed: TuringView schema upgrades


def _config(connection: Connection | None = None):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this TuringView knows, as Alembic computes it from the scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def _version(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def current_revision(engine: Engine) -> str | None:
    """The schema revision of the database, ``None`` for an empty one."""
    with engine.connect() as conn:
        return _version(conn)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: head) in one transaction."""
    if revision in ("head", HEAD) and current_revision(engine) == HEAD:
        return
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        if revision in ("head", HEAD) and _version(conn) == HEAD:
            return
        command.upgrade(_config(conn), revision)
