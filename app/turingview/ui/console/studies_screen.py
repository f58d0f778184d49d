"""Studies: every study with its status and reading progress; create, clone, archive, and go to a study."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLineEdit, QPushButton, QVBoxLayout, QWidget

from turingview.ui.console.backend import ConsoleBackend
from turingview.ui.console.tasks import TaskRunner
from turingview.ui.console.widgets import fill_table, heading, make_table, muted

COLUMNS = ("Study", "Status", "Cases", "Real", "Synthetic", "Training", "Readers", "Ratings done", "Seed", "Created")
STATUS_COLOURS = {"draft": "#d6a55b", "open": "#6fbf8e", "closed": "#8b919c", "archived": "#5b606a"}


def progress_text(progress: Any) -> str:
    """``"41 / 120 (34%)"`` summed over readers, from ``study_progress`` rows."""
    done = sum(p.done for p in progress)
    total = sum(p.total for p in progress)
    if not total:
        return "–"
    return f"{done} / {total} ({100 * done / total:.0f}%)"


class StudiesScreen(QWidget):
    """The list of studies. ``study_selected`` carries the chosen study's name to the other screens."""

    study_selected = Signal(str)
    new_study_requested = Signal()
    navigate = Signal(str, str)  # (screen key, study name)

    def __init__(self, backend: ConsoleBackend, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.summaries: list[Any] = []
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Studies"))
        layout.addWidget(muted(f"Database: {backend.describe()}"))
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New study…")
        self.new_button.setObjectName("primary")
        self.clone_button = QPushButton("Clone…")
        self.archive_button = QPushButton("Archive…")
        self.audit_button = QPushButton("Blinding audit")
        self.progress_button = QPushButton("Progress")
        self.results_button = QPushButton("Results")
        self.refresh_button = QPushButton("Refresh")
        for button in (self.new_button, self.clone_button, self.archive_button, self.audit_button,
                       self.progress_button, self.results_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        self.table = make_table(COLUMNS, stretch=0)
        layout.addWidget(self.table, 1)

        self.new_button.clicked.connect(self.new_study_requested)
        self.clone_button.clicked.connect(self.clone_selected)
        self.archive_button.clicked.connect(self.archive_selected)
        self.refresh_button.clicked.connect(self.refresh)
        self.audit_button.clicked.connect(lambda: self._go("audit"))
        self.progress_button.clicked.connect(lambda: self._go("progress"))
        self.results_button.clicked.connect(lambda: self._go("results"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.cellDoubleClicked.connect(lambda *_: self._go("progress"))
        self._selection_changed()

    # data --------------------------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        """Reload the list (off the GUI thread), keeping or setting the selection."""
        keep = select or self.selected_name()
        backend = self.backend

        def load() -> list[tuple[Any, Any]]:
            return [(s, backend.study_progress(s.name)) for s in backend.list_studies()]

        self.refresh_button.setEnabled(False)
        handle = self.runner.submit("list studies", load, on_done=lambda rows: self._show(rows, keep))
        handle.ended.connect(lambda: self.refresh_button.setEnabled(True))

    def _show(self, rows: list[tuple[Any, Any]], keep: str | None) -> None:
        self.summaries = [s for s, _ in rows]
        table_rows = []
        colours = []
        for s, progress in rows:
            status = str(getattr(s.status, "value", s.status))
            table_rows.append((s.name, status, s.n_cases, s.n_real, s.n_synthetic, s.n_training,
                               ", ".join(s.readers) or "–", progress_text(progress), str(s.seed),
                               s.created_at.strftime("%Y-%m-%d %H:%M")))
            colours.append(None)
        fill_table(self.table, table_rows, colours=colours)
        for r, (s, _) in enumerate(rows):
            status = str(getattr(s.status, "value", s.status))
            item = self.table.item(r, 1)
            from PySide6.QtGui import QColor

            item.setForeground(QColor(STATUS_COLOURS.get(status, "#d7dae0")))
        if keep is not None:
            for r, s in enumerate(self.summaries):
                if s.name == keep:
                    self.table.selectRow(r)
        self._selection_changed()

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.text() if item is not None else None

    def _selection_changed(self) -> None:
        name = self.selected_name()
        for button in (self.clone_button, self.archive_button, self.audit_button, self.progress_button,
                       self.results_button):
            button.setEnabled(name is not None)
        if name is not None:
            self.study_selected.emit(name)

    def _go(self, screen: str) -> None:
        name = self.selected_name()
        if name is not None:
            self.navigate.emit(screen, name)

    # actions ---------------------------------------------------------------------------------------------
    def clone_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        new_name, ok = QInputDialog.getText(self, "Clone study", f"Name of the copy of {name!r} (same cases, "
                                            "settings and readers; new blinded ids, orders and seed):",
                                            QLineEdit.EchoMode.Normal, f"{name}-copy")
        if ok and new_name.strip():
            self.clone(name, new_name.strip())

    def clone(self, name: str, new_name: str, seed: int | None = None) -> Any:
        return self.runner.submit("clone study", lambda: self.backend.clone_study(name, new_name, seed=seed),
                                  on_done=lambda summary: self.refresh(select=summary.name))

    def archive_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        reason, ok = QInputDialog.getText(self, "Archive study", f"Archive {name!r}? It becomes read-only for "
                                          "good (nothing is deleted). Reason, for the audit trail:",
                                          QLineEdit.EchoMode.Normal, "study completed")
        if ok:
            self.archive(name, reason.strip() or "archived")

    def archive(self, name: str, reason: str) -> Any:
        return self.runner.submit("archive study", lambda: self.backend.archive_study(name, reason=reason),
                                  on_done=lambda _: self.refresh(select=name))
