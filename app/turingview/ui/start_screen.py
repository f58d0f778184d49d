"""The start screen: pick a study and type your reader id, or open a reader package file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from turingview.core.errors import TuringViewError
from turingview.core.ports import ReadingSource
from turingview.ui.backend import ReaderBackend, StudyChoice
from turingview.ui.pages import _centered_card, _label


class StartScreen(QWidget):
    """Chooses a reading source, then hands it to ``on_open(source)``.

    Errors (unknown reader, closed study, unreadable package) are shown on the screen itself, in one line.
    """

    def __init__(self, backend: ReaderBackend, on_open: Callable[[ReadingSource], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.on_open = on_open
        self.setWindowTitle("TuringView — reader workstation")
        self.resize(900, 640)
        inner, _ = _centered_card(self, 720)
        inner.addWidget(_label("TuringView reader workstation", name="title"))
        where = _label(f"Studies in {backend.describe()}")
        where.setObjectName("muted")
        inner.addWidget(where)
        self.studies = QListWidget()
        self.studies.setMinimumHeight(180)
        self.studies.itemSelectionChanged.connect(self._on_study_selected)
        self.studies.itemDoubleClicked.connect(lambda _: self.open_selected())
        inner.addWidget(self.studies)
        row = QHBoxLayout()
        row.addWidget(QLabel("Reader id"))
        self.reader = QLineEdit()
        self.reader.setPlaceholderText("your reader id, as given by the study coordinator")
        self.reader.returnPressed.connect(self.open_selected)
        row.addWidget(self.reader, 1)
        self.open_button = QPushButton("Open study")
        self.open_button.setObjectName("primary")
        self.open_button.clicked.connect(self.open_selected)
        row.addWidget(self.open_button)
        inner.addLayout(row)
        self.package_button = QPushButton("Open a reader package file…")
        self.package_button.clicked.connect(self.choose_package)
        package_row = QHBoxLayout()
        package_row.addWidget(self.package_button)
        package_row.addStretch(1)
        inner.addLayout(package_row)
        self.problem = _label("")
        self.problem.setObjectName("banner")
        self.problem.hide()
        inner.addWidget(self.problem)
        self._choices: list[StudyChoice] = []
        self.refresh()

    def refresh(self) -> None:
        """Reload the study list."""
        self.studies.clear()
        try:
            self._choices = list(self.backend.list_studies())
        except TuringViewError as error:
            self.show_problem(str(error))
            self._choices = []
        for choice in self._choices:
            item = QListWidgetItem(f"{choice.name}    ({choice.status})")
            item.setData(Qt.ItemDataRole.UserRole, choice.name)
            if choice.status != "open":
                item.setForeground(Qt.GlobalColor.gray)
            self.studies.addItem(item)
        if not self._choices:
            self.studies.addItem(QListWidgetItem("No studies yet: ask your coordinator for a reader package."))
        elif len(self._choices) == 1:
            self.studies.setCurrentRow(0)

    def _on_study_selected(self) -> None:
        name = self.selected_study()
        choice = next((c for c in self._choices if c.name == name), None)
        if choice is not None and len(choice.readers) == 1 and not self.reader.text():
            self.reader.setText(choice.readers[0])

    def selected_study(self) -> str | None:
        item = self.studies.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()

    def open_selected(self) -> None:
        study, reader = self.selected_study(), self.reader.text().strip()
        if not study:
            self.show_problem("Choose a study first.")
            return
        if not reader:
            self.show_problem("Type your reader id.")
            return
        self._open(lambda: self.backend.open_source(study, reader))

    def choose_package(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open reader package", str(Path.home()),
                                              "TuringView reader package (*.tvpkg *.zip);;All files (*)")
        if path:
            self.open_package(Path(path))

    def open_package(self, path: Path) -> None:
        self._open(lambda: self.backend.open_package(path))

    def _open(self, opener: Callable[[], ReadingSource]) -> None:
        try:
            source = opener()
        except TuringViewError as error:
            self.show_problem(str(error))
            return
        self.problem.hide()
        self.on_open(source)
