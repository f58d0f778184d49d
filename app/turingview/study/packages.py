"""Reader packages: export a blinded, self-contained file per reader; merge its ratings back.

:func:`export_reader_package` writes the reader's order, the presented images and the reader-facing study
information (no truth, paths, generators, subgroups or repeat flags; see
:mod:`turingview.storage.package`) and records the package id and content hash in the study (audited).
:func:`import_ratings` verifies the package against that record (study, reader, content hash of the
read-only part, every image's hash) and merges its ratings in one transaction; importing the same package
twice adds nothing.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from turingview.core.domain import DisplayState, RatingInput, StudyStatus, Truth
from turingview.core.errors import IntegrityError, StudyStateError
from turingview.storage import RatingLog, store_scope
from turingview.storage.package import BINARY_CODES, FORMAT, FORMAT_VERSION, PackageContent, open_package, write_package
from turingview.study.records import ImportSummary

READER_SETTINGS = ("allow_back", "allow_changes", "binary_call", "comments", "artefact_flags")


def export_reader_package(db_url: str | None, name: str, reader_id: str, out_path: str | Path) -> Path:
    """Write reader ``reader_id``'s package of open study ``name`` to ``out_path``; returns the path."""
    out = Path(out_path)
    with store_scope(db_url) as store:
        study = store.study(name)
        if study.status != StudyStatus.OPEN.value:
            raise StudyStateError(f"study {name!r} is {study.status}: open it before exporting reader packages")
        assignment = store.assignment(study, reader_id)
        items = store.order(assignment.id)
        settings = json.loads(study.settings)
        package_id = str(uuid.uuid4())
        info = {"format": FORMAT, "format_version": FORMAT_VERSION, "package_id": package_id,
                "study_id": study.uid, "study_name": study.name, "reader_id": reader_id,
                "protocol_text": study.protocol_text, "scale_labels": study.scale_labels,
                "settings": json.dumps({k: settings[k] for k in READER_SETTINGS if k in settings}, sort_keys=True),
                "created_at": datetime.now(UTC).isoformat()}
        cases = [(i.position, i.blinded_id, i.is_training) for i in items]
        truth_of = {c.id: c.truth for c in store.cases(study) if c.is_training}
        feedback = sorted({(i.blinded_id, BINARY_CODES[truth_of[i.case_id]]) for i in items if i.is_training})
        wanted = {i.blinded_id for i in items}

        def images():  # type: ignore[no-untyped-def]
            for case, image in store.presented_all(study):
                if case.blinded_id in wanted:
                    yield case.blinded_id, image.data, image.sha256

        out.parent.mkdir(parents=True, exist_ok=True)
        digest = write_package(out, PackageContent(info=info, cases=cases, feedback=feedback), images())
    with store_scope(db_url, write=True) as store:
        study = store.study(name, lock=True)
        assignment = store.assignment(study, reader_id)
        store.add_package(assignment, package_id, digest)
        store.event(study, "package_exported", {"reader": reader_id, "package_id": package_id,
                                                "content_hash": digest, "n_items": len(cases)})
    return out


def _rating_input(row: dict[str, object]) -> RatingInput:
    code = row["binary_call"]
    call = None if code is None else (Truth.REAL if code == BINARY_CODES["real"] else Truth.SYNTHETIC)
    return RatingInput(
        position=int(row["position"]), blinded_id=str(row["blinded_id"]), score=int(row["score"]),  # type: ignore[arg-type]
        shown_at=datetime.fromisoformat(str(row["shown_at"])),
        answered_at=datetime.fromisoformat(str(row["answered_at"])), elapsed_ms=int(row["elapsed_ms"]),  # type: ignore[arg-type]
        display=DisplayState(window_center=row["window_center"], window_width=row["window_width"],  # type: ignore[arg-type]
                             zoom=float(row["zoom"]), pan_x=float(row["pan_x"]), pan_y=float(row["pan_y"]),  # type: ignore[arg-type]
                             slice_index=row["slice_index"], preset=row["preset"]),  # type: ignore[arg-type]
        binary_call=call, artefacts=tuple(a for a in str(row["artefacts"]).split(";") if a),
        comment=str(row["comment"]))


def import_ratings(db_url: str | None, package_path: str | Path) -> ImportSummary:
    """Verify a reader package and merge its ratings into its study (idempotent, all-or-nothing).

    Raises
    ------
    IntegrityError
        Not a package, a package of another study or database, a reader mismatch, a tampered read-only
        part, or ratings that contradict ratings already stored.
    StudyStateError
        The study is not open.
    """
    path = Path(package_path)
    with open_package(path, read_only=True) as package:
        digest = package.verify_content()
        info = package.info
        rows = package.ratings()
    package_id, study_uid, reader_id = info.get("package_id", ""), info.get("study_id", ""), info.get("reader_id", "")
    with store_scope(db_url) as store:
        study = store.study_by_uid(study_uid)
        if study is None:
            raise IntegrityError(f"{path}: the package belongs to study {info.get('study_name')!r} "
                                 f"(id {study_uid}), which is not in this database")
        record = store.package(package_id)
        if record is None:
            raise IntegrityError(f"{path}: package {package_id} was not exported from study {study.name!r}")
        assignment = store.assignment(study, reader_id)
        if record.assignment_id != assignment.id:
            raise IntegrityError(f"{path}: package {package_id} was exported for another reader, not {reader_id!r}")
        if record.content_hash != digest:
            raise IntegrityError(f"{path}: the package was modified since export (content hash mismatch)")
        study_name = study.name
    log = RatingLog(db_url, study_name, reader_id)
    problems: list[str] = []
    added = present = 0
    with store_scope(db_url, write=True) as store:
        study = store.study(study_name, lock=True)
        if study.status != StudyStatus.OPEN.value:
            raise StudyStateError(f"study {study_name!r} is {study.status}: reopen it to import ratings")
        existing = {(r.position, r.revision): r for r in store.ratings(log.assignment_id)}
        for row in sorted(rows, key=lambda r: (r["position"], r["revision"])):
            rating = _rating_input(row)
            key = (rating.position, int(row["revision"]))
            stored = existing.get(key)
            if stored is not None:
                if stored.answered_at == rating.answered_at and stored.score == rating.score:
                    present += 1
                else:
                    problems.append(f"position {key[0]} revision {key[1]}: differs from the rating already stored")
                continue
            try:
                log.record(rating, source=f"package:{package_id}", revision=key[1], session=store.session)
            except (ValueError, StudyStateError) as error:
                problems.append(f"position {key[0]} revision {key[1]}: {error}")
                continue
            added += 1
        if problems:
            raise IntegrityError(f"{path}: ratings refused, nothing was imported:\n  - " + "\n  - ".join(problems))
        store.event(study, "ratings_imported", {"package_id": package_id, "reader": reader_id, "added": added,
                                                "already_present": present, "content_hash": digest})
    return ImportSummary(study=study_name, reader=reader_id, package_id=package_id, added=added,
                         already_present=present)


def open_reader_package(path: str | Path):  # type: ignore[no-untyped-def]
    """The reader workstation's session over a package file (see :class:`PackageReadingSource`)."""
    from turingview.study.package_source import PackageReadingSource

    return PackageReadingSource(path)
