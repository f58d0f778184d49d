"""Backups restore: the database is deleted, the newest backup is put back, the study opens, its ratings are
those of the backup time and its audit chain verifies; a backup taken while a reader writes is consistent; a
restored file that was tampered with fails the chain check (the check is not vacuous)."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from turingview.core.domain import RatingInput

from .conftest import SAMPLE_MANIFEST, make_sample_study


def _rate(url: str, n: int, *, start: int = 0) -> int:
    from turingview.study import open_reading_source

    source = open_reading_source(url, "S", "r1")
    try:
        order = [c for c in source.order() if not c.is_training]
        base = datetime(2026, 4, 1, 9, tzinfo=UTC)
        for case in order[start : start + n]:
            shown = base + timedelta(seconds=30 * case.position)
            source.record_rating(
                RatingInput(
                    position=case.position,
                    blinded_id=case.blinded_id,
                    score=4,
                    shown_at=shown,
                    answered_at=shown + timedelta(seconds=3),
                    elapsed_ms=3000,
                )
            )
        return len(source.recorded_ratings())
    finally:
        source.close()


def _delete_database(db: Path) -> None:
    from turingview.storage import dispose_engines

    dispose_engines()
    for file in db.parent.glob(db.name + "*"):
        file.unlink()
    assert not db.exists()


def _restore_latest(db: Path, folder: Path) -> Path:
    """Restore the newest backup of ``db`` (storage has no restore API: the backup is a plain SQLite file)."""
    newest = max(folder.glob(f"{db.stem}-*.db"), key=lambda p: p.name)  # names carry a sortable UTC stamp
    shutil.copy2(newest, db)
    return newest


@pytest.fixture
def study_file(sqlite_url: str) -> tuple[str, Path]:
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    make_sample_study(sqlite_url, readers=("r1",))
    return sqlite_url, Path(sqlite_url.removeprefix("sqlite:///"))


def test_opening_schedules_a_backup(study_file: tuple[str, Path]) -> None:
    from turingview.storage.backup import backup_dir

    _, db = study_file
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(backup_dir().glob(f"{db.stem}-*.db")):
        time.sleep(0.1)
    assert list(backup_dir().glob(f"{db.stem}-*.db")), "no automatic backup after opening the database"


def test_delete_and_restore_latest_backup(study_file: tuple[str, Path]) -> None:
    from turingview.storage.backup import backup_dir, backup_now
    from turingview.study import ratings_records, verify_audit_chain

    url, db = study_file
    assert _rate(url, 10) == 10
    head_at_backup = verify_audit_chain(url, "S")
    assert head_at_backup.ok
    backup = backup_now(db, now=datetime.now(UTC) + timedelta(hours=1))  # newer than the automatic one
    _rate(url, 5, start=10)  # after the backup: these are lost with the disk
    _delete_database(db)

    restored = _restore_latest(db, backup_dir())
    assert restored == backup
    verification = verify_audit_chain(url, "S")
    assert verification.ok, verification
    assert verification.head_hash == head_at_backup.head_hash
    assert verification.event_count == head_at_backup.event_count
    assert len(ratings_records(url, "S")) == 10
    assert _rate(url, 5, start=10) == 15, "the restored database does not take new ratings"
    assert verify_audit_chain(url, "S").ok


def test_backup_during_writes_is_consistent(study_file: tuple[str, Path]) -> None:
    """A backup taken while a reader writes restores to a database that passes integrity and chain checks."""
    from turingview.storage.backup import backup_dir, backup_now
    from turingview.study import ratings_records, verify_audit_chain

    url, db = study_file
    writer = threading.Thread(target=_rate, args=(url, 28))
    writer.start()
    time.sleep(0.3)
    backup_now(db, now=datetime.now(UTC) + timedelta(hours=2))
    writer.join(timeout=120)
    _delete_database(db)
    _restore_latest(db, backup_dir())
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    verification = verify_audit_chain(url, "S")
    assert verification.ok, verification
    n = len(ratings_records(url, "S"))
    assert 0 <= n <= 28
    assert verification.event_count >= n


def test_tampered_restore_fails_the_chain(study_file: tuple[str, Path]) -> None:
    from turingview.storage import dispose_engines
    from turingview.storage.backup import backup_dir, backup_now
    from turingview.study import verify_audit_chain

    url, db = study_file
    _rate(url, 6)
    backup_now(db, now=datetime.now(UTC) + timedelta(hours=3))
    _delete_database(db)
    _restore_latest(db, backup_dir())
    with sqlite3.connect(db) as conn:  # someone with the file: drops the append-only triggers, edits a score
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rating'")
        for (name,) in triggers.fetchall():
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE rating SET score = 1 WHERE id = (SELECT min(id) FROM rating)")
    dispose_engines()
    verification = verify_audit_chain(url, "S")
    assert not verification.ok, "a changed rating went unnoticed"
