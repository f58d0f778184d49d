"""``run_console(db_url)``: what ``turingview console`` calls, with the default top-layer backend."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from turingview.study import create_study
from turingview.ui.console import run_console
from turingview.ui.console.window import ConsoleWindow

pytestmark = pytest.mark.gui


def test_run_console_opens_on_the_database_and_lists_its_studies(qtbot, sqlite_url, image_folders):
    real, synthetic = image_folders(3)
    create_study(sqlite_url, "listed", real_dirs=[real], synthetic_dirs=[synthetic], readers=["r1"], seed=3)
    seen: list[list[str]] = []

    def inspect_and_close() -> None:
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, ConsoleWindow) and w.isVisible()]
        if window.runner.busy:  # the study list is still loading off the GUI thread
            QTimer.singleShot(50, inspect_and_close)
            return
        table = window.studies.table
        seen.append([table.item(r, 0).text() for r in range(table.rowCount())])
        window.close()
        QApplication.instance().quit()

    QTimer.singleShot(100, inspect_and_close)
    assert run_console(sqlite_url) == 0
    assert seen == [["listed"]]
