"""What the coordinator console needs from the layers below, as an injected, Qt-free interface.

The UI may not import the study/storage stack (only ``storage`` reaches SQLAlchemy, even indirectly), so the
top layer builds a :class:`ConsoleBackend` over :mod:`turingview.study`, :mod:`turingview.export` and
:mod:`turingview.realism` (:class:`turingview.cli.study_audit.ConsoleStudyBackend`) and hands it to
:func:`turingview.ui.console.run_console`. Every method is a plain blocking call into the same functions the
command line uses; the screens run them off the GUI thread through :class:`~turingview.ui.console.tasks.TaskRunner`.
Methods that take ``progress(done, total, message)`` and ``cancel() -> bool`` are the long tasks.
Errors are :class:`~turingview.core.errors.TuringViewError` and are shown at the console's one boundary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from turingview.core.domain import DEFAULT_SCALE_LABELS

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

#: Export formats offered on the Results screen: key -> (button text, file-dialog filter, default file name).
EXPORT_FORMATS: dict[str, tuple[str, str, str]] = {
    "csv": ("CSV tables", "Folder", "tables"),
    "xlsx": ("Excel workbook", "Excel (*.xlsx)", "results.xlsx"),
    "json": ("JSON results", "JSON (*.json)", "results.json"),
    "html": ("HTML report", "HTML (*.html)", "report.html"),
    "pdf": ("PDF report", "PDF (*.pdf)", "report.pdf"),
    "imrmc": ("iMRMC input", "iMRMC (*.imrmc)", "ratings.imrmc"),
    "rjafroc": ("RJafroc workbook", "Excel (*.xlsx)", "ratings_rjafroc.xlsx"),
}


@dataclass(frozen=True)
class CreateRequest:
    """Everything the New study wizard collects: the arguments of ``turingview study create``."""

    name: str
    real_dirs: tuple[Path, ...] = ()
    synthetic_dirs: tuple[Path, ...] = ()
    manifest: Path | None = None
    training_manifest: Path | None = None
    readers: tuple[str, ...] = ()
    seed: int | None = None
    repeat_fraction: float = 0.0
    protocol_text: str = ""
    scale_labels: tuple[str, ...] = DEFAULT_SCALE_LABELS
    allow_back: bool = False
    allow_changes: bool = False
    binary_call: bool = False


@dataclass(frozen=True)
class SampleImages:
    """Thumbnails of a sample of each class: ``arrays`` are uint8 slices rendered as a reader sees them."""

    real: Sequence[Any] = field(default_factory=tuple)
    synthetic: Sequence[Any] = field(default_factory=tuple)
    counts: dict[str, int] = field(default_factory=dict)
    problems: Sequence[str] = field(default_factory=tuple)


class ConsoleBackend(Protocol):
    """The coordinator's operations (each also reachable from ``turingview study ...`` / ``analyze``)."""

    def describe(self) -> str:
        """The database in words, without credentials."""
        ...

    def default_protocol(self) -> str:
        """The protocol text ``turingview study create`` uses when none is given (the wizard's starting text)."""
        ...

    # studies ---------------------------------------------------------------------------------------
    def list_studies(self) -> Sequence[Any]:
        """Study summaries (name, status, n_cases, n_real, n_synthetic, n_training, readers, seed, created_at)."""
        ...

    def get_study(self, name: str) -> Any:
        ...

    def create_study(self, request: CreateRequest, *, progress: Progress, cancel: Cancel) -> Any:
        """All-or-nothing import (``ImportProblemsError`` lists problems per file); returns the summary."""
        ...

    def sample_images(self, real_dirs: Sequence[Path], synthetic_dirs: Sequence[Path], manifest: Path | None,
                      *, per_class: int, progress: Progress, cancel: Cancel) -> SampleImages:
        ...

    def clone_study(self, name: str, new_name: str, *, seed: int | None) -> Any:
        ...

    def archive_study(self, name: str, *, reason: str) -> Any:
        ...

    def close_study(self, name: str, *, reason: str) -> Any:
        ...

    # blinding audit ----------------------------------------------------------------------------------
    def audit_study(self, name: str, *, stages: tuple[str, ...], progress: Progress, cancel: Cancel) -> dict:
        """Run and save the audit; returns ``StudyAudit.to_dict()`` (the ``--json`` output)."""
        ...

    def latest_audit(self, name: str) -> dict | None:
        ...

    def open_study(self, name: str, *, override_reason: str | None, progress: Progress, cancel: Cancel) -> dict:
        """Audit and open (``StudyStateError`` naming the cues without an override)."""
        ...

    # progress ------------------------------------------------------------------------------------------
    def study_progress(self, name: str) -> Sequence[Any]:
        """Per reader: reader, done, total, median_seconds, last_activity, finished, training_done/total."""
        ...

    def package_log(self, name: str) -> Sequence[dict]:
        """Reader packages exported and ratings imported: dicts with ``when``, ``event``, ``reader``, ``detail``."""
        ...

    def export_reader_package(self, name: str, reader: str, out: Path) -> Path:
        ...

    def import_ratings(self, path: Path) -> Any:
        ...

    # results ---------------------------------------------------------------------------------------------
    def analyse(self, name: str, *, progress: Progress, cancel: Cancel) -> tuple[dict, Path]:
        """Run the analysis on the current ratings; returns ``(results.json content, output folder)``."""
        ...

    def export(self, name: str, fmt: str, dest: Path, *, progress: Progress, cancel: Cancel) -> Path:
        """Write one export format (a key of :data:`EXPORT_FORMATS`) to ``dest``; returns what was written."""
        ...

    def realism_check(self, name: str, *, progress: Progress, cancel: Cancel) -> dict:
        """The torch domain-classifier check (torch imported here, on demand)."""
        ...
