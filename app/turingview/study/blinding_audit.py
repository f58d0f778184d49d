"""The blinding audit: does anything other than what the image shows separate real from synthetic?

Before a study opens, every raw file and every presented (re-encoded) image is described by its non-visual
cues (:mod:`turingview.imaging.header_cues`: matrix size, bit depth and dtype, spacing, slice count,
intensity range and quantisation, format and compression, file size, DICOM attributes, NIfTI header fields).
For each cue the audit measures how well it *alone* separates the classes (an AUC, see
:mod:`turingview.study.blinding_audit_stats`), grades it strong / moderate / none, and says in plain language
what to do about it (:mod:`turingview.study.blinding_audit_remedies`).

Only the presented images reach readers, so a *strong cue on the presented images* is what blocks opening
(:func:`turingview.study.opening.open_study` refuses without an override). Raw-file cues that the
presentation step removes are reported as resolved.

Public API
----------
:func:`audit_cue_table` grades a table of cue dicts; :func:`audit_files` and :func:`audit_presented` build
that table from files or presented bytes (with progress and cancel); :func:`audit_study` runs both on a
stored study and returns a :class:`StudyAudit` whose :meth:`StudyAudit.to_dict` is the ``--json`` output and
the saved ``blinding_audit`` artifact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from turingview.core.domain import Truth
from turingview.core.errors import CancelledError, ImageLoadError, InvalidInputError
from turingview.imaging.header_cues import ABSENT, file_cues, volume_cues
from turingview.study.blinding_audit_remedies import cue_label, cue_remedy
from turingview.study.blinding_audit_stats import (
    MIN_PER_CLASS,
    MODERATE_AUC,
    STRONG_AUC,
    categorical_separation,
    chance_bound,
    grade,
    numeric_separation,
)

__all__ = [
    "AuditItem",
    "AuditReport",
    "CueResult",
    "StudyAudit",
    "audit_cue_table",
    "audit_files",
    "audit_presented",
]

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
CueDict = Mapping[str, float | str | None]

#: Cue-key namespaces whose keys are "absent" (not "not applicable") when missing from a file of that kind.
_NAMESPACES = ("dicom", "nifti", "raster", "presented")
_STRENGTH_ORDER = {"strong": 0, "moderate": 1, "too few cases": 2, "none": 3}


@dataclass(frozen=True)
class AuditItem:
    """One case to audit: an id the coordinator recognises, its truth and its file (or encoded bytes)."""

    case_id: str
    truth: Truth
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class CueResult:
    """How well one cue separates the classes, and what to do about it."""

    key: str
    label: str
    kind: str  # "numeric" or "categorical"
    auc: float
    strength: str  # "strong", "moderate", "none", "too few cases"
    n_real: int
    n_synthetic: int
    finding: str  # one sentence: how the classes differ
    remedy: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "kind": self.kind,
            "auc": round(self.auc, 4),
            "strength": self.strength,
            "n_real": self.n_real,
            "n_synthetic": self.n_synthetic,
            "finding": self.finding,
            "remedy": self.remedy,
            "details": self.details,
        }


@dataclass(frozen=True)
class AuditReport:
    """The audit of one stage (``"raw"`` files or ``"presented"`` images)."""

    stage: str
    n_real: int
    n_synthetic: int
    cues: tuple[CueResult, ...]
    n_identical: int  # cues with the same value in every case (no difference at all)
    problems: tuple[str, ...] = ()

    @property
    def strong(self) -> tuple[CueResult, ...]:
        return tuple(c for c in self.cues if c.strength == "strong")

    @property
    def moderate(self) -> tuple[CueResult, ...]:
        return tuple(c for c in self.cues if c.strength == "moderate")

    def cue(self, key: str) -> CueResult | None:
        """The result of one cue key, or ``None`` if it was not compared (identical or never present)."""
        return next((c for c in self.cues if c.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "n_real": self.n_real,
            "n_synthetic": self.n_synthetic,
            "n_cues_identical": self.n_identical,
            "n_strong": len(self.strong),
            "n_moderate": len(self.moderate),
            "problems": list(self.problems),
            "cues": [c.to_dict() for c in self.cues],
        }


def thresholds() -> dict[str, Any]:
    """The grading rules, recorded with every audit so a saved result can be read later."""
    return {
        "strong_auc": STRONG_AUC,
        "moderate_auc": MODERATE_AUC,
        "min_cases_per_class": MIN_PER_CLASS,
        "chance_bound": "folded AUC must also exceed 0.5 + 1.96*sqrt((n_r+n_s+1)/(12*n_r*n_s)), capped at 1",
        "numeric_auc": "Mann-Whitney AUC folded to max(AUC, 1-AUC)",
        "categorical_auc": "max(best single-category split AUC, AUC of leave-one-out class-frequency score)",
    }


# ---------------------------------------------------------------------------------------------- grading
def _fmt(value: float) -> str:
    """Values of 1,000 and more as whole numbers with thousands separators (file sizes), else 4 significant digits."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _values(counts: Mapping[str, int], n: int, top: int = 2) -> str:
    shown = ", ".join(f"'{value}' ({count}/{n})" for value, count in list(counts.items())[:top])
    return shown + (", ..." if len(counts) > top else "")


def _fill_missing(table: Sequence[CueDict], key: str) -> list[float | str | None]:
    namespace = key.split(".", 1)[0]
    out: list[float | str | None] = []
    for cues in table:
        if key in cues:
            out.append(cues[key])
        elif namespace in _NAMESPACES and any(k.startswith(namespace + ".") for k in cues):
            out.append(ABSENT)
        else:
            out.append(None)
    return out


def _numeric_result(key: str, real: list[float], synthetic: list[float], *, presented: bool) -> CueResult:
    sep = numeric_separation(real, synthetic)
    strength = grade(sep.auc, sep.n_real, sep.n_synthetic)
    if sep.higher_in == "neither":
        finding = (
            f"similar in both classes (medians {_fmt(sep.real_median)} real, "
            f"{_fmt(sep.synthetic_median)} synthetic)"
        )
    else:
        finding = (
            f"higher in {sep.higher_in} cases: real {_fmt(sep.real_range[0])}..{_fmt(sep.real_range[1])} "
            f"(median {_fmt(sep.real_median)}), "
            f"synthetic {_fmt(sep.synthetic_range[0])}..{_fmt(sep.synthetic_range[1])} "
            f"(median {_fmt(sep.synthetic_median)})"
        )
    return CueResult(
        key=key,
        label=cue_label(key),
        kind="numeric",
        auc=sep.auc,
        strength=strength,
        n_real=sep.n_real,
        n_synthetic=sep.n_synthetic,
        finding=finding,
        remedy=cue_remedy(key, presented=presented),
        details={
            "higher_in": sep.higher_in,
            "real_range": list(sep.real_range),
            "synthetic_range": list(sep.synthetic_range),
            "real_median": sep.real_median,
            "synthetic_median": sep.synthetic_median,
            "chance_bound": round(chance_bound(sep.n_real, sep.n_synthetic), 4),
        },
    )


def _categorical_result(key: str, real: list[str], synthetic: list[str], *, presented: bool) -> CueResult:
    sep = categorical_separation(real, synthetic)
    strength = grade(sep.auc, sep.n_real, sep.n_synthetic, perfect_categorical=sep.perfect)
    cat = sep.best_category
    finding = (
        f"real: {_values(sep.real_counts, sep.n_real)}; "
        f"synthetic: {_values(sep.synthetic_counts, sep.n_synthetic)}"
    )
    if cat and not sep.perfect:
        finding += f" ('{cat}': {sep.share_real:.0%} of real, {sep.share_synthetic:.0%} of synthetic)"
    top = 8
    return CueResult(
        key=key,
        label=cue_label(key),
        kind="categorical",
        auc=sep.auc,
        strength=strength,
        n_real=sep.n_real,
        n_synthetic=sep.n_synthetic,
        finding=finding,
        remedy=cue_remedy(key, presented=presented),
        details={
            "auc_split": round(sep.auc_split, 4),
            "auc_frequency": round(sep.auc_frequency, 4),
            "best_category": cat,
            "perfect_split": sep.perfect,
            "real_values": dict(list(sep.real_counts.items())[:top]),
            "synthetic_values": dict(list(sep.synthetic_counts.items())[:top]),
            "chance_bound": round(chance_bound(sep.n_real, sep.n_synthetic), 4),
        },
    )


def _cue_results(key: str, values: list[float | str | None], truths: Sequence[Truth], *, presented: bool):
    numeric = [(v, t) for v, t in zip(values, truths, strict=True) if isinstance(v, float | int)]
    text = [(v, t) for v, t in zip(values, truths, strict=True) if isinstance(v, str)]
    results: list[CueResult] = []
    if numeric:
        finite = [(float(v), t) for v, t in numeric if math.isfinite(float(v))]
        real = [v for v, t in finite if t is Truth.REAL]
        syn = [v for v, t in finite if t is Truth.SYNTHETIC]
        if real and syn and len({v for v, _ in finite}) > 1:
            results.append(_numeric_result(key, real, syn, presented=presented))
    if text:
        # cases with a number count as "present" next to the text categories (absent, unset...)
        both = text + [("(present)", t) for _, t in numeric] if numeric else text
        real_c = [v for v, t in both if t is Truth.REAL]
        syn_c = [v for v, t in both if t is Truth.SYNTHETIC]
        if real_c and syn_c and len({v for v, _ in both}) > 1:
            results.append(_categorical_result(key, real_c, syn_c, presented=presented))
    return results


def audit_cue_table(
    table: Sequence[CueDict], truths: Sequence[Truth], *, stage: str, problems: Sequence[str] = ()
) -> AuditReport:
    """Grade every cue of a table of per-case cue dicts (one dict per case, aligned with ``truths``).

    Cues with the same value in every case are counted in ``n_identical`` and not listed. Results are
    sorted strongest first, then by AUC.
    """
    if len(table) != len(truths):
        raise InvalidInputError(f"{len(table)} cue sets for {len(truths)} cases")
    presented = stage == "presented"
    keys = sorted({k for cues in table for k in cues})
    results: list[CueResult] = []
    identical = 0
    for key in keys:
        found = _cue_results(key, _fill_missing(table, key), truths, presented=presented)
        if not found:
            identical += 1
        results.extend(found)
    # file size follows from the other cues (type, matrix, compression): list it after its causes
    results.sort(key=lambda c: (_STRENGTH_ORDER[c.strength], c.key == "file.size_bytes", -c.auc, c.key))
    return AuditReport(
        stage=stage,
        n_real=sum(1 for t in truths if t is Truth.REAL),
        n_synthetic=sum(1 for t in truths if t is Truth.SYNTHETIC),
        cues=tuple(results),
        n_identical=identical,
        problems=tuple(problems),
    )


# ---------------------------------------------------------------------------------------------- stages
def _collect(
    items: Sequence[AuditItem],
    describe: Callable[[AuditItem], CueDict],
    *,
    stage: str,
    progress: Progress | None,
    cancel: Cancel | None,
) -> AuditReport:
    table: list[CueDict] = []
    truths: list[Truth] = []
    problems: list[str] = []
    total = len(items)
    for done, item in enumerate(items):
        if cancel is not None and cancel():
            raise CancelledError(f"blinding audit ({stage}) cancelled after {done} of {total} cases")
        if progress is not None:
            progress(done, total, f"{stage}: {item.case_id}")
        try:
            table.append(describe(item))
            truths.append(item.truth)
        except ImageLoadError as exc:
            problems.append(f"{item.case_id}: {exc}")
    if progress is not None:
        progress(total, total, f"{stage}: done")
    return audit_cue_table(table, truths, stage=stage, problems=problems)


def audit_files(
    items: Sequence[AuditItem], *, progress: Progress | None = None, cancel: Cancel | None = None
) -> AuditReport:
    """Audit the raw files (each item's ``path``) as stored on disk.

    Files that cannot be read are listed in ``problems`` (naming the case and file) and left out.
    """
    for item in items:
        if item.path is None:
            raise InvalidInputError(f"case {item.case_id}: no file path to audit")
    return _collect(items, lambda item: file_cues(item.path), stage="raw", progress=progress, cancel=cancel)


def audit_presented(
    items: Sequence[AuditItem],
    decode: Callable[[bytes], Any],
    *,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> AuditReport:
    """Audit presented images (each item's ``data``: the bytes readers receive), decoded by ``decode``."""

    def describe(item: AuditItem) -> CueDict:
        if item.data is None:
            raise InvalidInputError(f"case {item.case_id}: no presented image")
        try:
            volume = decode(item.data)
        except ImageLoadError:
            raise
        except Exception as exc:
            raise ImageLoadError(f"<presented {item.case_id}>", f"cannot decode: {exc}") from exc
        return volume_cues(volume, encoded_size=len(item.data))

    return _collect(items, describe, stage="presented", progress=progress, cancel=cancel)


# ---------------------------------------------------------------------------------------------- study level
@dataclass(frozen=True)
class StudyAudit:
    """Both stages of a study's audit and the verdict that decides whether it may open."""

    study: str
    raw: AuditReport | None
    presented: AuditReport | None
    created_at: datetime

    @property
    def decisive(self) -> AuditReport:
        """What readers will see decides: the presented audit if run, else the raw one."""
        report = self.presented if self.presented is not None else self.raw
        if report is None:
            raise InvalidInputError("an audit needs at least one stage")
        return report

    @property
    def unresolved_strong(self) -> tuple[CueResult, ...]:
        """Strong cues that readers could still exploit (strong on the decisive stage)."""
        return self.decisive.strong

    @property
    def resolved_by_presentation(self) -> tuple[CueResult, ...]:
        """Raw-file strong cues that the presentation step removed."""
        if self.raw is None or self.presented is None:
            return ()
        still = {c.key for c in self.presented.strong}
        return tuple(c for c in self.raw.strong if c.key not in still)

    @property
    def verdict(self) -> str:
        """``"blocked"`` (unresolved strong cue), ``"warning"`` (moderate cues only) or ``"clean"``."""
        if self.unresolved_strong:
            return "blocked"
        if self.decisive.moderate:
            return "warning"
        return "clean"

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "created_at": self.created_at.isoformat(),
            "verdict": self.verdict,
            "thresholds": thresholds(),
            "unresolved_strong": [c.key for c in self.unresolved_strong],
            "resolved_by_presentation": [c.key for c in self.resolved_by_presentation],
            "raw": self.raw.to_dict() if self.raw is not None else None,
            "presented": self.presented.to_dict() if self.presented is not None else None,
        }


def make_study_audit(study: str, raw: AuditReport | None, presented: AuditReport | None) -> StudyAudit:
    """Bundle stage reports with the current UTC time."""
    return StudyAudit(study=study, raw=raw, presented=presented, created_at=datetime.now(UTC))


def items_from_records(records: Iterable[Any], *, data_field: str | None = None) -> list[AuditItem]:
    """Turn study records (objects or mappings with ``case_id``, ``truth`` and ``path`` or bytes) into items."""
    items: list[AuditItem] = []
    for record in records:
        get = record.get if isinstance(record, Mapping) else lambda name, r=record: getattr(r, name, None)
        truth = get("truth")
        truth = truth if isinstance(truth, Truth) else Truth.parse(str(truth))
        case_id = str(get("case_id"))
        if data_field is None:
            path = get("path")
            items.append(AuditItem(case_id=case_id, truth=truth, path=Path(path) if path else None))
        else:
            items.append(AuditItem(case_id=case_id, truth=truth, data=get(data_field)))
    return items
