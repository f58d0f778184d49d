"""Rolling backups: consistent copies taken on another thread, thinned over time."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from turingview.storage import dispose_engines, get_engine
from turingview.storage.backup import KEEP_RECENT, backup_now, schedule_backup, thin


def test_thin_keeps_recent_daily_weekly_monthly() -> None:
    now = datetime(2026, 6, 30, 12, tzinfo=UTC)
    stamps = [now - timedelta(hours=3 * k) for k in range(8 * 500)]  # every 3 h for 500 days
    doomed = thin(stamps, now)
    kept = sorted(set(stamps) - doomed, reverse=True)
    assert kept[:KEEP_RECENT] == sorted(stamps, reverse=True)[:KEEP_RECENT]
    assert all(now - k <= timedelta(days=366) for k in kept)
    days = {k.date() for k in kept if now - k <= timedelta(days=7)}
    assert len(days) >= 7
    months = {(k.year, k.month) for k in kept if now - k > timedelta(days=35)}
    assert len(months) >= 10
    assert len(kept) < 45
    assert thin([], now) == set()
    assert thin(stamps[:3], now) == set()


def test_backup_is_a_consistent_copy(sqlite_url: str, tmp_path: Path) -> None:
    engine = get_engine(sqlite_url, backup=False)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO reader (code, created_at) VALUES ('x', '2026-01-01 00:00:00')")
    folder = tmp_path / "backups"
    folder.mkdir()
    copy = backup_now(Path(engine.url.database), folder=folder)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT code FROM reader").fetchall() == [("x",)]
    assert not list(folder.glob("*.partial"))


def test_backup_runs_off_the_callers_thread_and_respects_the_interval(sqlite_url: str, tmp_path: Path) -> None:
    engine = get_engine(sqlite_url, backup=False)
    folder = tmp_path / "b"
    folder.mkdir()
    seen: list[str] = []
    original = backup_now

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return original(*args, **kwargs)

    import turingview.storage.backup as backup_module

    backup_module.backup_now = spy  # type: ignore[assignment]
    try:
        thread = schedule_backup(engine, folder=folder)
        assert thread is not None
        thread.join(timeout=30)
        assert seen == ["turingview-backup"] and threading.current_thread().name != seen[0]
        assert len(list(folder.glob("*.db"))) == 1
        assert schedule_backup(engine, folder=folder) is None  # the last one is recent
    finally:
        backup_module.backup_now = original  # type: ignore[assignment]


def test_opening_the_default_database_schedules_a_backup(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TURINGVIEW_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite:///{tmp_path / 'data' / 'tv.db'}"
    get_engine(url)  # creates the file: nothing to back up before
    dispose_engines()
    get_engine(url)
    for thread in threading.enumerate():
        if thread.name == "turingview-backup":
            thread.join(timeout=30)
    assert list((tmp_path / "data" / "backups").glob("tv-*.db"))


def test_long_sessions_keep_backing_up_but_at_most_every_interval(sqlite_url: str, monkeypatch) -> None:
    import turingview.storage.backup as backup_module

    engine = get_engine(sqlite_url, backup=False)
    calls: list[str] = []
    monkeypatch.setattr(backup_module, "schedule_backup", lambda e, **kw: calls.append(str(e.url)))
    clock = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: clock[0])
    backup_module._last_check.pop(str(engine.url), None)
    backup_module.maybe_backup(engine)
    backup_module.maybe_backup(engine)
    assert len(calls) == 1
    clock[0] += backup_module.MIN_INTERVAL.total_seconds() + 1
    backup_module.maybe_backup(engine)
    assert len(calls) == 2
