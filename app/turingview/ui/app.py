"""Start the reader workstation: ``run(argv) -> int``.

``argv`` (without the program name)::

    [--db URL] [--study NAME --reader ID | --package FILE] [--full-screen]

With a study and reader (or a package) the reading window opens directly; otherwise the start screen.
The reader's path imports Qt, numpy and the imaging display code only: no torch, pandas or scipy.
Expected errors (:class:`~turingview.core.errors.TuringViewError`) are shown in one dialog; anything else
is logged with its traceback and shown as an unexpected error.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from turingview.core.errors import TuringViewError
from turingview.core.ports import ReadingSource
from turingview.core.settings import Settings, load_settings
from turingview.ui.backend import ReaderBackend
from turingview.ui.theme import apply_theme

log = logging.getLogger("turingview.ui")

# Package data, so installs from the wheel and frozen builds find it too (master copy: resources/icons/).
_ICON = Path(__file__).resolve().parents[1] / "resources" / "turingview.svg"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="turingview-gui", description="TuringView reader workstation")
    parser.add_argument("--db", default=None, help="database URL (default: the local study database)")
    parser.add_argument("--study", default=None)
    parser.add_argument("--reader", default=None)
    parser.add_argument("--package", type=Path, default=None, help="a reader package file")
    parser.add_argument("--full-screen", action="store_true")
    return parser


def application(settings: Settings | None = None) -> QApplication:
    """The QApplication (created once), themed for the reading room."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "turingview"])
        app.setApplicationName("TuringView")
        app.setDesktopFileName("turingview")
        if _ICON.exists():
            app.setWindowIcon(QIcon(str(_ICON)))
    assert isinstance(app, QApplication)
    apply_theme(app, (settings or Settings()).theme)
    return app


def _default_backend(db_url: str | None) -> ReaderBackend:
    # The study/storage stack is wired at the top layer (turingview.cli.gui); the UI only sees the protocol.
    module = importlib.import_module("turingview.cli.gui")
    return module.StudyBackend(db_url)  # type: ignore[no-any-return]


def show_error(parent: QWidget | None, error: BaseException) -> None:
    """The UI's one error boundary for things that are not a reading-session event."""
    if isinstance(error, TuringViewError):
        QMessageBox.critical(parent, "TuringView", str(error))
    else:
        log.error("unexpected error", exc_info=error)
        QMessageBox.critical(parent, "TuringView — unexpected error",
                             f"An unexpected error occurred: {error!r}\n\nEverything already saved is safe. "
                             "Please report this with the log.")


def _excepthook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    log.error("uncaught: %s", "".join(traceback.format_exception(kind, error, tb)))
    if QApplication.instance() is not None:
        show_error(QApplication.activeWindow(), error)


def open_reader_window(source: ReadingSource, *, settings: Settings, full_screen: bool = False) -> QWidget:
    """Build and show the reading window over ``source`` (imported here to keep start-up lean)."""
    from turingview.ui.reader_window import ReaderWindow

    window = ReaderWindow(source, settings=settings)
    if full_screen or settings.start_full_screen:
        window.showFullScreen()
    else:
        window.show()
    window.raise_()
    return window


def run(argv: list[str] | None = None, *, backend: ReaderBackend | None = None) -> int:
    """Run the reader workstation until its last window closes; returns the exit code."""
    args = _parser().parse_args(list(argv or []))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
    except TuringViewError as error:
        print(f"turingview: {error}; using default settings", file=sys.stderr)
        settings = Settings()
    app = application(settings)
    sys.excepthook = _excepthook
    windows: list[QWidget] = []
    try:
        backend = backend or _default_backend(args.db)
        if args.package is not None:
            windows.append(open_reader_window(backend.open_package(args.package), settings=settings,
                                              full_screen=args.full_screen))
        elif args.study and args.reader:
            windows.append(open_reader_window(backend.open_source(args.study, args.reader), settings=settings,
                                              full_screen=args.full_screen))
        elif args.study or args.reader:
            raise TuringViewError("give both --study and --reader, or neither to choose on the start screen")
        else:
            from turingview.ui.start_screen import StartScreen

            def opened(source: ReadingSource) -> None:
                start.close()
                windows.append(open_reader_window(source, settings=settings, full_screen=args.full_screen))

            start = StartScreen(backend, opened)
            start.show()
            windows.append(start)
    except TuringViewError as error:
        show_error(None, error)
        return error.exit_code
    return int(app.exec())
