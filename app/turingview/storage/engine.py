"""Engines and sessions: crash-safe SQLite by default, any SQLAlchemy URL (PostgreSQL for shared studies).

Every SQLite connection runs with ``journal_mode=WAL`` (the main database; reader packages use a
rollback journal so they stay one self-contained file), ``foreign_keys=ON``, ``synchronous=FULL`` and a
busy timeout. Write transactions start with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock
upgrade. The first open of a database in a process runs ``PRAGMA quick_check``, brings the schema to the
head revision (:mod:`turingview.storage.migrate`) and schedules a rolling backup off the caller's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from turingview.core.errors import StorageError
from turingview.core.paths import default_db_url

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def normalise_url(url: str | None) -> str:
    """Resolve ``None`` to the default database and give bare PostgreSQL URLs the psycopg 3 driver."""
    url = url or default_db_url()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def redact(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url


def sqlite_engine(path: Path, *, journal_mode: str = "WAL") -> Engine:
    """A new SQLite engine on ``path`` with TuringView's pragmas (not cached, no migrations)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False})
    _configure_sqlite(engine, journal_mode)
    return engine


def _configure_sqlite(engine: Engine, journal_mode: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA journal_mode={journal_mode}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def quick_check(engine: Engine) -> None:
    """Run ``PRAGMA quick_check`` on a SQLite database; raise :class:`StorageError` if it is damaged."""
    with engine.connect() as conn:
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    if rows != ["ok"]:
        raise StorageError(f"{engine.url.database}: integrity check failed: {'; '.join(map(str, rows[:5]))}")


def get_engine(url: str | None = None, *, backup: bool = True) -> Engine:
    """The process-wide engine for ``url``: opened, checked and migrated once.

    Raises
    ------
    StorageError
        The database cannot be opened, fails its integrity check or cannot be migrated.
    """
    url = normalise_url(url)
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            return engine
        try:
            engine = _open(url)
        except StorageError:
            raise
        except (exc.SQLAlchemyError, OSError) as error:
            raise StorageError(f"cannot open database {redact(url)}: {error}") from error
        _ENGINES[url] = engine
    if backup and engine.dialect.name == "sqlite":
        from turingview.storage.backup import maybe_backup

        maybe_backup(engine)
    return engine


def _open(url: str) -> Engine:
    from turingview.storage import migrate

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise StorageError("an in-memory SQLite database cannot hold a study: give a file path")
        engine = sqlite_engine(Path(parsed.database))
        quick_check(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    migrate.upgrade(engine)
    return engine


def dispose_engines() -> None:
    """Close every cached engine (tests, and before a reader package is moved)."""
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error.

    Database failures surface as :class:`StorageError`; ``write=True`` takes SQLite's write lock up front.
    """
    engine = get_engine(url)
    yield from _scope(engine, write)


@contextmanager
def engine_session(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """Like :func:`session_scope` for an explicit engine (reader packages)."""
    yield from _scope(engine, write)


def _scope(engine: Engine, write: bool) -> Iterator[Session]:
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if write else engine
    session = Session(bind=bind, expire_on_commit=False, autoflush=False)
    try:
        yield session
        session.commit()
    except exc.IntegrityError:
        session.rollback()
        raise
    except exc.SQLAlchemyError as error:
        session.rollback()
        raise StorageError(f"database error on {redact(str(engine.url))}: {error.__class__.__name__}: "
                           f"{getattr(error, 'orig', error)}") from error
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
