"""Opening a study to readers, guarded by the blinding audit.

``turingview study open NAME [--override REASON]`` and the console's *Open study* button both call
:func:`open_study`. It re-runs the audit on the raw files *and* on the presented images (what readers will
actually see), saves the result with the study, and refuses with a :class:`StudyStateError` naming the cues
when a strong cue survives presentation, unless the coordinator gives an override reason. The override,
the cues it covers and the audit verdict are written to the study's audit trail and so reach the report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from turingview.core.domain import StudyStatus
from turingview.core.errors import InvalidInputError, StudyStateError
from turingview.study.blinding_audit import StudyAudit
from turingview.study.blinding_audit_run import ARTIFACT_KIND, audit_study

__all__ = ["OpenResult", "open_study"]

#: An override reason must say something: at least this many characters once trimmed.
MIN_REASON_CHARS = 10


@dataclass(frozen=True)
class OpenResult:
    """What :func:`open_study` did: the audit it ran and whether an override was needed."""

    study: str
    audit: StudyAudit
    overridden: bool
    override_reason: str | None


def _describe(audit: StudyAudit) -> str:
    return "; ".join(f"{c.label} (AUC {c.auc:.2f}: {c.finding})" for c in audit.unresolved_strong)


def open_study(
    db_url: str | None,
    name: str,
    *,
    override_reason: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> OpenResult:
    """Audit study ``name`` and set it OPEN if no strong cue survives, or if an override reason is given.

    Raises
    ------
    StudyStateError
        A strong cue is unresolved and no override reason was given (the message names every cue), or the
        study is not in the DRAFT state.
    InvalidInputError
        The override reason is blank or shorter than :data:`MIN_REASON_CHARS` characters.
    """
    from turingview import study as study_api

    reason = (override_reason or "").strip() or None
    if override_reason is not None and (reason is None or len(reason) < MIN_REASON_CHARS):
        raise InvalidInputError(
            f"override reason {override_reason!r} is too short: say why readers cannot exploit the cues "
            f"(at least {MIN_REASON_CHARS} characters)"
        )
    info = study_api.get_study(db_url, name)
    status = str(getattr(info, "status", "") or "")
    if status and status != StudyStatus.DRAFT.value:
        raise StudyStateError(f"study {name!r} is {status}, not draft: only a draft study can be opened")
    audit = audit_study(db_url, name, save=False, progress=progress, cancel=cancel)
    cues = audit.unresolved_strong
    if cues and reason is None:
        study_api.save_artifact(db_url, name, ARTIFACT_KIND, audit.to_dict())
        raise StudyStateError(
            f"study {name!r} cannot open: {len(cues)} strong blinding cue(s) survive presentation: "
            f"{_describe(audit)}. Fix the source files and re-create the study, or open with an override reason."
        )
    record = audit.to_dict()
    payload = {
        "verdict": audit.verdict,
        "unresolved_strong": [c.key for c in cues],
        "moderate": [c.key for c in audit.decisive.moderate],
        "audit_created_at": audit.created_at.isoformat(),
    }
    if cues:
        payload["override_reason"] = reason
        record["override"] = {"reason": reason, "cues": [c.key for c in cues]}
        study_api.record_event(db_url, name, "blinding_override", payload)
    # the audit that opened the study, with its override, is the study's latest blinding_audit artifact
    study_api.save_artifact(db_url, name, ARTIFACT_KIND, record)
    status_reason = f"blinding audit {audit.verdict}" + (f"; override: {reason}" if cues else "")
    study_api.set_study_status(db_url, name, StudyStatus.OPEN, reason=status_reason)
    return OpenResult(study=name, audit=audit, overridden=bool(cues), override_reason=reason if cues else None)
