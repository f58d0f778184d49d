"""The coordinator console window: a navigation list and one screen per task, over one task runner.

The window owns the :class:`TaskRunner` and the one error boundary (:meth:`ConsoleWindow.report_error`):
every failure of a background task that its screen does not handle itself ends up here and is shown as
one message. The current study, chosen on the Studies screen, is passed to the other screens.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from turingview.core.errors import ImportProblemsError, TuringViewError
from turingview.ui.console.audit_screen import AuditScreen
from turingview.ui.console.backend import ConsoleBackend
from turingview.ui.console.progress_screen import ProgressScreen
from turingview.ui.console.results_screen import ResultsScreen
from turingview.ui.console.studies_screen import StudiesScreen
from turingview.ui.console.tasks import TaskRunner
from turingview.ui.console.wizard import NewStudyWizard

log = logging.getLogger("turingview.ui.console")

#: Console additions to the shared theme: roomy navigation, visible check boxes, calmer selection.
CONSOLE_QSS = """
QListWidget#nav { font-size: 15px; padding: 4px; }
QListWidget#nav::item { padding: 10px 8px; }
QCheckBox::indicator { width: 14px; height: 14px; border: 1px solid #6a707c; border-radius: 3px; background: #2a2e36; }
QCheckBox::indicator:checked { background: #6b9de0; border-color: #9dbdf0; }
QTableWidget { selection-background-color: #2f4563; selection-color: #ffffff; }
QProgressBar { border: 1px solid #3a3f4a; border-radius: 4px; text-align: center; background: #2a2e36; }
QProgressBar::chunk { background: #4f7fc0; border-radius: 3px; }
"""

SCREENS = (("studies", "Studies"), ("audit", "Blinding audit"), ("progress", "Progress"), ("results", "Results"))


def error_text(error: BaseException) -> tuple[str, str]:
    """Title and text of the message shown for ``error`` at the boundary."""
    if isinstance(error, TuringViewError):
        return "TuringView", str(error)
    return ("TuringView — unexpected error",
            f"An unexpected error occurred: {error!r}\n\nNothing half-done was saved. Please report this with the log.")


class ConsoleWindow(QMainWindow):
    """Studies, Blinding audit, Progress and Results over one backend."""

    def __init__(self, backend: ConsoleBackend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.setWindowTitle("TuringView — coordinator console")
        self.resize(1280, 800)
        self.runner = TaskRunner(self.report_error, self)
        self.errors: list[BaseException] = []
        self._message: QMessageBox | None = None

        self.nav = QListWidget()
        self.nav.setFixedWidth(190)
        self.nav.setObjectName("nav")
        self.stack = QStackedWidget()
        self.studies = StudiesScreen(backend, self.runner)
        self.audit = AuditScreen(backend, self.runner)
        self.progress = ProgressScreen(backend, self.runner)
        self.results = ResultsScreen(backend, self.runner)
        self.screens = {"studies": self.studies, "audit": self.audit, "progress": self.progress,
                        "results": self.results}
        for key, title in SCREENS:
            self.nav.addItem(title)
            self.stack.addWidget(self.screens[key])
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.study_label = QLabel("No study chosen")
        self.statusBar().addPermanentWidget(self.study_label)
        self.setStyleSheet(CONSOLE_QSS)

        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.studies.study_selected.connect(self.set_study)
        self.studies.navigate.connect(self.go)
        self.studies.new_study_requested.connect(self.new_study)
        self.nav.setCurrentRow(0)
        self.current_study: str | None = None
        self.wizard: NewStudyWizard | None = None
        self.studies.refresh()

    # navigation ------------------------------------------------------------------------------------
    def set_study(self, name: str) -> None:
        self.current_study = name
        self.study_label.setText(f"Study: {name}")
        self.audit.set_study(name)
        self.progress.set_study(name)
        self.results.set_study(name)

    def go(self, screen: str, study: str | None = None) -> None:
        if study is not None and study != self.current_study:
            self.set_study(study)
        self.nav.setCurrentRow([k for k, _ in SCREENS].index(screen))

    def new_study(self) -> NewStudyWizard:
        """Open the New study wizard (non-modal, so the import can run while the console stays live)."""
        default = self.backend.default_protocol()
        self.wizard = NewStudyWizard(self.backend, self.runner, self.report_error, self, default_protocol=default)
        self.wizard.study_created.connect(lambda name: (self.studies.refresh(select=name), self.go("audit", name)))
        self.wizard.setWindowModality(Qt.WindowModality.WindowModal)
        self.wizard.show()
        return self.wizard

    # the one error boundary --------------------------------------------------------------------------------
    def report_error(self, error: BaseException) -> None:
        """Show ``error`` as one message (non-blocking); unexpected errors are logged with their traceback."""
        self.errors.append(error)
        if not isinstance(error, TuringViewError):
            log.error("unexpected error in a console task", exc_info=error)
        title, text = error_text(error)
        box = QMessageBox(QMessageBox.Icon.Critical, title, text.split("\n  - ")[0], QMessageBox.StandardButton.Ok,
                          self)
        if isinstance(error, ImportProblemsError) or "\n" in text:
            box.setDetailedText(text)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self._message = box

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for screen in (self.progress, self.results):
            screen.timer.stop()
        self.runner.shutdown()
        super().closeEvent(event)
