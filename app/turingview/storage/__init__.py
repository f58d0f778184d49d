"""turingview.storage: the study store (the only package that imports SQLAlchemy).

Public entry points: :func:`get_engine`, :func:`store_scope` / :class:`StudyStore` (repository inside one
transaction), :class:`RatingLog` (append-only rating log), :func:`verify_chain` (audit), the reader package
file (:mod:`turingview.storage.package`), backups (:mod:`turingview.storage.backup`) and their verified restore
(:mod:`turingview.storage.restore`).
"""

from __future__ import annotations

from turingview.storage.audit import AuditVerification, canonical_json
from turingview.storage.engine import dispose_engines, get_engine, normalise_url
from turingview.storage.ratings import RatingLog
from turingview.storage.repository import OrderItem, StudyStore, store_scope

__all__ = [
    "AuditVerification",
    "OrderItem",
    "RatingLog",
    "StudyStore",
    "canonical_json",
    "dispose_engines",
    "get_engine",
    "normalise_url",
    "store_scope",
]
