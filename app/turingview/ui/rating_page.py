"""The rating page: a slim top bar (blinded id, progress), the image, and the answer bar.

The page renders; it decides nothing. Button clicks are re-emitted as the same intents the keys produce,
and the window routes both to the :class:`~turingview.core.review_session.ReviewSession`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from turingview.core.domain import ReaderStudyInfo, Truth
from turingview.ui.image_view import ImageView


def score_text(number: int, wording: str) -> str:
    """Button text of a scale point: the number, then the wording on at most two lines."""
    if " / " in wording:
        first, rest = wording.split(" / ", 1)
        return f"{number}   {first} /\n{rest}"
    return f"{number}   {wording}"


def _no_focus(button: QPushButton) -> QPushButton:
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return button


class RatingPage(QWidget):
    """Image plus answer bar. Signals carry the reader's intents."""

    score_clicked = Signal(int)
    back_clicked = Signal()
    forward_clicked = Signal()
    pause_clicked = Signal()
    help_clicked = Signal()
    continue_clicked = Signal()
    retry_clicked = Signal()

    def __init__(self, info: ReaderStudyInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = info
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._top_bar())
        self.banner = QLabel("")
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)
        self.view = ImageView(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self._answer_bar())
        self.set_interactive(False)

    # ------------------------------------------------------------------ building
    def _top_bar(self) -> QFrame:
        bar = QFrame(self)
        bar.setObjectName("topbar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(14, 6, 10, 6)
        self.case_id = QLabel("")
        self.case_id.setObjectName("caseId")
        self.progress = QLabel("")
        self.progress.setObjectName("progress")
        self.status = QLabel("")
        self.status.setObjectName("muted")
        self.pause_button = _no_focus(QPushButton("Pause"))
        self.help_button = _no_focus(QPushButton("Keys"))
        self.pause_button.clicked.connect(self.pause_clicked)
        self.help_button.clicked.connect(self.help_clicked)
        row.addWidget(self.case_id)
        row.addStretch(1)
        row.addWidget(self.progress)
        row.addStretch(1)
        row.addWidget(self.status)
        row.addSpacing(12)
        row.addWidget(self.pause_button)
        row.addWidget(self.help_button)
        return bar

    def _answer_bar(self) -> QFrame:
        bar = QFrame(self)
        bar.setObjectName("bar")
        grid = QVBoxLayout(bar)
        grid.setContentsMargins(14, 10, 14, 10)
        grid.setSpacing(8)
        scores = QGridLayout()
        scores.setHorizontalSpacing(8)
        self.score_buttons: list[QPushButton] = []
        for number, wording in enumerate(self.info.scale.labels, start=1):
            button = _no_focus(QPushButton(score_text(number, wording)))
            button.setObjectName("score")
            button.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            button.setToolTip(f"Key {number}: {wording}")
            button.clicked.connect(lambda _=False, n=number: self.score_clicked.emit(n))
            scores.addWidget(button, 0, number - 1)
            scores.setColumnStretch(number - 1, 1)
            self.score_buttons.append(button)
        self.back_button = _no_focus(QPushButton("◀ Back"))
        self.back_button.clicked.connect(self.back_clicked)
        self.back_button.setVisible(self.info.allow_back)
        self.forward_button = _no_focus(QPushButton("Next ▶"))
        self.forward_button.clicked.connect(self.forward_clicked)
        self.forward_button.setVisible(self.info.allow_back)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button)
        nav.addLayout(scores, 1)
        nav.addWidget(self.forward_button)
        grid.addLayout(nav)

        self.extras_row = QWidget()
        self.extras_row.setFixedHeight(36)
        extras = QHBoxLayout(self.extras_row)
        extras.setContentsMargins(0, 0, 0, 0)
        extras.setSpacing(6)
        self.flag_buttons: list[QPushButton] = []
        if self.info.artefact_flags:
            caption = QLabel("Artefacts:")
            caption.setObjectName("muted")
            extras.addWidget(caption)
        for flag in self.info.artefact_flags:
            button = _no_focus(QPushButton(flag))
            button.setObjectName("flag")
            button.setCheckable(True)
            extras.addWidget(button)
            self.flag_buttons.append(button)
        extras.addStretch(1)
        self.comment = QLineEdit()
        self.comment.setPlaceholderText("Comment (C)")
        self.comment.setToolTip("Optional comment, saved with the rating. Enter or Esc returns to the image.")
        self.comment.setMinimumWidth(300)
        self.comment.setVisible(self.info.comments)
        self.comment.returnPressed.connect(self.view.setFocus)
        extras.addWidget(self.comment, 1)
        grid.addWidget(self.extras_row)

        self.feedback_row = QWidget()
        self.feedback_row.setFixedHeight(36)
        feedback = QHBoxLayout(self.feedback_row)
        feedback.setContentsMargins(0, 0, 0, 0)
        self.feedback = QLabel("")
        self.feedback.setObjectName("feedback")
        self.continue_button = _no_focus(QPushButton("Continue  ⏎"))
        self.continue_button.setObjectName("primary")
        self.continue_button.clicked.connect(self.continue_clicked)
        feedback.addWidget(self.feedback, 1)
        feedback.addWidget(self.continue_button)
        self.feedback_row.hide()
        grid.addWidget(self.feedback_row)
        return bar

    # ------------------------------------------------------------------ rendering
    def set_case(self, blinded_id: str, progress: str) -> None:
        """A new case: clear the answer widgets."""
        self.case_id.setText(blinded_id)
        self.progress.setText(progress)
        for button in self.flag_buttons:
            button.setChecked(False)
        self.comment.clear()
        self.feedback_row.hide()
        self.extras_row.show()
        self.highlight_score(None)

    def highlight_score(self, score: int | None) -> None:
        """Mark the stored answer of an already-rated case (after Back)."""
        for number, button in enumerate(self.score_buttons, start=1):
            button.setCheckable(True)
            button.setChecked(number == score)

    def set_interactive(self, enabled: bool, *, can_back: bool = False, can_forward: bool = False) -> None:
        for button in self.score_buttons:
            button.setEnabled(enabled)
        self.back_button.setEnabled(can_back)
        self.forward_button.setEnabled(can_forward)

    def set_status(self, text: str) -> None:
        self.status.setText(text)

    def artefacts(self) -> tuple[str, ...]:
        return tuple(b.text() for b in self.flag_buttons if b.isChecked())

    def toggle_flag(self, number: int) -> None:
        if 1 <= number <= len(self.flag_buttons):
            button = self.flag_buttons[number - 1]
            button.setChecked(not button.isChecked())

    def show_feedback(self, truth: Truth, score: int) -> None:
        """Training feedback: the truth of the case just rated."""
        word = "REAL" if truth is Truth.REAL else "SYNTHETIC"
        colour = "#6fbf8e" if truth is Truth.REAL else "#e0a458"
        self.feedback.setText(f"Training: this image was <span style='color:{colour}'>{word}</span>. "
                              f"You rated {score} ({html.escape(self.info.scale.labels[score - 1])}).")
        self.feedback.setTextFormat(Qt.TextFormat.RichText)
        self.extras_row.hide()
        self.feedback_row.show()
        self.highlight_score(score)
        self.set_interactive(False)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def hide_banner(self) -> None:
        self.banner.hide()
