"""Run the blinding audit on a stored study and keep the result with it.

:func:`audit_study` is what ``turingview study audit NAME`` and the console's Blinding audit screen call:
the same function, the same result. It reads the study's case records (truth and source file) and its
presented images through the study API, audits the requested stages, and saves the result as the study's
``blinding_audit`` artifact (so the report and the opening step can show which audit was current).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from turingview.core.domain import Truth
from turingview.core.errors import InvalidInputError
from turingview.study.blinding_audit import (
    AuditItem,
    StudyAudit,
    audit_files,
    audit_presented,
    items_from_records,
    make_study_audit,
)

__all__ = ["ARTIFACT_KIND", "STAGES", "audit_study", "blinding_summary", "latest_audit"]

ARTIFACT_KIND = "blinding_audit"
STAGES = ("raw", "presented")

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


def _stage_progress(progress: Progress | None, index: int, n_stages: int) -> Progress | None:
    """Map one stage's (done, total) onto the whole run, so one bar covers both stages."""
    if progress is None:
        return None

    def report(done: int, total: int, message: str) -> None:
        scale = 1000
        overall = index * scale + (done * scale // total if total else scale)
        progress(overall, n_stages * scale, message)

    return report


def audit_study(
    db_url: str | None,
    name: str,
    *,
    stages: tuple[str, ...] = STAGES,
    save: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> StudyAudit:
    """Audit study ``name``'s raw files and/or presented images.

    Parameters
    ----------
    db_url
        The study database (``None``: the default database).
    name
        The study.
    stages
        ``("raw",)``, ``("presented",)`` or both (default). Raw files that moved since import are listed as
        problems, not silently skipped.
    save
        Store the result as the study's ``blinding_audit`` artifact.
    progress, cancel
        ``progress(done, total, message)`` and ``cancel() -> bool`` for long runs; a cancelled audit raises
        :class:`~turingview.core.errors.CancelledError` and saves nothing.

    Returns
    -------
    StudyAudit
        Both stage reports and the verdict; ``to_dict()`` is the ``--json`` output.
    """
    from turingview import study as study_api
    from turingview.study.presentation import decode_presented

    unknown = [s for s in stages if s not in STAGES]
    if unknown or not stages:
        raise InvalidInputError(f"unknown audit stage(s) {unknown or stages!r}: expected 'raw' and/or 'presented'")
    raw = presented = None
    for index, stage in enumerate(stages):
        stage_progress = _stage_progress(progress, index, len(stages))
        if stage == "raw":
            # study cases only, like the presented stage: training cases are shown with their truth anyway
            records = [r for r in study_api.case_records(db_url, name) if r.get("role", "study") == "study"]
            raw = audit_files(items_from_records(records), progress=stage_progress, cancel=cancel)
        else:
            items = [
                AuditItem(case_id=str(blinded), truth=Truth(truth), data=data)
                for blinded, truth, data in study_api.presented_images(db_url, name)
            ]
            presented = audit_presented(items, decode_presented, progress=stage_progress, cancel=cancel)
    result = make_study_audit(name, raw, presented)
    if save:
        study_api.save_artifact(db_url, name, ARTIFACT_KIND, result.to_dict())
    return result


def latest_audit(db_url: str | None, name: str) -> dict[str, Any] | None:
    """The most recently saved audit of study ``name`` (the ``to_dict()`` content), or ``None``."""
    from turingview import study as study_api

    artifacts = study_api.load_artifacts(db_url, name, ARTIFACT_KIND)
    return dict(artifacts[-1]) if artifacts else None


def blinding_summary(db_url: str | None, name: str) -> dict[str, Any] | None:
    """A compact record of the latest audit for a report's provenance: verdict, strong cues, override.

    ``None`` when the study was never audited. Keys: ``verdict``, ``audited_at``, ``unresolved_strong`` and
    ``moderate`` (cue labels), ``resolved_by_presentation`` (cue keys), ``override_reason`` (or ``None``).
    """
    audit = latest_audit(db_url, name)
    if audit is None:
        return None
    decisive = audit.get("presented") or audit.get("raw") or {"cues": []}
    labels = {c["key"]: c["label"] for c in decisive["cues"]}
    return {
        "verdict": audit["verdict"],
        "audited_at": audit["created_at"],
        "unresolved_strong": [labels.get(k, k) for k in audit["unresolved_strong"]],
        "moderate": [c["label"] for c in decisive["cues"] if c["strength"] == "moderate"],
        "resolved_by_presentation": list(audit.get("resolved_by_presentation", [])),
        "override_reason": (audit.get("override") or {}).get("reason"),
    }
