"""Entry point of the frozen reader workstation (PyInstaller build ``turingview-reader``).

Usage::

    turingview-reader [--db URL] [--study NAME --reader ID | --package FILE] [--full-screen]
    turingview-reader FILE                      (a package opened from the file manager: --package FILE)
    turingview-reader --smoke-test [--package FILE | ...]

``--smoke-test`` is for the build pipeline: the workstation starts exactly as a reader would start it, and
once the Qt event loop is running it reports the visible top-level windows on stdout (``SMOKE OK ...``) and
quits with status 0; if an error dialog is showing instead (a package that cannot be opened, a missing
decoder) it prints ``SMOKE FAIL`` with the dialog's text and quits with status 1. A start-up crash gives a
non-zero status without the ``SMOKE`` line.
"""

from __future__ import annotations

import sys

SMOKE_DELAY_MS = 2500


def _install_smoke_probe() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from turingview.ui.app import application

    app = application()

    def probe() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        dialogs = [w for w in windows if isinstance(w, QMessageBox)]
        if dialogs:
            text = " | ".join(d.text() for d in dialogs)
            print(f"SMOKE FAIL: error dialog: {text}", flush=True)
            for dialog in dialogs:
                dialog.done(0)
            QApplication.exit(1)
            app.exit(1)
            return
        names = ", ".join(f"{type(w).__name__}({w.windowTitle()!r})" for w in windows)
        print(f"SMOKE OK: event loop running; windows: {names}", flush=True)
        for window in windows:
            window.close()
        app.exit(0)

    QTimer.singleShot(SMOKE_DELAY_MS, probe)


def main() -> int:
    argv = sys.argv[1:]
    smoke = "--smoke-test" in argv
    argv = [a for a in argv if a != "--smoke-test"]
    if len(argv) == 1 and not argv[0].startswith("-"):  # the .desktop entry's "%f": a package file
        argv = ["--package", argv[0]]
    if smoke:
        _install_smoke_probe()
    from turingview.ui.app import run

    status = run(argv)
    if smoke:
        print(f"SMOKE EXIT {status}", flush=True)
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())
