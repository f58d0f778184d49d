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


def rating_rows(db_url: str, reader: str = "r1") -> list[dict[str, Any]]:
    """Every rating row of ``reader``, oldest first, read straight from the SQLite file."""
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(RATING_SQL, (reader,))]


def wait_state(qtbot, window: ReaderWindow, state: SessionState, timeout: int = 5000) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.session.state is state, timeout=timeout)


def press(qtbot, window: ReaderWindow, key: str | Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    """A key press delivered to the focused widget of the window (shortcuts fire as for a real keyboard)."""
    target = window.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def begin(qtbot, window: ReaderWindow) -> None:  # type: ignore[no-untyped-def]
    """Leave the instructions page with Enter and wait until the first image is painted."""
    press(qtbot, window, Qt.Key.Key_Return)
    wait_state(qtbot, window, SessionState.SHOWING)


def rate_current(qtbot, window: ReaderWindow, score: int) -> None:  # type: ignore[no-untyped-def]
    """Press the score key, wait for the write to be acknowledged and the next state to settle."""
    before = len(window.session._latest), window.session.current
    press(qtbot, window, str(score))
    qtbot.waitUntil(lambda: window.session.state is not SessionState.SAVING
                    and (len(window.session._latest), window.session.current) != before, timeout=5000)
    if window.session.state is SessionState.LOADING:
        wait_state(qtbot, window, SessionState.SHOWING)
