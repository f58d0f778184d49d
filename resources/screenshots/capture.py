#!/usr/bin/env python
"""Capture the reader-workstation screenshots in ``resources/screenshots/reader_*.png``.

Run under a real X server so fonts and styles render as on a workstation::

    xvfb-run -s "-screen 0 1600x1000x24" python resources/screenshots/capture.py [--manifest M] [--out DIR]

It builds the demo study (bundled sample data) in a temporary database, opens the reading window at
1280x800 for ``demo-reader`` and grabs: the instructions, a CT case, an MR case, a volume case (scrolled and
windowed), the key help, the training feedback, the pause and the finish screens.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from turingview.cli.gui import DEMO_STUDY, StudyBackend, ensure_demo_study, sample_manifest
from turingview.core.review_session import SessionState
from turingview.core.settings import Settings
from turingview.ui.app import application
from turingview.ui.reader_window import ReaderWindow

HERE = Path(__file__).resolve().parent


def pump(until=None, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QApplication.processEvents()
        if until is None or until():
            if until is None:
                time.sleep(0.02)
                QApplication.processEvents()
            return
        time.sleep(0.005)
    raise TimeoutError("the window did not reach the expected state")


def grab(window: ReaderWindow, out: Path, name: str) -> None:
    pump()
    pixmap = window.grab()
    path = out / f"reader_{name}.png"
    pixmap.save(str(path), "PNG")
    print(f"wrote {path} ({pixmap.width()}x{pixmap.height()})")


def rate(window: ReaderWindow, score: int) -> None:
    session = window.session
    pump(lambda: session.can_rate)
    current = session.current
    window.rate(score)
    pump(lambda: session.state in (SessionState.FEEDBACK, SessionState.FINISHED)
         or (session.current != current and session.state is SessionState.SHOWING and not session.saving))


def right_drag(window: ReaderWindow, dx: int, dy: int) -> None:
    view = window.rating.view
    start = QPoint(view.width() // 2, view.height() // 2)
    for kind, pos, buttons in ((QMouseEvent.Type.MouseButtonPress, start, Qt.MouseButton.RightButton),
                               (QMouseEvent.Type.MouseMove, start + QPoint(dx, dy), Qt.MouseButton.RightButton),
                               (QMouseEvent.Type.MouseButtonRelease, start + QPoint(dx, dy), Qt.MouseButton.NoButton)):
        QApplication.sendEvent(view, QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)),
                                                 Qt.MouseButton.RightButton, buttons, Qt.KeyboardModifier.NoModifier))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    application(Settings())
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'screens.db'}"
        ensure_demo_study(db_url, manifest=args.manifest or sample_manifest())
        window = ReaderWindow(StudyBackend(db_url).open_source(DEMO_STUDY, "demo-reader"),
                              settings=Settings(min_view_ms=0))
        window.resize(1280, 800)
        window.show()
        pump(window.isVisible)
        grab(window, args.out, "instructions")
        window.begin()
        wanted = {"ct": None, "mr": None, "volume": None}
        training_grabbed = False
        while window.session.state is not SessionState.FINISHED:
            pump(lambda: window.session.state in (SessionState.SHOWING, SessionState.FINISHED))
            if window.session.state is SessionState.FINISHED:
                break
            volume = window.rating.view._prepared.volume  # type: ignore[union-attr]
            case = window.session.current
            if case is not None and not case.is_training:
                kind = "volume" if volume.n_slices > 1 else volume.modality.lower()
                if kind in wanted and wanted[kind] is None:
                    if kind == "volume":
                        window.rating.view.step_slice(2)
                        right_drag(window, 30, -10)
                    if kind == "ct":
                        window.rating.flag_buttons[1].setChecked(True)
                    grab(window, args.out, kind)
                    wanted[kind] = case.blinded_id
                    if kind == "mr":
                        window.help.toggle()
                        grab(window, args.out, "help")
                        window.help.toggle()
            rate(window, 4)
            if window.session.state is SessionState.FEEDBACK:
                if not training_grabbed:
                    grab(window, args.out, "training_feedback")
                    training_grabbed = True
                window.session.acknowledge_feedback()
            if window.session.n_rated == 3 and window.session.state is not SessionState.PAUSED:
                pump(lambda: window.session.state is SessionState.SHOWING and not window.session.saving)
                window.toggle_pause()
                grab(window, args.out, "pause")
                window.toggle_pause()
        grab(window, args.out, "finish")
        window.close()
        missing = [k for k, v in wanted.items() if v is None]
        if missing:
            print(f"no case of kind {missing} in the sample study", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
