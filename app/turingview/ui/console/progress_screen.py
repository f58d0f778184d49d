"""Progress: per reader, cases done, time per case, last activity; who has finished; packages out and back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from turingview.ui.console.backend import ConsoleBackend
from turingview.ui.console.tasks import TaskHandle, TaskRunner
from turingview.ui.console.widgets import (
    VisibleRefreshTimer,
    banner,
    fill_table,
    heading,
    make_table,
    muted,
    set_banner,
)

READER_COLUMNS = ("Reader", "Cases done", "Of", "Done", "Median time / case", "Training", "Last activity", "State")
PACKAGE_COLUMNS = ("When (UTC)", "Event", "Reader", "Detail")
REFRESH_MS = 15_000


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """``"2026-11-22 10:41 (5 min ago)"``; en dash when never."""
    if when is None:
        return "–"
    now = now or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 90:
        rel = f"{seconds} s ago"
    elif seconds < 5400:
        rel = f"{seconds // 60} min ago"
    elif seconds < 172800:
        rel = f"{seconds // 3600} h ago"
    else:
        rel = f"{seconds // 86400} days ago"
    return f"{when:%Y-%m-%d %H:%M} ({rel})"


def reader_rows(progress: list[Any]) -> list[tuple[Any, ...]]:
    rows = []
    for p in progress:
        pct = f"{100 * p.done / p.total:.0f}%" if p.total else "–"
        median = f"{p.median_seconds:.1f} s" if p.median_seconds is not None else None
        training = f"{p.training_done} / {p.training_total}" if p.training_total else "–"
        rows.append((p.reader, p.done, p.total, pct, median, training, ago(p.last_activity),
                     "finished" if p.finished else ("not started" if not p.done else "in progress")))
    return rows


class ProgressScreen(QWidget):
    """Reading progress of the current study, refreshed on a timer while visible and on demand."""

    def __init__(self, backend: ConsoleBackend, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.study: str | None = None
        self.progress: list[Any] = []
        layout = QVBoxLayout(self)
        self.title = heading("Progress")
        layout.addWidget(self.title)
        row = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh")
        self.auto = QCheckBox(f"Refresh every {REFRESH_MS // 1000} s")
        self.auto.setChecked(True)
        self.export_button = QPushButton("Export reader package…")
        self.import_button = QPushButton("Import returned ratings…")
        row.addWidget(self.refresh_button)
        row.addWidget(self.auto)
        row.addStretch(1)
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        layout.addLayout(row)
        self.summary = banner("")
        layout.addWidget(self.summary)
        self.readers = make_table(READER_COLUMNS, stretch=6)
        layout.addWidget(self.readers, 3)
        layout.addWidget(QLabel("Reader packages out and back"))
        layout.addWidget(muted("Air-gapped readers get a self-contained package; their ratings come back as the "
                               "same file and are merged (verified, idempotent)."))
        self.packages = make_table(PACKAGE_COLUMNS, stretch=3)
        layout.addWidget(self.packages, 2)
        self.updated = muted("")
        layout.addWidget(self.updated)
        self.timer = VisibleRefreshTimer(self, self.auto, REFRESH_MS, self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.ask_export)
        self.import_button.clicked.connect(self.ask_import)
        self._loading: TaskHandle | None = None

    def set_study(self, name: str | None) -> None:
        self.study = name
        self.title.setText(f"Progress — {name}" if name else "Progress")
        fill_table(self.readers, [])
        fill_table(self.packages, [])
        self.refresh()

    def refresh(self) -> TaskHandle | None:
        if self.study is None or (self._loading is not None and self._loading.running):
            return None
        name, backend = self.study, self.backend
        self._loading = self.runner.submit(
            "reading progress", lambda: (backend.study_progress(name), backend.package_log(name)),
            on_done=lambda pair: self._show(name, *pair))
        return self._loading

    def _show(self, name: str, progress: list[Any], packages: list[dict]) -> None:
        if name != self.study:
            return
        self.progress = list(progress)
        fill_table(self.readers, reader_rows(self.progress),
                   colours=["#6fbf8e" if p.finished else None for p in self.progress])
        fill_table(self.packages, [(p["when"], p["event"], p["reader"], p["detail"]) for p in packages])
        finished = [p.reader for p in self.progress if p.finished]
        done = sum(p.done for p in self.progress)
        total = sum(p.total for p in self.progress)
        if not self.progress:
            set_banner(self.summary, "No readers assigned yet.", "info")
        else:
            level = "ok" if len(finished) == len(self.progress) else "info"
            who = ", ".join(finished) if finished else "none yet"
            set_banner(self.summary, f"{len(finished)} of {len(self.progress)} reader(s) finished ({who}); "
                       f"{done} of {total} study ratings in ({100 * done / max(total, 1):.0f}%).", level)
        self.updated.setText(f"Updated {datetime.now(UTC):%H:%M:%S} UTC")

    # packages --------------------------------------------------------------------------------------------
    def ask_export(self) -> None:
        if self.study is None or not self.progress:
            return
        from PySide6.QtWidgets import QInputDialog

        readers = [p.reader for p in self.progress]
        reader, ok = QInputDialog.getItem(self, "Export reader package", "Reader:", readers, 0, False)
        if not ok:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save reader package", f"{self.study}-{reader}.tvpkg",
                                              "Reader package (*.tvpkg)")
        if path:
            self.export_package(reader, Path(path))

    def export_package(self, reader: str, out: Path) -> TaskHandle | None:
        if self.study is None:
            return None
        name, backend = self.study, self.backend
        return self.runner.submit("export reader package",
                                  lambda: backend.export_reader_package(name, reader, out),
                                  on_done=lambda path: (self.updated.setText(f"Package written: {path}"),
                                                        self.refresh()))

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import returned ratings", "", "Reader package (*.tvpkg);;All (*)")
        if path:
            self.import_package(Path(path))

    def import_package(self, path: Path) -> TaskHandle:
        backend = self.backend
        return self.runner.submit(
            "import ratings", lambda: backend.import_ratings(path),
            on_done=lambda s: (self.updated.setText(f"Imported {s.added} rating(s) of reader {s.reader} "
                                                    f"({s.already_present} already present)."), self.refresh()))
