"""Helpers of the reader GUI tests: drive the window by keyboard, read the rating rows with sqlite3."""

from __future__ import annotations

import sqlite3
from typing import Any

from PySide6.QtCore import Qt

from turingview.core.review_session import SessionState
from turingview.ui.reader_window import ReaderWindow

RATING_SQL = """
SELECT r.position, r.revision, r.score, r.is_training, r.elapsed_ms, r.shown_at, r.answered_at,
       r.window_center, r.window_width, r.zoom, r.pan_x, r.pan_y, r.slice_index, r.preset, r.artefacts,
       r.comment, c.blinded_id
FROM rating r
JOIN assignment a ON a.id = r.assignment_id
JOIN reader rd ON rd.id = a.reader_id
JOIN case_ c ON c.id = r.case_id
WHERE rd.code = ?
ORDER BY r.id
"""


def activate(window: object) -> None:
    """Make ``window`` the active window (the offscreen platform does not do it on show)."""
    import warnings

    from PySide6.QtWidgets import QApplication

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)  # type: ignore[arg-type]


def rating_rows(db_url: str, reader: str = "r1") -> list[dict[str, Any]]:
    """Every rating row of ``reader``, oldest first, read straight from the SQLite file."""
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(RATING_SQL, (reader,))]


def wait_state(qtbot, window: ReaderWindow, state: SessionState, timeout: int = 10000) -> None:  # type: ignore[no-untyped-def]
    """Wait for ``state``; on timeout say where the session and the view were (for a loaded CI machine)."""
    try:
        qtbot.waitUntil(lambda: window.session.state is state, timeout=timeout)
    except Exception as exc:
        view = window.rating.view
        raise AssertionError(
            f"waited {timeout} ms for {state}: session {window.session.state} at {window.session.current}, "
            f"saving={window.session.saving}, view has {view._prepared and view._prepared.blinded_id}, "
            f"first paint pending={view._first_paint_pending}, banner={window.rating.banner.text()!r}"
        ) from exc


def press(qtbot, window: ReaderWindow, key: str | Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """A key press delivered to the focused widget of the window (shortcuts fire as for a real keyboard)."""
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def begin(qtbot, window: ReaderWindow) -> None:  # type: ignore[no-untyped-def]
    """Leave the instructions page with Enter and wait until the first image is painted."""
    press(qtbot, window, Qt.Key.Key_Return)
    wait_state(qtbot, window, SessionState.SHOWING)


def ready(qtbot, window: ReaderWindow) -> None:  # type: ignore[no-untyped-def]
    """Wait until a rating key would be accepted (painted, nothing in flight, minimum viewing time)."""
    session = window.session
    qtbot.waitUntil(lambda: session.can_rate and session.elapsed_ms() >= session.min_view_ms, timeout=5000)


def rate_current(qtbot, window: ReaderWindow, score: int) -> None:  # type: ignore[no-untyped-def]
    """Press the score key, wait for the write to be acknowledged and the next state to settle."""
    session = window.session
    qtbot.waitUntil(lambda: session.can_rate and session.elapsed_ms() >= session.min_view_ms, timeout=5000)
    before = len(session._latest), session.current
    press(qtbot, window, str(score))
    qtbot.waitUntil(lambda: not session.saving and session.state is not SessionState.SAVING
                    and (len(session._latest), session.current) != before, timeout=5000)
    if session.state is SessionState.LOADING:
        wait_state(qtbot, window, SessionState.SHOWING)
