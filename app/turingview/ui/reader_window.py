"""The reading window: a thin view over :class:`~turingview.core.review_session.ReviewSession`.

It builds the session, subscribes to its events in ``__init__`` and renders them; keys and clicks become
session calls. Decoding runs on a small pool with prefetch (decoded *and* rendered), rating writes on one
writer thread; errors are shown at one boundary (the banner), saying what happened and that nothing
acknowledged was lost. The title bar shows the study and the reader, never a file name.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QWidget

from turingview.core.domain import BlindedCase, RecordedRating, Truth
from turingview.core.errors import ImageLoadError, StudyStateError, TuringViewError
from turingview.core.paths import config_dir
from turingview.core.ports import ReadingSource
from turingview.core.review_session import ReviewSession, SessionState
from turingview.core.settings import Settings, load_settings
from turingview.imaging.presets import PRESETS
from turingview.ui.pages import HelpOverlay, InstructionsPage, MessagePage, keys_text
from turingview.ui.rating_page import RatingPage
from turingview.ui.workers import GuiBridge, Prefetcher, PreparedImage, Workers

log = logging.getLogger(__name__)

#: Longest wait for the next image's first paint before a deferred rating write starts anyway (ms).
WRITE_DEFER_MS = 50

_NO_REPEAT = {"rate_1", "rate_2", "rate_3", "rate_4", "rate_5", "back", "forward", "continue", "pause", "help",
              "fullscreen"}


def _geometry_store() -> QSettings:
    """Window geometry only (ARCHITECTURE.md point 11), kept beside settings.json in the config dir."""
    return QSettings(str(config_dir() / "window-geometry.ini"), QSettings.Format.IniFormat)


class ReaderWindow(QMainWindow):
    """One reader's session in one window.

    Parameters
    ----------
    source
        The reading source (database or reader package); closed with the window when ``owns_source``.
    settings
        Key bindings, prefetch depth, theme; default :func:`~turingview.core.settings.load_settings`.
    """

    def __init__(self, source: ReadingSource, *, settings: Settings | None = None, owns_source: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or load_settings()
        self.source = source
        self._owns_source = owns_source
        self.bridge = GuiBridge(self)
        self.workers = Workers(self.bridge)
        self._write_later: tuple[Any, Any, Any] | None = None
        self._prefetch_pending = False
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(WRITE_DEFER_MS)
        self._flush_timer.timeout.connect(self._flush_write)
        self.session = ReviewSession(source, write_runner=self._write_after_paint,
                                     min_view_ms=self.settings.min_view_ms)
        self.prefetcher = Prefetcher(source, self.workers, depth=self.settings.prefetch_depth)
        info = self.session.info
        self.setWindowTitle(f"TuringView — {info.study_name} — reader {info.reader_id}")
        self.setMinimumSize(900, 600)

        self.stack = QStackedWidget(self)
        self.setCentralWidget(self.stack)
        self.instructions = InstructionsPage()
        self.rating = RatingPage(info)
        self.message = MessagePage()
        for page in (self.instructions, self.rating, self.message):
            self.stack.addWidget(page)
        self.help = HelpOverlay(self)
        self.help.set_settings(self.settings)

        # the view renders session events ...
        self.session.case_changed.connect(self._on_case_changed)
        self.session.state_changed.connect(self._on_state_changed)
        self.session.rating_recorded.connect(self._on_rating_recorded)
        self.session.finished.connect(self._on_finished)
        self.session.error.connect(self._on_error)
        # ... and turns the reader's intents into session calls
        self.rating.view.painted.connect(self.session.mark_shown, Qt.ConnectionType.QueuedConnection)
        self.rating.view.painted.connect(self._after_paint)
        self.rating.score_clicked.connect(self.rate)
        self.rating.back_clicked.connect(self.session.back)
        self.rating.forward_clicked.connect(self.session.forward)
        self.rating.pause_clicked.connect(self.toggle_pause)
        self.rating.help_clicked.connect(self.help.toggle)
        self.rating.continue_clicked.connect(self.session.acknowledge_feedback)
        self.instructions.begin.connect(self.begin)
        self.message.action.connect(self._on_message_action)
        self._install_shortcuts()
        self._closed = False

        n_training = len(self.session.training_cases)
        self.instructions.show_study(info, self.settings, n_training=n_training,
                                     n_cases=len(self.session.blinded_cases), n_rated=self.session.n_rated)
        self.stack.setCurrentWidget(self.instructions)
        self._restore_geometry()
        # decode the first cases while the reader reads the instructions
        first = self.session.resume_case
        if first is not None:
            upcoming = self.session.upcoming(self.settings.prefetch_depth)
            self.prefetcher.keep(first.blinded_id, [first.blinded_id] + [c.blinded_id for c in upcoming])

    # ------------------------------------------------------------------ writes
    def _write_after_paint(self, job: Any, on_done: Any, on_error: Any) -> None:
        """Write runner: when the next case is on its way, start the write right after it is painted.

        The write then never competes with the paint of the next image for the interpreter; it is not
        acknowledged (and the next case not ratable) until it is durable. Without a next image (training,
        last case) the write starts at once; :meth:`shutdown` flushes a deferred write before joining.
        """
        if self._write_later is not None:
            self._flush_write()
        self._write_later = (job, on_done, on_error)
        if self.session.state is SessionState.LOADING:
            self._flush_timer.start()  # fallback, should no paint come (hidden window)
        else:
            self._flush_write()

    def _flush_write(self) -> None:
        self._flush_timer.stop()
        pending, self._write_later = self._write_later, None
        if pending is not None:
            self.workers.write(*pending)

    # ------------------------------------------------------------------ intents
    def begin(self) -> None:
        """Leave the instructions page."""
        if self.session.state is SessionState.IDLE:
            self.stack.setCurrentWidget(self.rating)
            self.session.start()

    def rate(self, score: int) -> None:
        """Rate the current case (ignored unless the session is SHOWING)."""
        if self.session.state is not SessionState.SHOWING:
            return
        try:
            self.session.rate(score, display=self.rating.view.display_state(), artefacts=self.rating.artefacts(),
                              comment=self.rating.comment.text())
        except (StudyStateError, ValueError) as error:
            self.rating.show_banner(str(error))
        self.rating.view.setFocus()

    def toggle_pause(self) -> None:
        if self.session.state is SessionState.PAUSED:
            self.session.resume()
        else:
            self.session.pause()

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def apply_preset(self, name: str) -> None:
        if name in PRESETS and self.session.state in (SessionState.SHOWING, SessionState.LOADING):
            self.rating.view.set_window(PRESETS[name], preset=name)

    def _continue(self) -> None:
        state = self.session.state
        if self.rating.comment.hasFocus():
            self.rating.view.setFocus()
        elif state is SessionState.IDLE and self.stack.currentWidget() is self.instructions:
            self.begin()
        elif state is SessionState.FEEDBACK:
            self.session.acknowledge_feedback()
        elif state is SessionState.PAUSED:
            self.session.resume()

    def _install_shortcuts(self) -> None:
        view = self.rating.view
        handlers = {
            **{f"rate_{n}": (lambda n=n: self.rate(n)) for n in range(1, 6)},
            "continue": self._continue,
            "back": self.session.back,
            "forward": self.session.forward,
            "next_slice": lambda: view.step_slice(1),
            "previous_slice": lambda: view.step_slice(-1),
            "reset_view": view.reset_view,
            "zoom_in": lambda: view.zoom_by(1.25),
            "zoom_out": lambda: view.zoom_by(0.8),
            **{f"flag_{n}": (lambda n=n: self.rating.toggle_flag(n)) for n in range(1, 6)},
            "comment": self._focus_comment,
            "pause": self.toggle_pause,
            "fullscreen": self.toggle_full_screen,
            "help": self.help.toggle,
        }
        for name in PRESETS:
            handlers[f"preset_{name}"] = lambda name=name: self.apply_preset(name)
        self.shortcuts: list[QShortcut] = []
        for action, handler in handlers.items():
            if action not in self.settings.key_bindings:
                continue
            for key in self.settings.keys_for(action):
                shortcut = QShortcut(QKeySequence(key), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.setAutoRepeat(action not in _NO_REPEAT)
                shortcut.activated.connect(handler)
                self.shortcuts.append(shortcut)

    def _focus_comment(self) -> None:
        if self.rating.comment.isVisible():
            self.rating.comment.setFocus()

    # ------------------------------------------------------------------ session events -> rendering
    def _on_case_changed(self, case: BlindedCase) -> None:
        progress = self.session.progress
        self.rating.set_case(case.blinded_id, str(progress) if progress else "")
        latest = self.session.latest_rating(case.position)
        if latest is not None:
            self.rating.highlight_score(latest.score)
        self.rating.hide_banner()
        self.rating.view.hidden_message = ""
        self.rating.view.set_image(None)
        self.prefetcher.request(case.blinded_id, lambda result, c=case: self._on_image(c, result))
        # refill the prefetch window only once this image is painted, so decoding never delays it
        self._prefetch_pending = True
        if not self.prefetcher.is_ready(case.blinded_id):
            self._refill_prefetch()
        self.stack.setCurrentWidget(self.rating)

    def _refill_prefetch(self) -> None:
        case = self.session.current
        self._prefetch_pending = False
        if case is not None and not self._closed:
            view = self.rating.view
            if view.isVisible():
                self.prefetcher.view_size = (view.width(), view.height())
            upcoming = self.session.upcoming(self.settings.prefetch_depth)
            self.prefetcher.keep(case.blinded_id, [c.blinded_id for c in upcoming])

    def _after_paint(self) -> None:
        """The new image is on screen: now start the deferred write and refill the prefetch window."""
        self._flush_write()
        if self._prefetch_pending:
            self._refill_prefetch()

    def _on_image(self, case: BlindedCase, result: PreparedImage | BaseException) -> None:
        if self._closed or self.session.current != case:
            return
        if isinstance(result, PreparedImage):
            self.rating.view.set_image(result)
            return
        log.error("case %s could not be loaded: %s", case.blinded_id, result)
        self.rating.view.hidden_message = "This image could not be opened."
        self.rating.view.update()
        self.rating.show_banner(f"The image of case {case.blinded_id} could not be opened. Nothing you have rated "
                                "is lost. Please tell the study coordinator; you can close the window and resume "
                                "later.")

    def _on_state_changed(self, state: SessionState) -> None:
        session = self.session
        self.rating.set_interactive(session.can_rate, can_back=session.can_go_back,
                                    can_forward=session.can_go_forward)
        self.rating.set_status("Saving…" if session.saving else "Loading…" if state is SessionState.LOADING else "")
        if state is SessionState.PAUSED:
            self.rating.view.hidden_message = "Paused"
            self.message.show_message("Paused", "The image is hidden and the clock is stopped. "
                                      "Everything you have rated is saved.",
                                      f"Resume  ({keys_text(self.settings, 'pause')})")
            self.stack.setCurrentWidget(self.message)
        elif state is SessionState.LOADING and self.stack.currentWidget() is self.message:
            # back from a pause: repaint the same case; its clock continues at first paint
            self.rating.view.hidden_message = ""
            self.stack.setCurrentWidget(self.rating)
            self.rating.view.rearm()
        elif state is SessionState.FEEDBACK and self.stack.currentWidget() is self.message:
            self.stack.setCurrentWidget(self.rating)
            self.rating.view.hidden_message = ""
            self.rating.view.update()

    def _on_rating_recorded(self, recorded: RecordedRating, feedback: Truth | None) -> None:
        self.rating.hide_banner()
        if feedback is not None:
            self.rating.show_feedback(feedback, recorded.score)

    def _on_finished(self) -> None:
        total = len(self.session.blinded_cases)
        self.message.show_message(
            "Thank you — all done",
            f"All {total} cases are rated and saved. You may close this window.<br><br>"
            "Results are not shown to readers, so that the study stays blinded.",
            "Close",
        )
        self.stack.setCurrentWidget(self.message)

    def _on_message_action(self) -> None:
        if self.session.state is SessionState.PAUSED:
            self.session.resume()
        elif self.session.state is SessionState.FINISHED:
            self.close()

    def _on_error(self, error: TuringViewError, acknowledged: bool) -> None:
        case = self.session.current
        what = f"case {case.blinded_id}" if case else "this case"
        if acknowledged:
            text = f"Your answer to {what} was already recorded (another session saved it first); moving on."
        elif isinstance(error, ImageLoadError):
            text = f"The image of {what} could not be opened. Nothing you have rated is lost."
        else:
            text = (f"Your answer to {what} was NOT saved: {error}. Every answer acknowledged before is safe. "
                    "Press the rating key again to retry.")
        log.error("reading session error (%s): %s", what, error)
        self.rating.show_banner(text)

    # ------------------------------------------------------------------ window
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            if self.help.isVisible():
                self.help.hide()
            self.rating.view.setFocus()
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.help.isVisible():
            self.help.setGeometry(self.rect())

    def _restore_geometry(self) -> None:
        geometry = _geometry_store().value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Finish the write in flight (if any), stop the workers, release the source. Idempotent."""
        if self._closed:
            return
        self._closed = True
        _geometry_store().setValue("geometry", self.saveGeometry())
        if self.session.state is SessionState.SHOWING or self.session.state is SessionState.LOADING:
            self.session.pause()
        self._flush_write()
        self.workers.shutdown()
        self.session.close()
        if self._owns_source:
            self.source.close()
