"""Provenance and realism results of a stored study, arranged for ``run_analysis`` (no study import here)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from turingview.core.paths import redact_url


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [_jsonable(v) for v in value]
        return str(value)


def latest_realism(artifacts: Any) -> dict[str, Any] | None:
    """The most recent realism-check result among stored artifacts (dicts or objects with a payload).

    Returned whole: ``run_analysis`` keeps ``per_image`` (for the concordance with the readers) and the
    embedded ``figures`` out of ``results.json``'s ``realism`` block.
    """
    items = list(artifacts or [])
    if not items:
        return None
    last = items[-1]
    for attr in ("payload", "data", "content"):
        if isinstance(last, dict) and attr in last and isinstance(last[attr], dict | str):
            last = last[attr]
            break
        if hasattr(last, attr):
            last = getattr(last, attr)
            break
    if isinstance(last, bytes | str):
        last = json.loads(last)
    if not isinstance(last, dict):
        return None
    return _jsonable(dict(last))


def study_provenance(summary: Any, name: str, db_url: str) -> dict[str, Any]:
    """Provenance of a stored study for ``run_analysis(provenance=...)``.

    ``summary`` is what ``turingview.study.get_study`` returns (name, uid, status, seed, settings, audit chain
    head). Export does not import the study layer (the layers are siblings): the caller (the command line,
    the coordinator console) fetches the summary, the rating records and the realism artifacts.
    """
    return {
        "source": f"study {name}",
        "study": name,
        "study_uid": getattr(summary, "uid", None),
        "study_status": str(getattr(summary, "status", "")) or None,
        "seed": getattr(summary, "seed", None),
        "audit_chain_head": getattr(summary, "audit_head", None),
        "audit_events": getattr(summary, "audit_events", None),
        "settings": _jsonable(dict(getattr(summary, "settings", {}) or {})),
        "database": redact_url(db_url),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }


def study_scale_k(summary: Any, default: int = 5) -> int:
    """The number of points of the study's rating scale (``len(scale_labels)``)."""
    labels = getattr(summary, "scale_labels", None) or ()
    return len(labels) if len(labels) >= 2 else default
