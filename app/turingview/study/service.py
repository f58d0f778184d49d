"""The study API used by the CLI, the coordinator console, the statistics and the realism check.

Every function takes the database URL first (``None`` = the default embedded SQLite database) and works
in its own transaction. Mutations are audited.
"""

from __future__ import annotations

import json
import statistics
import uuid
from collections.abc import Iterator
from typing import Any

from turingview.core.domain import StudyStatus, Truth
from turingview.core.errors import InvalidInputError, StudyStateError
from turingview.storage import AuditVerification, StudyStore, canonical_json, store_scope
from turingview.study.create import assign_reader, cases_digest, new_blinded_ids, validate_name, validate_readers
from turingview.study.records import ReaderProgress, StudySummary

_TRANSITIONS = {
    StudyStatus.DRAFT: {StudyStatus.OPEN, StudyStatus.ARCHIVED},
    StudyStatus.OPEN: {StudyStatus.CLOSED, StudyStatus.ARCHIVED},
    StudyStatus.CLOSED: {StudyStatus.OPEN, StudyStatus.ARCHIVED},
    StudyStatus.ARCHIVED: set(),
}


def _summary(store: StudyStore, study: Any) -> StudySummary:
    cases = store.case_keys(study)  # (id, label, truth, is_training)
    core = [c for c in cases if not c[3]]
    return StudySummary(
        name=study.name, uid=study.uid, status=StudyStatus(study.status), seed=study.seed, n_cases=len(core),
        n_real=sum(c[2] == Truth.REAL.value for c in core),
        n_synthetic=sum(c[2] == Truth.SYNTHETIC.value for c in core), n_training=len(cases) - len(core),
        readers=tuple(code for _, code in store.assignments(study)), settings=json.loads(study.settings),
        protocol_text=study.protocol_text, scale_labels=tuple(json.loads(study.scale_labels)),
        created_at=study.created_at, audit_head=study.audit_head, audit_events=study.audit_seq)


def get_study(db_url: str | None, name: str) -> StudySummary:
    """Summary of one study; :class:`NotFoundError` if there is none of that name."""
    with store_scope(db_url) as store:
        return _summary(store, store.study(name))


def list_studies(db_url: str | None) -> list[StudySummary]:
    """Every study in the database, oldest first."""
    with store_scope(db_url) as store:
        return [_summary(store, study) for study in store.studies()]


def set_study_status(db_url: str | None, name: str, status: StudyStatus | str, *, reason: str = "") -> StudySummary:
    """Move a study to ``status`` (audited as ``status_changed`` with ``reason``).

    Allowed: draft -> open | archived; open -> closed | archived; closed -> open | archived.
    Opening needs at least one reader.
    """
    try:
        target = StudyStatus(str(status).lower())
    except ValueError as error:
        raise InvalidInputError(f"unknown study status {status!r}") from error
    with store_scope(db_url, write=True) as store:
        study = store.study(name, lock=True)
        current = StudyStatus(study.status)
        if target not in _TRANSITIONS[current]:
            raise StudyStateError(f"study {name!r} is {current.value}: it cannot become {target.value}")
        if target is StudyStatus.OPEN and not store.assignments(study):
            raise StudyStateError(f"study {name!r} has no readers: add one before opening it")
        study.status = target.value
        store.event(study, "status_changed", {"from": current.value, "to": target.value, "reason": reason})
        return _summary(store, study)


def archive_study(db_url: str | None, name: str, *, reason: str = "archived") -> StudySummary:
    """Archive a study: read-only for good (ratings refused, nothing deleted)."""
    return set_study_status(db_url, name, StudyStatus.ARCHIVED, reason=reason)


def add_reader(db_url: str | None, name: str, reader_id: str) -> StudySummary:
    """Assign a reader to a draft or open study and generate their order (audited)."""
    (code,) = validate_readers([reader_id])
    with store_scope(db_url, write=True) as store:
        study = store.study(name, lock=True)
        if study.status not in (StudyStatus.DRAFT.value, StudyStatus.OPEN.value):
            raise StudyStateError(f"study {name!r} is {study.status}: readers can no longer be added")
        assign_reader(store, study, code)
        return _summary(store, study)


def clone_study(db_url: str | None, name: str, new_name: str, *, seed: int | None = None) -> StudySummary:
    """A new DRAFT study with the same cases, settings and readers, fresh blinded ids and orders.

    ``seed`` defaults to a fresh random seed; presented images are copied, not re-read from disk.
    """
    import secrets

    new_name = validate_name(new_name)
    new_seed = secrets.randbits(63) if seed is None else int(seed)
    with store_scope(db_url, write=True) as store:
        source = store.study(name, lock=True)
        if any(s.name == new_name for s in store.studies()):
            raise InvalidInputError(f"a study named {new_name!r} already exists")
        clone = store.add_study(name=new_name, uid=str(uuid.uuid4()), protocol_text=source.protocol_text,
                                scale_labels=json.loads(source.scale_labels), settings=json.loads(source.settings),
                                seed=new_seed, status=StudyStatus.DRAFT.value)
        store.event(clone, "study_created", {"name": new_name, "seed": new_seed, "cloned_from": source.uid,
                                             "settings": json.loads(source.settings)})
        pairs = list(store.presented_all(source))
        ids = new_blinded_ids(len(pairs))
        for (case, image), bid in zip(pairs, ids, strict=True):
            fields = {k: getattr(case, k) for k in ("label", "truth", "generator", "generator_version", "modality",
                                                      "patient", "sex", "age_band", "site", "scanner", "extra",
                                                      "path", "sha256", "is_training")}
            new_case = store.add_case(clone, blinded_id=bid, **fields)
            store.flush()
            store.add_presented(new_case, image.data, image.sha256)
        store.flush()
        core = [c for c, _ in pairs if not c.is_training]
        store.event(clone, "cases_imported", {
            "n_cases": len(pairs), "n_real": sum(c.truth == "real" for c in core),
            "n_synthetic": sum(c.truth == "synthetic" for c in core), "n_training": len(pairs) - len(core),
            "cloned_from": source.uid, "cases_digest": cases_digest(store, clone)})
        for _, code in store.assignments(source):
            assign_reader(store, clone, code)
        store.event(source, "study_cloned", {"to": new_name, "uid": clone.uid})
        return _summary(store, clone)


def study_progress(db_url: str | None, name: str) -> list[ReaderProgress]:
    """Per reader: study positions answered / total (training apart), median seconds per case, last activity."""
    with store_scope(db_url) as store:
        study = store.study(name)
        out = []
        for assignment, code in store.assignments(study):
            items = store.order(assignment.id)
            ratings = store.ratings(assignment.id)
            latest: dict[int, Any] = {}
            for r in ratings:
                latest[r.position] = r
            training_pos = {i.position for i in items if i.is_training}
            study_latest = [r for p, r in latest.items() if p not in training_pos]
            total = len(items) - len(training_pos)
            times = [r.elapsed_ms / 1000.0 for r in study_latest]
            out.append(ReaderProgress(
                reader=code, done=len(study_latest), total=total,
                median_seconds=statistics.median(times) if times else None,
                last_activity=max((r.answered_at for r in ratings), default=None),
                finished=total > 0 and len(study_latest) >= total,
                training_done=len(latest) - len(study_latest), training_total=len(training_pos)))
        return out


def ratings_records(db_url: str | None, name: str, *, include_training: bool = False,
                    include_superseded: bool = False) -> list[dict[str, Any]]:
    """The long table the statistics read: one dict per rating (latest revision per position by default).

    Keys: ``reader, case`` (blinded public id), ``case_id`` (coordinator label), ``score, truth, generator,
    generator_version, modality, patient, sex, age_band, site, scanner`` (+ any extra subgroup columns),
    ``repeat`` (0 first read / 1 repeat), ``position, binary_call, artefacts`` (';'-joined), ``comment,
    elapsed_ms, shown_at, answered_at, revision, is_training, window_center, window_width, zoom,
    slice_index``. Ordered by reader, then position, then revision.
    """
    with store_scope(db_url) as store:
        study = store.study(name)
        rows = store.study_ratings(study)
    latest: dict[tuple[int, int], int] = {}
    for rating, _, _, _ in rows:
        key = (rating.assignment_id, rating.position)
        latest[key] = max(latest.get(key, 0), rating.revision)
    out = []
    for rating, reader, item, case in rows:
        if rating.is_training and not include_training:
            continue
        if not include_superseded and rating.revision != latest[(rating.assignment_id, rating.position)]:
            continue
        record = {
            "reader": reader, "case": case.blinded_id, "case_id": case.label, "score": rating.score,
            "truth": case.truth, "generator": case.generator, "generator_version": case.generator_version,
            "modality": case.modality, "patient": case.patient, "sex": case.sex, "age_band": case.age_band,
            "site": case.site, "scanner": case.scanner, "repeat": int(bool(item.is_repeat)),
            "position": rating.position, "binary_call": rating.binary_call, "artefacts": rating.artefacts,
            "comment": rating.comment, "elapsed_ms": rating.elapsed_ms, "shown_at": rating.shown_at,
            "answered_at": rating.answered_at, "revision": rating.revision, "is_training": bool(rating.is_training),
            "window_center": rating.window_center, "window_width": rating.window_width, "zoom": rating.zoom,
            "slice_index": rating.slice_index,
        }
        for key, value in json.loads(case.extra or "{}").items():
            record.setdefault(key, value)
        out.append(record)
    out.sort(key=lambda r: (r["reader"], r["position"], r["revision"]))
    return out


def case_records(db_url: str | None, name: str) -> list[dict[str, Any]]:
    """Coordinator-side case table (never for the reader's side): ids, truth, generator, path, sha256, subgroups."""
    with store_scope(db_url) as store:
        cases = store.cases(store.study(name))
    out = []
    for c in cases:
        record = {"case_id": c.label, "blinded_id": c.blinded_id, "truth": c.truth, "generator": c.generator,
                  "generator_version": c.generator_version, "modality": c.modality, "patient": c.patient,
                  "sex": c.sex, "age_band": c.age_band, "site": c.site, "scanner": c.scanner, "path": c.path,
                  "sha256": c.sha256, "role": "training" if c.is_training else "study"}
        for key, value in json.loads(c.extra or "{}").items():
            record.setdefault(key, value)
        out.append(record)
    return out


def presented_images(db_url: str | None, name: str, *, include_training: bool = False
                     ) -> Iterator[tuple[str, Truth, bytes]]:
    """Yield ``(blinded id, truth, presented bytes)`` for every study case (streamed, not all in memory)."""
    with store_scope(db_url) as store:
        study = store.study(name)
        for case, image in store.presented_all(study):
            if case.is_training and not include_training:
                continue
            yield case.blinded_id, Truth(case.truth), image.data


def record_event(db_url: str | None, name: str, kind: str, payload: dict[str, Any], *,
                 actor: str | None = None) -> str:
    """Append a custom audit event (e.g. the coordinator's blinding audit); returns the new chain head."""
    if not kind or len(kind) > 64:
        raise InvalidInputError(f"invalid audit event kind {kind!r}")
    _check_json(payload)
    with store_scope(db_url, write=True) as store:
        study = store.study(name, lock=True)
        return store.event(study, kind, payload, actor=actor).hash


def verify_audit_chain(db_url: str | None, name: str) -> AuditVerification:
    """Verify the study's hash chain, its stored head, every rating's digest and the case table's digest."""
    with store_scope(db_url) as store:
        study = store.study(name)
        result = store.verify(study)
        if not result.ok:
            return result
        imports = store.events(study, "cases_imported")
        if imports:
            recorded = json.loads(imports[-1].body)["payload"].get("cases_digest")
            if recorded and recorded != cases_digest(store, study):
                return AuditVerification(study.name, False, result.event_count, result.head_hash, None,
                                         "the case table (truth, paths, generators or ids) changed after import")
    return result


def _check_json(payload: dict[str, Any]) -> str:
    if not isinstance(payload, dict):
        raise InvalidInputError(f"payload must be a dict, got {type(payload).__name__}")
    try:
        return canonical_json(payload)
    except (TypeError, ValueError) as error:
        raise InvalidInputError(f"payload is not plain JSON: {error}") from error


def save_artifact(db_url: str | None, name: str, kind: str, payload: dict[str, Any]) -> int:
    """Store a result with its study (audited as ``artifact_saved`` with its SHA-256); returns its id."""
    if not kind or len(kind) > 64:
        raise InvalidInputError(f"invalid artifact kind {kind!r}")
    text = _check_json(payload)
    import hashlib

    digest = hashlib.sha256(text.encode()).hexdigest()
    with store_scope(db_url, write=True) as store:
        study = store.study(name, lock=True)
        artifact = store.add_artifact(study, kind, text, digest)
        store.event(study, "artifact_saved", {"kind": kind, "artifact_id": artifact.id, "sha256": digest})
        return artifact.id


def load_artifacts(db_url: str | None, name: str, kind: str) -> list[dict[str, Any]]:
    """Payloads of the study's artifacts of ``kind``, oldest first."""
    with store_scope(db_url) as store:
        return [json.loads(a.payload) for a in store.artifacts(store.study(name), kind)]
