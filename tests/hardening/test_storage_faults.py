"""Disk full or database read-only during a reading session: the reader is told (StorageError, a clear
message, the session back in SHOWING with nothing acknowledged), every rating acknowledged before the fault is
still there, and the session carries on once the fault is cleared.

Simulation, portable and root-proof (chmod does not stop root): new connections of the session's own engine
get ``PRAGMA max_page_count = <current size>`` (SQLite: the file cannot grow: SQLITE_FULL) or
``PRAGMA query_only = ON`` (SQLite: SQLITE_READONLY); on PostgreSQL the database is switched to
``default_transaction_read_only``. The pool is recycled so the next write meets the fault, as it would after
the disk filled or an administrator remounted the volume read-only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from turingview.core.errors import StorageError
from turingview.core.review_session import ReviewSession, SessionState

from .conftest import SAMPLE_MANIFEST, make_sample_study


@contextmanager
def sqlite_pragma_fault(engine: Any, pragma: Callable[[Any], str]):  # type: ignore[no-untyped-def]
    """Every new connection of ``engine`` runs ``pragma(dbapi_conn)`` until the block ends."""

    def on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        cursor.execute(pragma(dbapi_conn))
        cursor.close()

    event.listen(engine, "connect", on_connect)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", on_connect)
        engine.dispose()


def _disk_full(dbapi_conn) -> str:  # type: ignore[no-untyped-def]
    pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
    return f"PRAGMA max_page_count = {pages}"


@contextmanager
def postgres_read_only(url: str, engine: Any):  # type: ignore[no-untyped-def]
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    engine.dispose()
    try:
        yield
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SET default_transaction_read_only = off")
            conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')
        engine.dispose()


class Driver:
    """Drives a ReviewSession like the workstation: paint, rate, collect acknowledgements and errors."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.session = ReviewSession(source)
        self.acked: list[Any] = []
        self.errors: list[tuple[Exception, bool]] = []
        self.session.rating_recorded.connect(lambda recorded, _fb: self.acked.append(recorded))
        self.session.error.connect(lambda error, acknowledged: self.errors.append((error, acknowledged)))
        self.session.start()

    def step(self, score: int = 3) -> bool:
        """Rate the current case; True when the rating was acknowledged."""
        if self.session.state is SessionState.FEEDBACK:
            self.session.acknowledge_feedback()
        self.session.mark_shown()
        before = len(self.acked)
        self.submitted = self.session.rate(score)
        return len(self.acked) == before + 1


def _run_fault(source: Any, fault, words: tuple[str, ...], *, attempts: int = 400) -> Driver:  # type: ignore[no-untyped-def]
    driver = Driver(source)
    for _ in range(5):
        assert driver.step()
    acked_before = [r.rating_id for r in driver.acked]
    with fault():
        failed_at = None
        for i in range(attempts):  # a page may still have room for a few rows: go until the write fails
            if not driver.step():
                failed_at = i
                break
        assert failed_at is not None, "the fault never reached the rating write"
        error, acknowledged = driver.errors[-1]
        assert isinstance(error, StorageError), repr(error)
        assert not acknowledged
        message = str(error).lower()
        assert any(w in message for w in words), f"unclear message: {error}"
        failed = driver.submitted
        assert failed is not None
        # The reader is back on the unsaved case (repainted or still showing), free to answer again.
        assert driver.session.state in (SessionState.SHOWING, SessionState.LOADING), driver.session.state
        retry = driver.session.current
        assert retry is not None and retry.position == failed.position, "the unsaved case was skipped"
        assert not driver.step(), "a write succeeded during the fault"
        assert driver.session.current == retry
    # Fault cleared: the same case is answered and the session carries on.
    assert driver.step()
    assert driver.acked[-1].position == retry.position
    for _ in range(3):
        assert driver.step()
    stored = {r.rating_id for r in source.recorded_ratings()}
    assert set(acked_before) <= stored, "a rating acknowledged before the fault was lost"
    assert {r.rating_id for r in driver.acked} == stored, "stored ratings differ from the acknowledged ones"
    return driver


@pytest.fixture
def study_db(db_url: str) -> tuple[str, str]:
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    return db_url, make_sample_study(db_url, readers=("r1",))


def test_disk_full_during_session_sqlite(sqlite_url: str) -> None:
    from turingview.storage import get_engine
    from turingview.study import open_reading_source

    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    make_sample_study(sqlite_url, readers=("r1",))
    source = open_reading_source(sqlite_url, "S", "r1")
    engine = get_engine(sqlite_url)
    _run_fault(source, lambda: sqlite_pragma_fault(engine, _disk_full), ("full", "disk", "space"))
    source.close()


def test_read_only_during_session(study_db: tuple[str, str]) -> None:
    from turingview.storage import get_engine
    from turingview.study import open_reading_source

    url, name = study_db
    source = open_reading_source(url, name, "r1")
    engine = get_engine(url)
    if engine.dialect.name == "sqlite":
        fault = lambda: sqlite_pragma_fault(engine, lambda _c: "PRAGMA query_only = ON")  # noqa: E731
    else:
        fault = lambda: postgres_read_only(url, engine)  # noqa: E731
    _run_fault(source, fault, ("read-only", "readonly", "read only"))
    source.close()


def test_disk_full_during_session_reader_package(sqlite_url: str, tmp_path: Path) -> None:
    """The air-gapped workstation writes into its package file: same guarantees."""
    from turingview.study import export_reader_package, open_reader_package

    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    make_sample_study(sqlite_url, readers=("r1",))
    path = export_reader_package(sqlite_url, "S", "r1", tmp_path / "r1.tvpkg")
    source = open_reader_package(path)
    engine = source._package.engine  # the package's own engine (no public handle)
    _run_fault(source, lambda: sqlite_pragma_fault(engine, _disk_full), ("full", "disk", "space"))
    source.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_file_fresh_open(sqlite_url: str, tmp_path: Path) -> None:
    """A database file made read-only (chmod 0444, as a non-root user) refuses writes with StorageError."""
    from turingview.storage import dispose_engines
    from turingview.study import open_reading_source

    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    make_sample_study(sqlite_url, readers=("r1",))
    dispose_engines()
    db = Path(sqlite_url.removeprefix("sqlite:///"))
    for file in db.parent.glob(db.name + "*"):
        file.chmod(0o444)
    try:
        with pytest.raises(StorageError):
            source = open_reading_source(sqlite_url, "S", "r1")
            Driver(source).step()
            raise AssertionError("unreachable: the write should have failed")
    finally:
        for file in db.parent.glob(db.name + "*"):
            file.chmod(0o644)
    shutil.rmtree(tmp_path, ignore_errors=True)
