"""SQLAlchemy 2 models of the study store.

Tables: ``study``, ``case_`` (a case of a study: truth, generator, subgroup fields, file path and content
hash, its blinded public id), ``presented_image`` (the uniformly re-encoded pixels readers see), ``reader``,
``assignment`` (reader x study with the seed that produced the order), ``assignment_item`` (the order itself),
``rating`` (append-only log), ``audit_event`` (hash chain), ``reader_package`` (exported packages) and
``artifact`` (results stored with a study).

The schema is created and upgraded only by the Alembic migrations in :mod:`turingview.storage.migrations`;
these classes mirror the head revision.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every engine (SQLite stores naive text, so normalise both ways)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: TuringView stores UTC-aware timestamps only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Current UTC time, timezone-aware."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


#: The view of training-case truth (migration 0003); reader-side code reads feedback here, never ``case_``.
reader_training_truth = Table(
    "reader_training_truth", MetaData(),
    Column("case_id", Integer), Column("study_id", Integer), Column("blinded_id", String(32)),
    Column("truth", String(16)),
)


class Study(Base):
    __tablename__ = "study"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    protocol_text: Mapped[str] = mapped_column(Text, default="")
    scale_labels: Mapped[str] = mapped_column(Text)  # JSON list
    settings: Mapped[str] = mapped_column(Text)  # JSON object
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")


class Case(Base):
    __tablename__ = "case_"
    __table_args__ = (
        UniqueConstraint("study_id", "blinded_id", name="uq_case_blinded"),
        UniqueConstraint("study_id", "label", name="uq_case_label"),
        UniqueConstraint("study_id", "sha256", name="uq_case_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    blinded_id: Mapped[str] = mapped_column(String(32))
    truth: Mapped[str] = mapped_column(String(16))
    generator: Mapped[str | None] = mapped_column(String(200), nullable=True)
    generator_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    modality: Mapped[str] = mapped_column(String(16))
    patient: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(32), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    site: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scanner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    extra: Mapped[str] = mapped_column(Text, default="{}")  # JSON: other subgroup columns
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    is_training: Mapped[bool] = mapped_column(Boolean, default=False)


class PresentedImage(Base):
    __tablename__ = "presented_image"

    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"), primary_key=True)
    blinded_id: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class Reader(Base):
    __tablename__ = "reader"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("study_id", "reader_id", name="uq_assignment_reader"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("reader.id"))
    seed: Mapped[int] = mapped_column(BigInteger)
    n_items: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AssignmentItem(Base):
    __tablename__ = "assignment_item"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"))
    is_training: Mapped[bool] = mapped_column(Boolean, default=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)


class Rating(Base):
    __tablename__ = "rating"
    __table_args__ = (UniqueConstraint("assignment_id", "position", "revision", name="uq_rating_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("rating.id"), nullable=True)
    is_training: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[int] = mapped_column(Integer)
    binary_call: Mapped[str | None] = mapped_column(String(16), nullable=True)
    artefacts: Mapped[str] = mapped_column(Text, default="")  # ';'-joined
    comment: Mapped[str] = mapped_column(Text, default="")
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    elapsed_ms: Mapped[int] = mapped_column(Integer)
    window_center: Mapped[float | None] = mapped_column(Float, nullable=True)
    window_width: Mapped[float | None] = mapped_column(Float, nullable=True)
    zoom: Mapped[float] = mapped_column(Float, default=1.0)
    pan_x: Mapped[float] = mapped_column(Float, default=0.0)
    pan_y: Mapped[float] = mapped_column(Float, default=0.0)
    slice_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    preset: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source: Mapped[str] = mapped_column(String(80), default="database")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("study_id", "seq", name="uq_audit_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON of {seq, kind, actor, at, study, payload}
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ReaderPackage(Base):
    __tablename__ = "reader_package"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_uid: Mapped[str] = mapped_column(String(36), unique=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Artifact(Base):
    """Added by migration 0002: results (realism check, analyses) stored with the study."""

    __tablename__ = "artifact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
