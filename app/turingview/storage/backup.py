"""Rolling backups of the embedded SQLite database, taken off the caller's thread and thinned over time.

A backup is a consistent online copy made with SQLite's backup API (readers and writers carry on), written
to a temporary name and renamed into ``<data dir>/backups/<db>-YYYYmmddTHHMMSSZ.db``, so a crash never
leaves a half backup under a real name. :func:`thin` keeps the newest few, one a day for a week, one a week
for a month and one a month for a year (the scheme Anki uses for collections).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from turingview.core.paths import data_dir

MIN_INTERVAL = timedelta(minutes=30)
KEEP_RECENT = 8
_STAMP = "%Y%m%dT%H%M%SZ"


def backup_dir() -> Path:
    path = data_dir() / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def backups_of(db_path: Path, folder: Path) -> list[tuple[Path, datetime]]:
    """``(file, taken_at)`` of each backup of ``db_path`` in ``folder``, oldest first.

    Only ``<stem>-<stamp>.db`` with exactly this database's stem counts: ``tv-b-<stamp>.db`` belongs to
    ``tv-b.db``, not to ``tv.db`` (whose thinning must never delete it).
    """
    found = []
    for file in folder.glob(f"{db_path.stem}-*.db"):
        stem, _, stamp_text = file.stem.rpartition("-")
        if stem != db_path.stem:
            continue
        try:
            stamp = datetime.strptime(stamp_text, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        found.append((file, stamp))
    return sorted(found, key=lambda item: item[1])


_backups_of = backups_of  # the former private name


def thin(stamps: Sequence[datetime], now: datetime) -> set[datetime]:
    """Which backups to delete: keep the newest :data:`KEEP_RECENT`, then the newest one per day for 7 days,
    per ISO week for 4 weeks and per month for 12 months; anything older goes.

    >>> from datetime import datetime, timedelta, UTC
    >>> now = datetime(2026, 1, 31, tzinfo=UTC)
    >>> old = [now - timedelta(hours=h) for h in range(0, 24 * 400, 6)]
    >>> kept = set(old) - thin(old, now)
    >>> 20 < len(kept) < 35
    True
    """
    ordered = sorted(stamps, reverse=True)
    keep: set[datetime] = set(ordered[:KEEP_RECENT])
    seen: set[tuple[str, object]] = set()
    for stamp in ordered:
        age = now - stamp
        if age <= timedelta(days=7):
            key: tuple[str, object] = ("day", stamp.date())
        elif age <= timedelta(days=35):
            key = ("week", stamp.isocalendar()[:2])
        elif age <= timedelta(days=366):
            key = ("month", (stamp.year, stamp.month))
        else:
            continue
        if key not in seen:
            seen.add(key)
            keep.add(stamp)
    return set(ordered) - keep


def copy_database(source: sqlite3.Connection, target: Path) -> None:
    """Copy the open ``source`` database into ``target`` with SQLite's online backup API (a consistent
    snapshot even while others write), then close both connections."""
    try:
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def backup_now(db_path: Path, *, folder: Path | None = None, now: datetime | None = None) -> Path:
    """Copy the database consistently into the backup folder, then thin old backups. Returns the new file."""
    folder = folder or backup_dir()
    now = now or datetime.now(UTC)
    target = folder / f"{db_path.stem}-{now.strftime(_STAMP)}.db"
    partial = target.with_suffix(".partial")
    copy_database(sqlite3.connect(str(db_path), timeout=30), partial)
    partial.replace(target)
    existing = _backups_of(db_path, folder)
    doomed = thin([stamp for _, stamp in existing], now)
    for file, stamp in existing:
        if stamp in doomed and file != target:
            file.unlink(missing_ok=True)
    return target


_last_check: dict[str, float] = {}


def maybe_backup(engine: Engine) -> None:
    """Cheap hook for long sessions (called after each rating): at most every :data:`MIN_INTERVAL`, schedule a
    background backup of a SQLite database. Costs one clock read otherwise."""
    import time

    if engine.dialect.name != "sqlite":
        return
    key = str(engine.url)
    now = time.monotonic()
    if now - _last_check.get(key, now - MIN_INTERVAL.total_seconds() - 1) < MIN_INTERVAL.total_seconds():
        return
    _last_check[key] = now
    schedule_backup(engine)


def schedule_backup(engine: Engine, *, folder: Path | None = None) -> threading.Thread | None:
    """Start a background backup of a SQLite engine's file if the newest one is older than 30 minutes.

    Returns the thread (callers may ``join`` it) or ``None`` when no backup was due.
    """
    database = engine.url.database
    if not database:
        return None
    db_path = Path(database)
    if not db_path.exists():
        return None
    folder = folder or backup_dir()
    existing = _backups_of(db_path, folder)
    if existing and datetime.now(UTC) - existing[-1][1] < MIN_INTERVAL:
        return None

    def _run() -> None:
        with contextlib.suppress(OSError, sqlite3.Error):  # a failed backup must never disturb a session
            backup_now(db_path, folder=folder)

    thread = threading.Thread(target=_run, name="turingview-backup", daemon=True)
    thread.start()
    return thread
