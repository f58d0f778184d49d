"""The study store's repository: typed lookups and inserts inside one caller-owned transaction.

The study layer (which may not import SQLAlchemy) drives a :class:`StudyStore` obtained from
:func:`store_scope`; every method works inside that one transaction, so a study creation, a clone or a
ratings import is all-or-nothing. Audit events are appended through :meth:`StudyStore.event`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc, func, insert, select
from sqlalchemy.orm import Session

from turingview.core.errors import InvalidInputError, NotFoundError, StorageError
from turingview.storage import audit
from turingview.storage.engine import session_scope
from turingview.storage.models import (
    Artifact,
    Assignment,
    AssignmentItem,
    AuditEvent,
    Case,
    PresentedImage,
    Rating,
    Reader,
    ReaderPackage,
    Study,
    reader_training_truth,
    utcnow,
)


@dataclass(frozen=True)
class OrderItem:
    """One position of a reader's order as stored (coordinator side: carries ``is_repeat``)."""

    position: int
    case_id: int
    blinded_id: str
    is_training: bool
    is_repeat: bool | None  # None when read on the reader's side (not loaded)


class StudyStore:
    """Repository over one open transaction. Obtain it with :func:`store_scope`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- studies -------------------------------------------------------------------------------------
    def study(self, name: str, *, lock: bool = False) -> Study:
        """The study called ``name`` (row-locked until commit with ``lock=True``); :class:`NotFoundError`."""
        query = select(Study).where(Study.name == name)
        if lock:
            query = query.with_for_update()
        study = self.session.scalars(query).one_or_none()
        if study is None:
            raise NotFoundError(f"no study named {name!r}")
        return study

    def study_by_uid(self, uid: str, *, lock: bool = False) -> Study | None:
        query = select(Study).where(Study.uid == uid)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def studies(self) -> list[Study]:
        return list(self.session.scalars(select(Study).order_by(Study.created_at, Study.id)))

    def add_study(self, *, name: str, uid: str, protocol_text: str, scale_labels: Sequence[str],
                  settings: dict[str, Any], seed: int, status: str) -> Study:
        if self.session.scalars(select(Study.id).where(Study.name == name)).first() is not None:
            raise InvalidInputError(f"a study named {name!r} already exists")
        now = utcnow()
        study = Study(uid=uid, name=name, protocol_text=protocol_text, scale_labels=json.dumps(list(scale_labels)),
                      settings=json.dumps(settings, sort_keys=True), seed=seed, status=status, created_at=now,
                      updated_at=now, audit_seq=0, audit_head="")
        self.session.add(study)
        self.flush()
        return study

    def event(self, study: Study, kind: str, payload: dict[str, Any], *, actor: str | None = None) -> AuditEvent:
        """Append an audit event to the study's chain (inside this transaction)."""
        return audit.append_event(self.session, study, kind, payload, actor=actor)

    # -- cases and images ----------------------------------------------------------------------------
    def add_case(self, study: Study, **fields: Any) -> Case:
        case = Case(study_id=study.id, **fields)
        self.session.add(case)
        return case

    def add_cases(self, study: Study, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Bulk-insert cases (one multi-row statement per batch); returns their ids in ``rows`` order."""
        if not rows:
            return []
        statement = insert(Case).returning(Case.id, sort_by_parameter_order=True)
        result = self.session.execute(statement, [{**row, "study_id": study.id} for row in rows])
        return [row[0] for row in result]

    def add_presented_many(self, rows: Sequence[tuple[int, str, bytes, str]]) -> None:
        """Bulk-insert presented images ``(case_id, blinded_id, data, sha256)``."""
        if rows:
            self.session.execute(insert(PresentedImage), [
                {"case_id": c, "blinded_id": b, "data": d, "sha256": h} for c, b, d, h in rows])

    def add_presented(self, case: Case, data: bytes, sha256: str) -> None:
        self.session.add(PresentedImage(case_id=case.id, blinded_id=case.blinded_id, data=data, sha256=sha256))

    def case_keys(self, study: Study) -> list[tuple[int, str, str, bool]]:
        """``(id, label, truth, is_training)`` of every case: a light query for order generation."""
        query = (select(Case.id, Case.label, Case.truth, Case.is_training).where(Case.study_id == study.id)
                 .order_by(Case.id))
        return [(i, label, truth, bool(training)) for i, label, truth, training in self.session.execute(query)]

    def case_digest_rows(self, study: Study) -> list[list[Any]]:
        """The columns covered by the case-table digest, one list per case."""
        cols = (Case.label, Case.blinded_id, Case.truth, Case.generator, Case.generator_version, Case.modality,
                Case.path, Case.sha256, Case.is_training)
        rows = self.session.execute(select(*cols).where(Case.study_id == study.id))
        return [[*row[:-1], bool(row[-1])] for row in rows]

    def cases_digest(self, study: Study) -> str:
        """SHA-256 over the case table's content (label, blinded id, truth, generator, path, sha256...), sorted.

        Recorded at import (``cases_imported``) and re-checked by ``verify_audit_chain`` and backup restore.
        """
        return audit.sha256_text(audit.canonical_json(sorted(self.case_digest_rows(study))))

    def training_truth(self, case_id: int) -> str | None:
        """Truth of a *training* case (``None`` for any other), read through the ``reader_training_truth``
        view so a reader's database role never needs access to ``case_.truth``."""
        view = reader_training_truth
        return self.session.execute(select(view.c.truth).where(view.c.case_id == case_id)).scalar_one_or_none()

    def blinded_ids(self, study: Study) -> dict[int, str]:
        query = select(Case.id, Case.blinded_id).where(Case.study_id == study.id)
        return {i: b for i, b in self.session.execute(query)}

    def cases(self, study: Study) -> list[Case]:
        return list(self.session.scalars(select(Case).where(Case.study_id == study.id).order_by(Case.id)))

    def presented(self, study: Study, blinded_id: str) -> PresentedImage | None:
        # Filter on the case's (study_id, blinded_id), which is unique and indexed: one index probe, not a scan
        # of every presented image in the study (presented_image.blinded_id carries no index).
        query = (select(PresentedImage).join(Case, Case.id == PresentedImage.case_id)
                 .where(Case.study_id == study.id, Case.blinded_id == blinded_id))
        return self.session.scalars(query).one_or_none()

    def presented_all(self, study: Study) -> Iterator[tuple[Case, PresentedImage]]:
        query = (select(Case, PresentedImage).join(PresentedImage, PresentedImage.case_id == Case.id)
                 .where(Case.study_id == study.id).order_by(Case.id))
        for row in self.session.execute(query).yield_per(64):
            yield row[0], row[1]

    # -- readers and orders --------------------------------------------------------------------------
    def reader(self, code: str, *, create: bool = False) -> Reader:
        reader = self.session.scalars(select(Reader).where(Reader.code == code)).one_or_none()
        if reader is None:
            if not create:
                raise NotFoundError(f"no reader {code!r}")
            reader = Reader(code=code, created_at=utcnow())
            self.session.add(reader)
            self.flush()
        return reader

    def assignment(self, study: Study, reader_code: str) -> Assignment:
        query = (select(Assignment).join(Reader, Reader.id == Assignment.reader_id)
                 .where(Assignment.study_id == study.id, Reader.code == reader_code))
        found = self.session.scalars(query).one_or_none()
        if found is None:
            raise NotFoundError(f"reader {reader_code!r} is not assigned to study {study.name!r}")
        return found

    def assignments(self, study: Study) -> list[tuple[Assignment, str]]:
        query = (select(Assignment, Reader.code).join(Reader, Reader.id == Assignment.reader_id)
                 .where(Assignment.study_id == study.id).order_by(Assignment.id))
        return [(a, code) for a, code in self.session.execute(query)]

    def add_assignment(self, study: Study, reader: Reader, seed: int,
                       items: Sequence[tuple[int, bool, bool]]) -> Assignment:
        """Store a reader's order: ``items`` are ``(case_id, is_training, is_repeat)`` by position."""
        exists = select(Assignment.id).where(Assignment.study_id == study.id, Assignment.reader_id == reader.id)
        if self.session.scalars(exists).first() is not None:
            raise InvalidInputError(f"reader {reader.code!r} is already assigned to study {study.name!r}")
        assignment = Assignment(study_id=study.id, reader_id=reader.id, seed=seed, n_items=len(items),
                                created_at=utcnow())
        self.session.add(assignment)
        self.flush()
        if items:
            self.session.execute(insert(AssignmentItem), [
                {"assignment_id": assignment.id, "position": pos, "case_id": case_id, "is_training": training,
                 "is_repeat": repeat} for pos, (case_id, training, repeat) in enumerate(items)])
        return assignment

    def order(self, assignment_id: int, *, with_repeats: bool = True) -> list[OrderItem]:
        """A reader's order. ``with_repeats=False`` (the reader's side) never reads the repeat flag, so it runs
        under a reader's database role; ``is_repeat`` is then ``None``."""
        cols = [AssignmentItem.position, AssignmentItem.case_id, AssignmentItem.is_training, Case.blinded_id]
        if with_repeats:
            cols.append(AssignmentItem.is_repeat)
        query = (select(*cols).join(Case, Case.id == AssignmentItem.case_id)
                 .where(AssignmentItem.assignment_id == assignment_id).order_by(AssignmentItem.position))
        return [OrderItem(row[0], row[1], row[3], bool(row[2]), bool(row[4]) if with_repeats else None)
                for row in self.session.execute(query)]

    # -- ratings -------------------------------------------------------------------------------------
    def ratings(self, assignment_id: int) -> list[Rating]:
        query = select(Rating).where(Rating.assignment_id == assignment_id).order_by(Rating.id)
        return list(self.session.scalars(query))

    def study_ratings(self, study: Study) -> list[tuple[Rating, str, AssignmentItem, Case]]:
        query = (select(Rating, Reader.code, AssignmentItem, Case)
                 .join(Assignment, Assignment.id == Rating.assignment_id)
                 .join(Reader, Reader.id == Assignment.reader_id)
                 .join(AssignmentItem, (AssignmentItem.assignment_id == Rating.assignment_id)
                       & (AssignmentItem.position == Rating.position))
                 .join(Case, Case.id == Rating.case_id)
                 .where(Assignment.study_id == study.id).order_by(Rating.id))
        return [tuple(row) for row in self.session.execute(query)]  # type: ignore[misc]

    def rating_counts(self, study: Study) -> dict[int, int]:
        query = (select(Rating.assignment_id, func.count()).join(Assignment, Assignment.id == Rating.assignment_id)
                 .where(Assignment.study_id == study.id).group_by(Rating.assignment_id))
        return {aid: n for aid, n in self.session.execute(query)}

    # -- packages and artifacts ----------------------------------------------------------------------
    def add_package(self, assignment: Assignment, package_uid: str, content_hash: str) -> None:
        self.session.add(ReaderPackage(package_uid=package_uid, assignment_id=assignment.id,
                                       content_hash=content_hash, created_at=utcnow()))

    def package(self, package_uid: str) -> ReaderPackage | None:
        return self.session.scalars(select(ReaderPackage).where(ReaderPackage.package_uid == package_uid)).first()

    def add_artifact(self, study: Study, kind: str, payload_json: str, sha256: str) -> Artifact:
        artifact = Artifact(study_id=study.id, kind=kind, created_at=utcnow(), payload=payload_json, sha256=sha256)
        self.session.add(artifact)
        self.flush()
        return artifact

    def artifacts(self, study: Study, kind: str) -> list[Artifact]:
        query = select(Artifact).where(Artifact.study_id == study.id, Artifact.kind == kind).order_by(Artifact.id)
        return list(self.session.scalars(query))

    def events(self, study: Study, kind: str | None = None) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.study_id == study.id)
        if kind is not None:
            query = query.where(AuditEvent.kind == kind)
        return list(self.session.scalars(query.order_by(AuditEvent.seq)))

    def verify(self, study: Study) -> audit.AuditVerification:
        return audit.verify_chain(self.session, study)

    def flush(self) -> None:
        try:
            self.session.flush()
        except exc.IntegrityError as error:
            raise StorageError(f"constraint violated: {error.orig}") from error


@contextmanager
def store_scope(db_url: str | None, *, write: bool = False) -> Iterator[StudyStore]:
    """One transaction over the study store (see :func:`turingview.storage.engine.session_scope`)."""
    try:
        with session_scope(db_url, write=write) as session:
            yield StudyStore(session)
    except exc.IntegrityError as error:
        raise StorageError(f"constraint violated: {error.orig}") from error
