"""Result types of the study API (frozen, plain Python: safe to hand to any layer)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from turingview.core.domain import StudyStatus


@dataclass(frozen=True)
class StudySummary:
    """What a coordinator sees of a study (no per-case truth).

    ``audit_head`` is the hash of the newest audit event and ``audit_events`` the chain length.
    """

    name: str
    uid: str
    status: StudyStatus
    seed: int
    n_cases: int
    n_real: int
    n_synthetic: int
    n_training: int
    readers: tuple[str, ...]
    settings: Mapping[str, Any]
    protocol_text: str
    scale_labels: tuple[str, ...]
    created_at: datetime
    audit_head: str
    audit_events: int


@dataclass(frozen=True)
class ReaderProgress:
    """Progress of one reader: study cases answered (training excluded), pace and last activity."""

    reader: str
    done: int
    total: int
    median_seconds: float | None
    last_activity: datetime | None
    finished: bool
    training_done: int = 0
    training_total: int = 0


@dataclass(frozen=True)
class ImportSummary:
    """Outcome of :func:`turingview.study.import_ratings`."""

    study: str
    reader: str
    package_id: str
    added: int
    already_present: int
    problems: tuple[str, ...] = field(default_factory=tuple)
