"""The static pages of a reading session: instructions, pause, finish, and the key help overlay."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from turingview.core.domain import ReaderStudyInfo
from turingview.core.settings import ACTIONS, Settings


def _centered_card(parent: QWidget, max_width: int = 860) -> tuple[QVBoxLayout, QFrame]:
    outer = QVBoxLayout(parent)
    outer.setContentsMargins(24, 24, 24, 24)
    row = QHBoxLayout()
    card = QFrame(parent)
    card.setObjectName("card")
    card.setMaximumWidth(max_width)
    row.addStretch(1)
    row.addWidget(card, 100)
    row.addStretch(1)
    outer.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(1)
    inner = QVBoxLayout(card)
    inner.setContentsMargins(36, 28, 36, 28)
    inner.setSpacing(14)
    return inner, card


def _label(text: str, *, name: str = "", rich: bool = False, wrap: bool = True) -> QLabel:
    label = QLabel(text)
    if name:
        label.setObjectName(name)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    return label


def keys_text(settings: Settings, action: str) -> str:
    """Human-readable keys of an action (``"F1 or ?"``)."""
    names = [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k for k in settings.keys_for(action)]
    return " or ".join(names)


class InstructionsPage(QWidget):
    """Protocol text, the wording of every scale point, the session rules; Begin / Resume."""

    begin = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        holder = QWidget()
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        inner, _ = _centered_card(holder)
        self.title = _label("", name="title")
        self.protocol = _label("")
        self.scale = _label("", rich=True)
        self.rules = _label("", rich=True)
        self.rules.setObjectName("muted")
        self.button = QPushButton("Begin")
        self.button.setObjectName("primary")
        self.button.clicked.connect(self.begin)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.button)
        for widget in (self.title, self.protocol, self.scale, self.rules):
            inner.addWidget(widget)
        inner.addLayout(buttons)

    def show_study(self, info: ReaderStudyInfo, settings: Settings, *, n_training: int, n_cases: int,
                   n_rated: int) -> None:
        """Fill the page for ``info``; the button says Resume when some cases are already rated."""
        self.title.setText(f"{info.study_name}")
        self.protocol.setText(info.protocol_text.strip() or "Rate how real each image looks.")
        rows = "".join(
            f"<tr><td style='padding:4px 14px 4px 0; font-size:18px; font-weight:600'>{i}</td>"
            f"<td style='padding:4px 0'>{html.escape(text)}</td></tr>"
            for i, text in enumerate(info.scale.labels, start=1)
        )
        self.scale.setText(f"<p style='margin-bottom:4px'><b>The rating scale</b> (press the number key)</p>"
                           f"<table>{rows}</table>")
        rules = [f"Reader <b>{html.escape(info.reader_id)}</b> &middot; {n_cases} cases"]
        if n_training:
            rules.append(f"First a training block of {n_training} case(s): after each rating you are told whether "
                         "the image was real or synthetic. Training ratings are kept apart and never counted.")
        rules.append("Going back to an earlier case is " + ("allowed" if info.allow_back else "not possible")
                     + (", and answers may be changed." if info.allow_changes else "; answers are final."))
        rules.append(f"Pause at any time with {keys_text(settings, 'pause')}; closing the window loses nothing, "
                     "and reopening resumes at the first unrated case.")
        rules.append(f"All keys: {keys_text(settings, 'help')}. Right-drag: window/level; drag: pan; "
                     "Ctrl+wheel: zoom; wheel or arrow keys: slices.")
        self.rules.setText("<br>".join(rules))
        if n_rated:
            self.button.setText(f"Resume ({n_rated} of {n_cases} rated)  ⏎")
        else:
            self.button.setText("Begin  ⏎")


class MessagePage(QWidget):
    """A centred card with a title, a text and one optional button (pause, finish, errors)."""

    action = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        inner, _ = _centered_card(self, 640)
        self.title = _label("", name="title")
        self.text = _label("", rich=True)
        self.button = QPushButton("")
        self.button.setObjectName("primary")
        self.button.clicked.connect(self.action)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        inner.addWidget(self.title)
        inner.addWidget(self.text)
        inner.addLayout(row)

    def show_message(self, title: str, text: str, button: str = "") -> None:
        self.title.setText(title)
        self.text.setText(text)
        self.button.setText(button)
        self.button.setVisible(bool(button))


class HelpOverlay(QWidget):
    """Semi-transparent overlay listing every action and its keys (from the settings)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        layout = QVBoxLayout(self)
        inner, _card = _centered_card_in(layout)
        self.body = _label("", rich=True)
        inner.addWidget(_label("Keys and mouse", name="title"))
        inner.addWidget(self.body)
        inner.addWidget(_label("Press F1, ? or Esc to close.", name="muted"))
        self.hide()

    def set_settings(self, settings: Settings) -> None:
        rows = []
        for action, (description, _) in ACTIONS.items():
            rows.append(f"<tr><td style='padding:2px 18px 2px 0; color:#d7dae0'><b>"
                        f"{html.escape(keys_text(settings, action))}</b></td>"
                        f"<td style='padding:2px 0'>{html.escape(description)}</td></tr>")
        mouse = [("Right-drag", "Window / level (horizontal: width, vertical: level)"),
                 ("Left-drag", "Pan"), ("Wheel", "Slice"), ("Ctrl+wheel", "Zoom about the cursor")]
        rows += [f"<tr><td style='padding:2px 18px 2px 0'><b>{a}</b></td><td>{b}</td></tr>" for a, b in mouse]
        half = (len(rows) + 1) // 2
        left, right = "".join(rows[:half]), "".join(rows[half:])
        self.body.setText(f"<table><tr><td valign='top'><table>{left}</table></td><td width='40'></td>"
                          f"<td valign='top'><table>{right}</table></td></tr></table>")

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, 200))
        painter.end()

    def toggle(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.setGeometry(self.parentWidget().rect())
            self.raise_()
            self.show()


def _centered_card_in(layout: QVBoxLayout) -> tuple[QVBoxLayout, QFrame]:
    holder = QWidget()
    holder.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    holder.setStyleSheet("background: transparent;")
    layout.addWidget(holder)
    inner, card = _centered_card(holder, 1000)
    card.setStyleSheet("QFrame#card { background: #16181c; } QLabel { background: transparent; }")
    return inner, card
