"""Listing and restoring the rolling backups of the embedded SQLite database.

:func:`restore_backup` never touches the live database before the backup has proved sound:

1. the backup passes ``PRAGMA integrity_check`` (opened read-only and ``immutable``, so checking it writes
   nothing next to it);
2. it is copied with SQLite's online backup API into ``<db>.restoring`` beside the live file, brought to the
   current schema, and every study's audit chain (links, stored head, rating digests, case-table digest) is
   verified on that copy; a ``backup_restored`` event is then appended to each study's chain in the copy;
3. only then is the live database (with its ``-wal``, ``-shm`` and ``-journal`` files) moved aside to
   ``<db>.<stamp>.pre-restore`` (never deleted), and the copy renamed over it atomically.

A failure at steps 1-2 leaves the live database as it was; a failure at step 3 moves it back. PostgreSQL
databases are restored with ``pg_dump`` / ``pg_restore`` instead (docs/install.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from turingview.core.errors import IntegrityError, NotFoundError, StorageError
from turingview.storage import audit, migrate
from turingview.storage.backup import _STAMP, backup_dir, backups_of, copy_database
from turingview.storage.engine import dispose_engines, engine_session, normalise_url, redact, sqlite_engine
from turingview.storage.models import AuditEvent, Study
from turingview.storage.repository import StudyStore

RESTORED_EVENT = "backup_restored"
_SIDECARS = ("-wal", "-shm", "-journal")
LOCK_TIMEOUT_S = 5.0  # how long to wait for another program's write transaction before refusing


@dataclass(frozen=True)
class BackupInfo:
    """One backup file: ``ok`` is the verdict of ``PRAGMA integrity_check`` (``None`` when not checked) and
    ``problem`` says what is wrong when it is not ``True``."""

    path: Path
    taken_at: datetime | None
    size: int
    ok: bool | None
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "taken_at": self.taken_at.isoformat() if self.taken_at else None,
                "size": self.size, "ok": self.ok, "problem": self.problem}


@dataclass(frozen=True)
class RestoreResult:
    """What :func:`restore_backup` did.

    ``moved_aside`` lists the previous database files under their ``*.pre-restore`` names (empty when there
    was no database); ``studies`` holds each study's chain verification after the ``backup_restored`` event;
    ``skipped`` lists newer backups passed over (only when the backup was chosen automatically).
    """

    database: Path
    backup: BackupInfo
    moved_aside: tuple[Path, ...]
    studies: tuple[audit.AuditVerification, ...]
    skipped: tuple[BackupInfo, ...] = field(default=())


def sqlite_path(db_url: str | None) -> Path:
    """The file behind a SQLite URL; :class:`StorageError` for any other database or an in-memory one."""
    url = normalise_url(db_url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise StorageError(f"{redact(url)} is a {parsed.get_backend_name()} database: TuringView's backups and "
                           "restore cover the embedded SQLite database only; back up and restore a PostgreSQL "
                           "server with pg_dump / pg_restore (docs/install.md)")
    if not parsed.database or parsed.database == ":memory:":
        raise StorageError(f"{redact(url)} is an in-memory SQLite database: it has no backups")
    return Path(parsed.database)


def integrity_problem(path: Path) -> str:
    """Run ``PRAGMA integrity_check`` on a database file without writing anything; ``""`` when it is sound."""
    try:
        conn = sqlite3.connect(_readonly_uri(path), uri=True)
    except sqlite3.Error as error:
        return f"cannot be opened: {error}"
    try:
        rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.Error as error:
        return str(error)
    finally:
        conn.close()
    return "" if rows == ["ok"] else "; ".join(rows[:5])


def _readonly_uri(path: Path) -> str:
    """Read-only URI of ``path``: ``immutable`` (no -shm or -wal created beside a backup) unless a ``-wal``
    already lies beside it, whose committed content then counts too."""
    wal = Path(str(path) + "-wal").exists()
    return f"{path.resolve().as_uri()}?mode=ro" + ("" if wal else "&immutable=1")


def _info(path: Path, taken_at: datetime | None, check: bool) -> BackupInfo:
    problem = integrity_problem(path) if check else ""
    return BackupInfo(path, taken_at, path.stat().st_size, (not problem) if check else None, problem)


def list_backups(db_url: str | None, *, folder: Path | None = None, check: bool = True) -> list[BackupInfo]:
    """The rolling backups of the SQLite database at ``db_url``, newest first.

    ``check=False`` skips the integrity check (which reads every page of every backup).

    Raises
    ------
    StorageError
        ``db_url`` is not a SQLite file (PostgreSQL: use pg_dump / pg_restore).
    """
    db = sqlite_path(db_url)
    found = backups_of(db, folder or backup_dir())
    return [_info(path, stamp, check) for path, stamp in reversed(found)]


def restore_backup(db_url: str | None, backup: Path | None = None, *, folder: Path | None = None) -> RestoreResult:
    """Replace the SQLite database at ``db_url`` by a verified backup (the newest good one when ``backup`` is
    ``None``); the current database is kept as ``<db>.<stamp>.pre-restore``. Close TuringView elsewhere first.

    Raises
    ------
    StorageError
        ``db_url`` is not a SQLite file, the database is in use by another program, or a file cannot be moved.
    NotFoundError
        ``backup`` does not exist, or there is no backup at all.
    IntegrityError
        The backup (or, automatically chosen, every backup) fails the integrity check or an audit chain.
    """
    db = sqlite_path(db_url)
    now = datetime.now(UTC)
    if backup is not None:
        backup = Path(backup)
        if not backup.is_file():
            raise NotFoundError(f"{backup}: no such backup file")
        if db.exists() and backup.resolve() == db.resolve():
            raise StorageError(f"{backup} is the live database itself, not a backup of it")
        candidates = [_info(backup, _stamp_of(backup), check=False)]
    else:
        where = folder or backup_dir()
        candidates = [_info(p, s, check=False) for p, s in reversed(backups_of(db, where))]
        if not candidates:
            raise NotFoundError(f"no backups of {db} in {where}")
    aside = _aside_name(db, now)
    skipped: list[BackupInfo] = []
    for info in candidates:
        try:
            staged, verified = _stage(db, info, aside if db.exists() else None)
        except IntegrityError as error:
            if backup is not None:
                raise
            skipped.append(replace(info, ok=False, problem=str(error)))
            continue
        moved = _swap(db, staged, aside)
        return RestoreResult(db, replace(info, ok=True), moved, verified, tuple(skipped))
    reasons = "; ".join(s.problem for s in skipped)
    raise IntegrityError(f"no good backup of {db}: every backup was refused: {reasons}")


def _stamp_of(path: Path) -> datetime | None:
    with contextlib.suppress(IndexError, ValueError):
        return datetime.strptime(path.stem.rsplit("-", 1)[1], _STAMP).replace(tzinfo=UTC)
    return None


def _aside_name(db: Path, now: datetime) -> Path:
    base = db.with_name(f"{db.name}.{now.strftime(_STAMP)}.pre-restore")
    candidate, n = base, 1
    while any(Path(str(candidate) + s).exists() for s in ("", *_SIDECARS)):
        n += 1
        candidate = base.with_name(f"{base.name}.{n}")
    return candidate


def _remove(path: Path) -> None:
    for suffix in ("", *_SIDECARS):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _stage(db: Path, info: BackupInfo, aside: Path | None) -> tuple[Path, tuple[audit.AuditVerification, ...]]:
    """Copy ``info.path`` to ``<db>.restoring``, verify it and append the restore events; returns the copy."""
    problem = integrity_problem(info.path)
    if problem:
        raise IntegrityError(f"{info.path}: fails PRAGMA integrity_check: {problem}")
    staging = db.with_name(f"{db.name}.restoring")
    _remove(staging)
    db.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy(info.path, staging)
        engine = sqlite_engine(staging, journal_mode="DELETE")  # one self-contained file, renamed below
        try:
            try:
                if migrate.current_revision(engine) is None:
                    raise IntegrityError(f"{info.path}: not a TuringView database (it has no schema version)")
                migrate.upgrade(engine)
            except IntegrityError:
                raise
            except Exception as error:  # Alembic and drivers raise many kinds: any is a refusal
                raise StorageError(f"{info.path}: cannot be brought to the current schema: {error}") from error
            payload = {"backup": info.path.name, "backup_sha256": _sha256(info.path),
                       "backup_taken_at": info.taken_at.isoformat() if info.taken_at else None,
                       "previous_database": aside.name if aside else None}
            with engine_session(engine, write=True) as session:
                for study in session.scalars(select(Study).order_by(Study.id)).all():
                    _verify(session, study, info.path)
                    audit.append_event(session, study, RESTORED_EVENT,
                                       {**payload, "events_in_backup": study.audit_seq,
                                        "head_in_backup": study.audit_head})
            with engine_session(engine) as session:
                studies = session.scalars(select(Study).order_by(Study.id)).all()
                verified = tuple(audit.verify_chain(session, study) for study in studies)
        finally:
            engine.dispose()
        bad = [v for v in verified if not v.ok]
        if bad:  # cannot happen unless the file changed under us; never rename a copy that does not verify
            raise IntegrityError(f"{info.path}: after appending the restore event: {bad[0]}")
        return staging, verified
    except BaseException:
        _remove(staging)
        raise


def _copy(source: Path, target: Path) -> None:
    try:
        copy_database(sqlite3.connect(_readonly_uri(source), uri=True), target)
    except sqlite3.Error as error:
        raise StorageError(f"cannot copy {source} to {target}: {error}") from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verify(session: Session, study: Study, source: Path) -> None:
    """The study's chain (:func:`audit.verify_chain`) and the case-table digest recorded at import (the same
    digest as :meth:`StudyStore.cases_digest`); :class:`IntegrityError` naming the backup."""
    result = audit.verify_chain(session, study)
    if not result.ok:
        raise IntegrityError(f"{source}: audit chain does not verify: {result}")
    imported = session.scalars(select(AuditEvent).where(AuditEvent.study_id == study.id,
                                                        AuditEvent.kind == "cases_imported")
                               .order_by(AuditEvent.seq.desc())).first()
    if imported is None:
        return
    recorded = json.loads(imported.body)["payload"].get("cases_digest")
    if recorded and recorded != StudyStore(session).cases_digest(study):
        raise IntegrityError(f"{source}: study {study.name!r}: the case table (truth, paths, generators or ids) "
                             "changed after import")


def _swap(db: Path, staged: Path, aside: Path) -> tuple[Path, ...]:
    """Move the live database aside and rename the verified copy into its place (undone on failure)."""
    dispose_engines()
    moved: list[tuple[Path, Path]] = []
    try:
        with _write_lock(db):
            for suffix in ("", *_SIDECARS):
                live = Path(str(db) + suffix)
                if live.exists():
                    target = Path(str(aside) + suffix)
                    os.replace(live, target)
                    moved.append((live, target))
        os.replace(staged, db)
    except BaseException as error:
        for live, target in reversed(moved):
            with contextlib.suppress(OSError):
                os.replace(target, live)
        _remove(staged)
        if isinstance(error, OSError):
            raise StorageError(f"cannot replace {db} by the restored copy: {error}") from error
        raise
    _fsync_dir(db.parent)
    dispose_engines()
    return tuple(target for _, target in moved)


@contextlib.contextmanager
def _write_lock(db: Path) -> Iterator[None]:
    """Refuse to move the live database while another program holds its write lock (a transaction in
    progress); the lock is released before the move, so Windows can rename the file."""
    if not db.exists():
        yield
        return
    conn = sqlite3.connect(str(db), timeout=LOCK_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise StorageError(f"{db} is in use by another program ({error}): close TuringView everywhere "
                               "it is open, then restore again") from error
    except sqlite3.DatabaseError:
        pass  # damaged beyond opening (a reason to restore): nothing to wait for
    finally:
        conn.close()  # the last connection folds the -wal into the file, so the moved-aside copy stands alone
    yield


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
