"""Small building blocks shared by the console screens: the task bar, tables, banners, thumbnails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from turingview.ui.console.tasks import TaskHandle


class VisibleRefreshTimer(QTimer):
    """Calls ``slot`` every ``interval_ms`` while ``owner`` is shown and ``toggle`` is ticked.

    Starts and stops itself on the owner's show/hide events and on the check box, so a screen the
    coordinator is not looking at never polls the database.
    """

    def __init__(self, owner: QWidget, toggle: QCheckBox, interval_ms: int, slot: Any) -> None:
        super().__init__(owner)
        self._owner, self._toggle = owner, toggle
        self.setInterval(interval_ms)
        self.timeout.connect(slot)
        toggle.toggled.connect(self.sync)
        owner.installEventFilter(self)

    def sync(self) -> None:
        """Run exactly when the owner is visible and the toggle is ticked."""
        if self._toggle.isChecked() and self._owner.isVisible():
            self.start()
        else:
            self.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self._owner and event.type() in (QEvent.Type.Show, QEvent.Type.Hide):
            self.sync()
        return False


STRENGTH_COLOURS = {"strong": "#e07a70", "moderate": "#d6a55b", "none": "#7fcf9e", "too few cases": "#9aa1ad",
                    "strong, removed": "#7fcf9e"}


class TaskBar(QWidget):
    """Progress of one long task: message, bar and a Cancel button. Hidden when idle."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.message = QLabel("")
        self.message.setMinimumWidth(280)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        layout.addWidget(self.message, 2)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.cancel_button)
        self._handle: TaskHandle | None = None
        self.setVisible(False)

    def track(self, handle: TaskHandle, title: str) -> None:
        """Show ``handle``'s progress until it ends."""
        self._handle = handle
        self.message.setText(title)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        handle.progress.connect(self._progress)
        handle.ended.connect(self._ended)

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        if message:
            self.message.setText(message)

    def _cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self.message.setText("Cancelling…")
            self.cancel_button.setEnabled(False)
        self.cancel_requested.emit()

    def _ended(self) -> None:
        self._handle = None
        self.setVisible(False)

    @property
    def running(self) -> bool:
        return self._handle is not None


def make_table(
    headers: Sequence[str], *, stretch: int | None = None, widths: dict[int, int] | None = None
) -> QTableWidget:
    """A read-only, row-selecting table; ``widths`` fixes (interactive) column widths for wrapped text."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(bool(widths))
    table.verticalHeader().setDefaultSectionSize(30)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column, width in (widths or {}).items():
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        table.setColumnWidth(column, width)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setProperty("wraps", bool(widths))
    return table


def fill_table(
    table: QTableWidget, rows: Sequence[Sequence[Any]], *, colours: Sequence[str | None] | None = None
) -> None:
    """Replace the table's rows; numbers are right-aligned, ``None`` shows as an en dash."""
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = "–" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))
            item = QTableWidgetItem(text)
            if isinstance(value, int | float) and not isinstance(value, bool):
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if colours is not None and colours[r] and c == 0:
                item.setForeground(QColor(colours[r]))
            table.setItem(r, c, item)
    if table.property("wraps"):
        table.resizeRowsToContents()


def banner(text: str = "", *, level: str = "info") -> QLabel:
    """A coloured message strip (``info``, ``ok``, ``warning``, ``danger``)."""
    label = QLabel(text)
    label.setWordWrap(True)
    set_banner(label, text, level)
    return label


_BANNER_STYLES = {
    "info": ("#1d2633", "#c9d6ea", "#5b8fd6"),
    "ok": ("#17291f", "#cfeedd", "#6fbf8e"),
    "warning": ("#30281a", "#f1e2c4", "#d6a55b"),
    "danger": ("#3a1d1b", "#f4d6d2", "#d9695f"),
}


def set_banner(label: QLabel, text: str, level: str) -> None:
    bg, fg, border = _BANNER_STYLES[level]
    label.setText(text)
    label.setVisible(bool(text))
    label.setStyleSheet(
        f"QLabel {{ background: {bg}; color: {fg}; border: 1px solid {border}; border-radius: 4px; "
        "padding: 8px 12px; }"
    )


def thumbnail(array: np.ndarray, size: int = 128) -> QPixmap:
    """A QPixmap (GUI thread only) of a uint8 slice, scaled to fit ``size`` pixels."""
    array = np.ascontiguousarray(array)
    rows, cols = array.shape[:2]
    fmt = QImage.Format.Format_Grayscale8 if array.ndim == 2 else QImage.Format.Format_RGB888
    image = QImage(array.data, cols, rows, array.strides[0], fmt).copy()
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("title")
    return label


def muted(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("muted", True)
    label.setWordWrap(True)
    return label
