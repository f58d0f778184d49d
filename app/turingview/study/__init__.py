"""turingview.study: study lifecycle (creation, orders, presentation, reader packages, audit).

See docs/study.md for the API and the command line.
"""

from __future__ import annotations

from turingview.core.domain import DEFAULT_SCALE_LABELS
from turingview.storage import AuditVerification
from turingview.study.create import create_study
from turingview.study.presentation import decode_presented, present
from turingview.study.reading import open_reading_source
from turingview.study.records import ImportSummary, ReaderProgress, StudySummary
from turingview.study.service import (
    add_reader,
    archive_study,
    case_records,
    clone_study,
    get_study,
    list_studies,
    load_artifacts,
    presented_images,
    ratings_records,
    record_event,
    save_artifact,
    set_study_status,
    study_progress,
    verify_audit_chain,
)

__all__ = [
    "DEFAULT_SCALE_LABELS",
    "AuditVerification",
    "ImportSummary",
    "ReaderProgress",
    "StudySummary",
    "add_reader",
    "archive_study",
    "case_records",
    "clone_study",
    "create_study",
    "decode_presented",
    "export_reader_package",
    "get_study",
    "import_ratings",
    "list_studies",
    "load_artifacts",
    "open_reader_package",
    "open_reading_source",
    "present",
    "presented_images",
    "ratings_records",
    "record_event",
    "save_artifact",
    "set_study_status",
    "study_progress",
    "verify_audit_chain",
]


def __getattr__(name: str):  # reader packages: imported on first use
    if name in ("export_reader_package", "import_ratings", "open_reader_package"):
        from turingview.study import packages

        return getattr(packages, name)
    raise AttributeError(f"module 'turingview.study' has no attribute {name!r}")
