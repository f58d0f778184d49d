"""The coordinator console: studies, the New study wizard, the blinding audit, progress and results.

Thin views over the same functions as the command line (through a :class:`ConsoleBackend` built at the top
layer); long tasks run off the GUI thread with progress and Cancel; errors are shown at one boundary.
Qt is imported only when the console starts.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from turingview.ui.console.backend import ConsoleBackend

__all__ = ["run_console"]


def _default_backend(db_url: str | None) -> ConsoleBackend:
    # The study/storage stack is wired at the top layer (turingview.cli.study_audit), as the reader screens do
    # with turingview.cli.gui: the UI itself only sees the ConsoleBackend protocol.
    module = importlib.import_module("turingview.cli.study_audit")
    return module.ConsoleStudyBackend(db_url)  # type: ignore[no-any-return]


def run_console(db_url: str | None, backend: ConsoleBackend | None = None) -> int:
    """Open the coordinator console on ``db_url`` (``None``: the default database); returns the exit code."""
    import sys

    from PySide6.QtWidgets import QApplication

    from turingview.ui.console.window import ConsoleWindow
    from turingview.ui.theme import apply_theme

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "turingview"])
    app.setApplicationName("TuringView")
    apply_theme(app, "dim")  # type: ignore[arg-type]
    window = ConsoleWindow(backend or _default_backend(db_url))
    window.show()
    return int(app.exec())
