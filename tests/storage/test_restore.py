"""Restoring SQLite backups: a real study with ratings is backed up, damaged or deleted and restored through
:func:`turingview.storage.restore.restore_backup` and ``turingview backup``; bad backups are refused before the
live database is touched."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tv_study_data import StudyFiles

from turingview.core.domain import RatingInput
from turingview.core.errors import IntegrityError, NotFoundError, StorageError
from turingview.storage import dispose_engines, store_scope
from turingview.storage.backup import backup_dir, backup_now
from turingview.storage.restore import RESTORED_EVENT, list_backups, restore_backup

SIDECARS = ("-wal", "-shm", "-journal")


@pytest.fixture
def study_db(sqlite_url: str, storage_files: StudyFiles) -> tuple[str, Path]:
    """(url, file) of an open SQLite study 'S' with readers r1, r2 and no ratings."""
    from turingview.study import create_study, set_study_status

    create_study(sqlite_url, "S", manifest=storage_files.manifest, readers=("r1", "r2"), seed=3)
    set_study_status(sqlite_url, "S", "open", reason="test fixture with synthetic data")
    return sqlite_url, Path(sqlite_url.removeprefix("sqlite:///"))


def _rate(url: str, n: int, *, start: int = 0, reader: str = "r1") -> int:
    from turingview.study import open_reading_source

    source = open_reading_source(url, "S", reader)
    try:
        cases = [c for c in source.order() if not c.is_training][start : start + n]
        base = datetime(2026, 4, 1, 9, tzinfo=UTC)
        for case in cases:
            shown = base + timedelta(seconds=30 * case.position)
            source.record_rating(RatingInput(position=case.position, blinded_id=case.blinded_id,
                                             score=2 + case.position % 3, shown_at=shown,
                                             answered_at=shown + timedelta(seconds=2), elapsed_ms=2000))
        return len(source.recorded_ratings())
    finally:
        source.close()


def _backup(db: Path, hours: int = 1) -> Path:
    """A backup through the existing API, stamped later than any automatic one."""
    return backup_now(db, folder=backup_dir(), now=datetime.now(UTC) + timedelta(hours=hours))


def _delete(db: Path) -> None:
    dispose_engines()
    for suffix in ("", *SIDECARS):
        Path(str(db) + suffix).unlink(missing_ok=True)


def _fingerprint(db: Path) -> dict[str, str]:
    """SHA-256 of the live database and whichever side files exist."""
    dispose_engines()
    return {suffix: hashlib.sha256(Path(str(db) + suffix).read_bytes()).hexdigest()
            for suffix in ("", *SIDECARS) if Path(str(db) + suffix).exists()}


def _restored_events(url: str) -> list[dict]:
    with store_scope(url) as store:
        return [json.loads(e.body)["payload"] for e in store.events(store.study("S"), RESTORED_EVENT)]


def _corrupt(path: Path) -> None:
    """Flip the b-tree page-type byte of every page after the first."""
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for offset in range(page, len(data), page):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def test_deleted_database_comes_back_from_the_backup(study_db: tuple[str, Path]) -> None:
    from turingview.study import ratings_records, verify_audit_chain

    url, db = study_db
    assert _rate(url, 4) == 4
    at_backup = verify_audit_chain(url, "S")
    backup = _backup(db)
    _rate(url, 3, start=4)  # lost with the disk
    _delete(db)

    result = restore_backup(url)
    assert result.backup.path == backup and result.backup.ok
    assert result.moved_aside == () and result.skipped == ()
    assert [v.ok for v in result.studies] == [True]
    assert len(ratings_records(url, "S")) == 4
    verification = verify_audit_chain(url, "S")
    assert verification.ok, verification
    assert verification.event_count == at_backup.event_count + 1
    (event,) = _restored_events(url)
    assert event["backup"] == backup.name and event["previous_database"] is None
    assert event["events_in_backup"] == at_backup.event_count and event["head_in_backup"] == at_backup.head_hash
    assert event["backup_sha256"] == hashlib.sha256(backup.read_bytes()).hexdigest()
    assert _rate(url, 3, start=4) == 7, "the restored database does not take new ratings"
    assert verify_audit_chain(url, "S").ok
    assert not list(db.parent.glob("*.restoring*"))


def test_live_database_is_moved_aside_not_deleted(study_db: tuple[str, Path]) -> None:
    from turingview.study import ratings_records, verify_audit_chain

    url, db = study_db
    _rate(url, 2)
    _backup(db)
    _rate(url, 3, start=2, reader="r2")
    assert Path(str(db) + "-wal").exists()  # the live database is in WAL mode with an open engine

    result = restore_backup(url)
    (aside,) = result.moved_aside
    assert aside.name.startswith(db.name + ".") and aside.name.endswith(".pre-restore")
    for suffix in SIDECARS:
        assert not Path(str(db) + suffix).exists(), f"the old database's {suffix} file is next to the restored one"
    with sqlite3.connect(aside) as conn:
        assert conn.execute("SELECT count(*) FROM rating").fetchone()[0] == 5
    assert len(ratings_records(url, "S")) == 2
    assert verify_audit_chain(url, "S").ok
    assert _restored_events(url)[0]["previous_database"] == aside.name


def test_corrupt_backup_is_refused_and_the_live_database_untouched(study_db: tuple[str, Path]) -> None:
    url, db = study_db
    _rate(url, 3)
    good = _backup(db, hours=1)
    bad = _backup(db, hours=2)
    _corrupt(bad)
    before = _fingerprint(db)

    with pytest.raises(IntegrityError, match=rf"{bad.name}: fails PRAGMA integrity_check"):
        restore_backup(url, bad)
    assert _fingerprint(db) == before
    assert not list(db.parent.glob("*.pre-restore*")) and not list(db.parent.glob("*.restoring*"))

    listed = {info.path: info for info in list_backups(url)}
    assert listed[bad].ok is False and listed[bad].problem
    assert listed[good].ok is True and listed[good].size == good.stat().st_size
    assert list(listed)[:2] == [bad, good]  # newest first

    result = restore_backup(url)  # automatic choice: passes over the damaged newest one
    assert result.backup.path == good
    assert [s.path for s in result.skipped] == [bad] and "integrity_check" in result.skipped[0].problem


def test_backup_with_a_tampered_audit_chain_is_refused(study_db: tuple[str, Path]) -> None:
    url, db = study_db
    _rate(url, 3)
    tampered = _backup(db)
    conn = sqlite3.connect(tampered, isolation_level=None)  # someone with the file drops the append-only triggers
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'rating'")\
            .fetchall():
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute("UPDATE rating SET score = 5 - score WHERE id = (SELECT min(id) FROM rating)")  # and edits a score
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"  # only the chain can tell
    assert Path(str(tampered) + "-wal").exists()  # still open: the edit sits in the backup's -wal, which counts
    before = _fingerprint(db)

    with pytest.raises(IntegrityError, match=r"audit chain does not verify.*modified after it was recorded"):
        restore_backup(url, tampered)
    assert _fingerprint(db) == before
    assert not list(db.parent.glob("*.restoring*"))
    conn.close()  # now folded into the file itself
    assert not Path(str(tampered) + "-wal").exists()
    with pytest.raises(IntegrityError, match=r"audit chain does not verify.*modified after it was recorded"):
        restore_backup(url, tampered)
    assert _fingerprint(db) == before


def test_missing_backup_and_postgresql_are_refused(study_db: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = study_db
    with pytest.raises(NotFoundError, match=r"nowhere\.db: no such backup file"):
        restore_backup(url, tmp_path / "nowhere.db")
    with pytest.raises(NotFoundError, match="no backups of"):
        restore_backup(url, folder=tmp_path)
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(IntegrityError, match=r"other\.db: not a TuringView database"):
        restore_backup(url, foreign)
    pg = "postgresql://tv:secret@db.example.org/turingview"
    for call in (lambda: restore_backup(pg), lambda: list_backups(pg)):
        with pytest.raises(StorageError, match="pg_dump / pg_restore") as caught:
            call()
        assert "secret" not in str(caught.value)


def _cli(*args: str, stdin: int | None = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "turingview", "backup", *args], stdin=stdin, capture_output=True,
                          text=True, timeout=120, env=os.environ.copy())


def test_command_line_lists_and_restores(study_db: tuple[str, Path]) -> None:
    url, db = study_db
    _rate(url, 2)
    backup = _backup(db)
    _rate(url, 2, start=2)
    dispose_engines()

    listed = _cli("list", "--db", url, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert rows[0]["path"] == str(backup) and rows[0]["ok"] is True and rows[0]["size"] > 0
    assert datetime.fromisoformat(rows[0]["taken_at"]).tzinfo is not None

    refused = _cli("restore", "--db", url)
    assert refused.returncode != 0
    assert len(refused.stderr.strip().splitlines()) == 1 and "--yes" in refused.stderr
    assert not list(db.parent.glob("*.pre-restore"))

    done = _cli("restore", "--db", url, "--from", str(backup), "--yes")
    assert done.returncode == 0, done.stderr
    assert f"restored {db} from {backup}" in done.stdout and "OK: study 'S'" in done.stdout
    assert len(list(db.parent.glob("*.pre-restore"))) == 1
    from turingview.study import ratings_records

    assert len(ratings_records(url, "S")) == 2

    pg = _cli("list", "--db", "postgresql://tv@localhost/tv")
    assert pg.returncode != 0 and "pg_dump" in pg.stderr and len(pg.stderr.strip().splitlines()) == 1


def test_a_database_being_written_elsewhere_is_not_moved(study_db: tuple[str, Path],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import turingview.storage.restore as restore_module

    url, db = study_db
    _rate(url, 2)
    _backup(db)
    monkeypatch.setattr(restore_module, "LOCK_TIMEOUT_S", 0.2)
    dispose_engines()
    writer = sqlite3.connect(db, isolation_level=None)  # another program mid-transaction
    writer.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="in use by another program"):
            restore_backup(url)
        assert db.exists() and not list(db.parent.glob("*.pre-restore*"))
        assert not list(db.parent.glob("*.restoring*"))
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert restore_backup(url).moved_aside


def test_backups_belong_to_exactly_one_database(tmp_path: Path) -> None:
    """``tv-b.db``'s backups are not ``tv.db``'s: not listed for it, never thinned by its backups."""
    folder = tmp_path / "backups"
    folder.mkdir()
    a, b = tmp_path / "tv.db", tmp_path / "tv-b.db"
    for path in (a, b):
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE t (x)")
        conn.close()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    own = backup_now(b, folder=folder, now=start)
    for k in range(12):  # enough of tv.db's backups that thinning runs
        backup_now(a, folder=folder, now=start + timedelta(minutes=k + 1))
    assert own.exists()
    assert [i.path for i in list_backups(f"sqlite:///{b}", folder=folder)] == [own]
    assert own not in [i.path for i in list_backups(f"sqlite:///{a}", folder=folder)]


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_command_line_asks_on_a_terminal(study_db: tuple[str, Path]) -> None:
    import pty

    url, db = study_db
    _rate(url, 1)
    _backup(db)
    dispose_engines()
    for answer, restored in (("n\n", False), ("y\n", True)):
        master, slave = pty.openpty()
        try:
            os.write(master, answer.encode())
            run = _cli("restore", "--db", url, stdin=slave)
        finally:
            os.close(slave)
            os.close(master)
        assert "Replace" in run.stdout and "pre-restore" in run.stdout
        assert (run.returncode == 0) is restored, run.stderr
        assert bool(list(db.parent.glob("*.pre-restore"))) is restored
