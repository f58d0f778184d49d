"""The reader package file: one self-contained SQLite file for an air-gapped reading workstation.

Read-only part (written once at export, covered by the content hash): ``package_info`` (key/value: format,
package id, study id and name, reader id, protocol, scale wording, reader-facing rules), ``package_case``
(the reader's order: position, blinded id, training flag), ``package_image`` (presented images) and
``training_feedback`` (answer codes of *training* cases only, shown after they are rated).
Writable part: ``package_rating``, the reader's append-only rating log (unique ``(position, revision)``).

The file holds no truth of study cases, no paths or file names, no generator, no subgroup fields and no
repeat flags. It uses a rollback journal (not WAL), so the file is always complete on its own, and
``synchronous=FULL``, so an acknowledged rating survives a crash or a pulled plug.

Content hash: SHA-256 of the canonical JSON of ``{"info": info without content_hash, "cases": [...],
"images": [[blinded id, sha256], ...], "feedback": [...]}``; :func:`verify_content` also re-hashes every
image's bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    exc,
    insert,
    select,
)

from turingview.core.errors import DuplicateRatingError, IntegrityError, NotFoundError, StorageError
from turingview.storage.audit import canonical_json

FORMAT = "turingview-reader-package"
FORMAT_VERSION = "1"
BINARY_CODES = {"real": 1, "synthetic": 0}

metadata = MetaData()
package_info = Table("package_info", metadata, Column("key", Text, primary_key=True), Column("value", Text))
package_case = Table("package_case", metadata, Column("position", Integer, primary_key=True),
                     Column("blinded_id", Text, nullable=False), Column("is_training", Boolean, nullable=False))
package_image = Table("package_image", metadata, Column("blinded_id", Text, primary_key=True),
                      Column("data", LargeBinary, nullable=False), Column("sha256", Text, nullable=False))
training_feedback = Table("training_feedback", metadata, Column("blinded_id", Text, primary_key=True),
                          Column("answer", Integer, nullable=False))
package_rating = Table(
    "package_rating", metadata,
    Column("id", Integer, primary_key=True), Column("position", Integer, nullable=False),
    Column("revision", Integer, nullable=False), Column("blinded_id", Text, nullable=False),
    Column("score", Integer, nullable=False), Column("binary_call", Integer), Column("artefacts", Text, nullable=False),
    Column("comment", Text, nullable=False), Column("shown_at", Text, nullable=False),
    Column("answered_at", Text, nullable=False), Column("elapsed_ms", Integer, nullable=False),
    Column("window_center", Float), Column("window_width", Float), Column("zoom", Float, nullable=False),
    Column("pan_x", Float, nullable=False), Column("pan_y", Float, nullable=False), Column("slice_index", Integer),
    Column("preset", Text), Column("recorded_at", Text, nullable=False),
    UniqueConstraint("position", "revision", name="uq_package_rating"),
)


@dataclass(frozen=True)
class PackageContent:
    """Everything the export writes into the read-only part."""

    info: dict[str, str]
    cases: Sequence[tuple[int, str, bool]]  # position, blinded id, is_training
    feedback: Sequence[tuple[str, int]]  # training blinded id, answer code


def _engine(path: Path, *, read_only: bool = False) -> Engine:
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if read_only else f"sqlite:///{path}"
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=DELETE")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if not read_only else "BEGIN")

    return engine


def content_hash(info: dict[str, str], cases: Sequence[Sequence[Any]], images: Sequence[Sequence[str]],
                 feedback: Sequence[Sequence[Any]]) -> str:
    body = {"info": {k: v for k, v in info.items() if k != "content_hash"},
            "cases": [[int(p), str(b), bool(t)] for p, b, t in cases],
            "images": sorted([str(b), str(h)] for b, h in images),
            "feedback": sorted([str(b), int(a)] for b, a in feedback)}
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()


def write_package(path: Path, content: PackageContent, images: Iterator[tuple[str, bytes, str]]) -> str:
    """Write a new package at ``path`` (atomically, via a temporary file); returns its content hash."""
    tmp = path.with_name(path.name + ".partial")
    tmp.unlink(missing_ok=True)
    engine = _engine(tmp)
    try:
        metadata.create_all(engine)
        image_hashes = []
        with engine.begin() as conn:
            _append_only(conn)
            conn.execute(insert(package_case), [{"position": p, "blinded_id": b, "is_training": t}
                                                for p, b, t in content.cases])
            if content.feedback:
                conn.execute(insert(training_feedback), [{"blinded_id": b, "answer": a} for b, a in content.feedback])
            for blinded_id, data, sha in images:
                if hashlib.sha256(data).hexdigest() != sha:
                    raise IntegrityError(f"presented image of {blinded_id} does not match its stored SHA-256")
                conn.execute(insert(package_image), {"blinded_id": blinded_id, "data": data, "sha256": sha})
                image_hashes.append((blinded_id, sha))
            info = dict(content.info)
            info["content_hash"] = content_hash(info, content.cases, image_hashes, content.feedback)
            conn.execute(insert(package_info), [{"key": k, "value": v} for k, v in sorted(info.items())])
        raw = engine.raw_connection()  # VACUUM must run outside a transaction
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        finally:
            raw.close()
    except exc.SQLAlchemyError as error:
        raise StorageError(f"cannot write reader package {path}: {error}") from error
    finally:
        engine.dispose()
    tmp.replace(path)
    return info["content_hash"]


def _append_only(conn: Connection) -> None:
    for action in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(f"CREATE TRIGGER package_rating_no_{action.lower()} BEFORE {action} ON package_rating "
                             "BEGIN SELECT RAISE(ABORT, 'package_rating is append-only'); END")


class PackageFile:
    """An open reader package (read-write for the reader workstation, read-only for an import)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise NotFoundError(f"{self.path}: no such reader package")
        self.engine = _engine(self.path, read_only=read_only)
        try:
            with self.engine.connect() as conn:
                self.info = {k: v for k, v in conn.execute(select(package_info.c.key, package_info.c.value))}
                self.cases = [(p, b, bool(t)) for p, b, t in conn.execute(
                    select(package_case.c.position, package_case.c.blinded_id, package_case.c.is_training)
                    .order_by(package_case.c.position))]
                self.image_hashes = [tuple(r) for r in conn.execute(
                    select(package_image.c.blinded_id, package_image.c.sha256))]
                self.feedback = [tuple(r) for r in conn.execute(
                    select(training_feedback.c.blinded_id, training_feedback.c.answer))]
        except exc.SQLAlchemyError as error:
            self.engine.dispose()
            kind = error.__class__.__name__
            raise IntegrityError(f"{self.path}: not a TuringView reader package ({kind})") from error
        if self.info.get("format") != FORMAT:
            self.engine.dispose()
            raise IntegrityError(f"{self.path}: not a TuringView reader package")

    def verify_metadata(self) -> str:
        """Recompute the content hash from the stored rows; raise :class:`IntegrityError` if it differs."""
        computed = content_hash(self.info, self.cases, self.image_hashes, self.feedback)  # type: ignore[arg-type]
        if computed != self.info.get("content_hash"):
            raise IntegrityError(f"{self.path}: the package was modified (content hash mismatch)")
        return computed

    def verify_content(self) -> str:
        """:meth:`verify_metadata` plus a re-hash of every image's bytes."""
        computed = self.verify_metadata()
        try:
            with self.engine.connect() as conn:
                for blinded_id, data, sha in conn.execute(select(package_image)):
                    if not isinstance(data, bytes) or hashlib.sha256(data).hexdigest() != sha:
                        raise IntegrityError(f"{self.path}: image {blinded_id} was modified (hash mismatch)")
        except exc.SQLAlchemyError as error:
            raise IntegrityError(f"{self.path}: the package's images cannot be read ({error.__class__.__name__}): "
                                 "modified or damaged") from error
        return computed

    def image(self, blinded_id: str) -> bytes:
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(package_image.c.data, package_image.c.sha256)
                                   .where(package_image.c.blinded_id == blinded_id)).first()
        except exc.SQLAlchemyError as error:
            raise IntegrityError(f"{self.path}: image {blinded_id} cannot be read: modified or damaged") from error
        if row is None:
            raise StorageError(f"{self.path}: no image for case {blinded_id}")
        if not isinstance(row[0], bytes) or hashlib.sha256(row[0]).hexdigest() != row[1]:
            raise IntegrityError(f"{self.path}: image {blinded_id} was modified (hash mismatch)")
        return bytes(row[0])

    def ratings(self) -> list[dict[str, Any]]:
        try:
            with self.engine.connect() as conn:
                return [dict(r._mapping) for r in conn.execute(select(package_rating).order_by(package_rating.c.id))]
        except exc.SQLAlchemyError as error:
            raise IntegrityError(f"{self.path}: the package's ratings cannot be read ({error.__class__.__name__})"
                                 ) from error

    def append_rating(self, row: dict[str, Any], *, allow_changes: bool) -> tuple[int, int]:
        """Insert a rating row (revision computed here) in one durable transaction; returns (id, revision).

        Raises :class:`DuplicateRatingError` for a repeated answer or a revision race, and ``PermissionError``
        (mapped by the caller) when changes are not allowed.
        """
        try:
            with self.engine.begin() as conn:
                latest = conn.execute(select(package_rating).where(package_rating.c.position == row["position"])
                                      .order_by(package_rating.c.revision.desc()).limit(1)).first()
                if latest is not None:
                    if latest.answered_at == row["answered_at"] and latest.score == row["score"]:
                        raise DuplicateRatingError(f"position {row['position']}: this answer was already recorded")
                    if not allow_changes:
                        raise PermissionError(row["position"])
                revision = latest.revision + 1 if latest is not None else 1
                result = conn.execute(insert(package_rating), {**row, "revision": revision,
                                                               "recorded_at": datetime.now(UTC).isoformat()})
                return int(result.inserted_primary_key[0]), revision
        except exc.IntegrityError as error:
            raise DuplicateRatingError(f"position {row['position']}: this revision was already recorded") from error
        except exc.SQLAlchemyError as error:
            raise StorageError(f"{self.path}: cannot record the rating: {error}") from error

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def open_package(path: str | Path, *, read_only: bool = False) -> Iterator[PackageFile]:
    package = PackageFile(path, read_only=read_only)
    try:
        yield package
    finally:
        package.close()


def info_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
