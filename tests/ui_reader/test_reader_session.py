"""Complete reading sessions driven by keyboard and mouse, asserted on the rows in the SQLite file."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication
from reader_helpers import begin, press, rate_current, rating_rows, ready, wait_state

from turingview.core.review_session import SessionState

pytestmark = pytest.mark.gui


def _drag(view, button: Qt.MouseButton, start: QPoint, end: QPoint) -> None:  # type: ignore[no-untyped-def]
    """A real press-move-release sequence delivered to the view."""
    buttons = Qt.MouseButton(button)
    for kind, pos, btns in ((QMouseEvent.Type.MouseButtonPress, start, buttons),
                            (QMouseEvent.Type.MouseMove, end, buttons),
                            (QMouseEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)):
        event = QMouseEvent(kind, QPointF(pos), QPointF(view.mapToGlobal(pos)), button, btns,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(view, event)


def _wheel(view, steps: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    pos = QPointF(view.width() / 2, view.height() / 2)
    event = QWheelEvent(pos, QPointF(view.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)


def test_complete_session_by_keyboard(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    window = open_window(db_url, study)
    assert window.stack.currentWidget() is window.instructions
    assert "Definitely synthetic" in window.instructions.scale.text()
    begin(qtbot, window)
    order = [c.blinded_id for c in window.session.order]
    scores = []
    for i in range(len(order)):
        assert window.rating.progress.text() == f"{i + 1} / {len(order)}"
        assert window.rating.case_id.text() == order[i]
        score = 1 + (i % 5)
        scores.append(score)
        rate_current(qtbot, window, score)
    wait_state(qtbot, window, SessionState.FINISHED)
    assert window.stack.currentWidget() is window.message
    assert "All" in window.message.text.text() and "rated and saved" in window.message.text.text()

    rows = rating_rows(db_url)
    assert [r["score"] for r in rows] == scores
    assert [r["blinded_id"] for r in rows] == order  # the reader's own order
    assert [r["position"] for r in rows] == list(range(len(order)))
    assert all(r["revision"] == 1 and not r["is_training"] for r in rows)
    for r in rows:
        assert r["elapsed_ms"] >= 0
        shown, answered = datetime.fromisoformat(str(r["shown_at"])), datetime.fromisoformat(str(r["answered_at"]))
        assert shown <= answered
        # viewing time (monotonic, first paint -> answer) agrees with the wall-clock stamps
        assert abs(r["elapsed_ms"] - (answered - shown).total_seconds() * 1000) < 50
        assert r["elapsed_ms"] >= window.session.min_view_ms
        assert r["window_width"] is not None and r["zoom"] == 1.0
    # the other reader is untouched
    assert rating_rows(db_url, "r2") == []


def test_display_state_is_logged_with_the_rating(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    window = open_window(db_url, study)
    begin(qtbot, window)
    view = window.rating.view
    before = view.display_state()
    centre = QPoint(view.width() // 2, view.height() // 2)
    _drag(view, Qt.MouseButton.RightButton, centre, centre + QPoint(64, -32))  # wider, higher level
    _wheel(view, 2, Qt.KeyboardModifier.ControlModifier)  # zoom in twice
    _drag(view, Qt.MouseButton.LeftButton, centre, centre + QPoint(40, 0))  # pan right
    after = view.display_state()
    assert after.window_width > before.window_width  # type: ignore[operator]
    assert after.window_center > before.window_center  # type: ignore[operator]
    assert after.zoom == pytest.approx(1.15**2, rel=1e-3)
    assert after.pan_x > 0
    rate_current(qtbot, window, 4)
    row = rating_rows(db_url)[0]
    assert row["window_width"] == pytest.approx(after.window_width)
    assert row["window_center"] == pytest.approx(after.window_center)
    assert row["zoom"] == pytest.approx(after.zoom)
    assert row["pan_x"] == pytest.approx(after.pan_x)
    assert row["preset"] is None


def test_preset_key_and_slice_scroll_are_logged(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    window = open_window(db_url, study)
    begin(qtbot, window)
    # walk to the first volume case, rating the single images on the way
    while window.rating.view._prepared.volume.n_slices == 1:
        rate_current(qtbot, window, 3)
    view = window.rating.view
    volume = view._prepared.volume
    assert view.display_state().slice_index == volume.n_slices // 2  # opens on the middle slice
    press(qtbot, window, Qt.Key.Key_Down)
    press(qtbot, window, Qt.Key.Key_Down)
    _wheel(view, 1)  # wheel up = previous slice
    press(qtbot, window, "L")  # lung preset
    state = view.display_state()
    assert state.slice_index == volume.n_slices // 2 + 1
    assert state.preset == "ct-lung" and state.window_center == -600 and state.window_width == 1500
    rate_current(qtbot, window, 2)
    row = rating_rows(db_url)[-1]
    assert (row["slice_index"], row["preset"], row["window_width"]) == (volume.n_slices // 2 + 1, "ct-lung", 1500)
    initial = window.rating.view.display_state()
    press(qtbot, window, "B")
    press(qtbot, window, Qt.Key.Key_Up)
    assert window.rating.view.display_state() != initial
    press(qtbot, window, "R")  # reset: back to the case's opening view
    assert window.rating.view.display_state() == initial


def test_double_key_press_gives_exactly_one_rating(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    from turingview.core.settings import Settings

    db_url, study = make_study(training=False)
    window = open_window(db_url, study, settings=Settings())  # the default minimum viewing time
    begin(qtbot, window)
    ready(qtbot, window)
    first = window.session.current
    press(qtbot, window, "3")
    press(qtbot, window, "3")  # same intent, while SAVING or before the next image is painted
    qtbot.waitUntil(lambda: window.session.latest_rating(first.position) is not None, timeout=5000)
    wait_state(qtbot, window, SessionState.SHOWING)
    qtbot.wait(250)  # even once the next image has been up long enough, nothing more arrives
    rows = rating_rows(db_url)
    assert len(rows) == 1 and rows[0]["position"] == first.position and rows[0]["score"] == 3


def test_resume_after_closing_mid_session(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    window = open_window(db_url, study)
    begin(qtbot, window)
    rate_current(qtbot, window, 5)
    rate_current(qtbot, window, 1)
    third = window.session.current
    window.close()  # mid-case: nothing of the third case is stored
    assert len(rating_rows(db_url)) == 2

    again = open_window(db_url, study)
    assert "Resume" in again.instructions.button.text()
    begin(qtbot, again)
    assert again.session.current == third
    assert again.rating.progress.text().startswith("3 / ")
    rate_current(qtbot, again, 4)
    assert [r["position"] for r in rating_rows(db_url)] == [0, 1, 2]


def test_training_ratings_are_kept_apart_with_feedback(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=True)
    window = open_window(db_url, study)
    assert "training block of 2" in window.instructions.rules.text()
    begin(qtbot, window)
    assert window.rating.progress.text() == "Training 1 / 2"
    for _ in range(2):
        ready(qtbot, window)
        press(qtbot, window, "2")
        wait_state(qtbot, window, SessionState.FEEDBACK)
        assert window.rating.feedback_row.isVisible()
        assert "REAL" in window.rating.feedback.text() or "SYNTHETIC" in window.rating.feedback.text()
        press(qtbot, window, "4")  # a rating key does not skip the feedback
        assert window.session.state is SessionState.FEEDBACK
        press(qtbot, window, Qt.Key.Key_Return)
        wait_state(qtbot, window, SessionState.SHOWING)
    assert window.rating.progress.text().startswith("1 / ")
    assert not window.rating.feedback_row.isVisible()
    rate_current(qtbot, window, 5)
    rows = rating_rows(db_url)
    assert [bool(r["is_training"]) for r in rows] == [True, True, False]
    assert [r["score"] for r in rows] == [2, 2, 5]


def test_pause_hides_the_image_and_stops_the_clock(qtbot, make_study, open_window) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    window = open_window(db_url, study)
    begin(qtbot, window)
    press(qtbot, window, "P")
    assert window.session.state is SessionState.PAUSED
    assert window.stack.currentWidget() is window.message
    press(qtbot, window, "3")  # refused while paused
    qtbot.wait(300)
    assert rating_rows(db_url) == []
    press(qtbot, window, "P")
    wait_state(qtbot, window, SessionState.SHOWING)
    rate_current(qtbot, window, 3)
    (row,) = rating_rows(db_url)
    assert row["elapsed_ms"] < 290  # the 300 ms pause is not viewing time
