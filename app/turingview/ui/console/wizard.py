"""New study wizard: images, protocol and scale, readers and design, then the background import.

Each page only collects values; the last page builds a :class:`CreateRequest` (the arguments of
``turingview study create``) and runs :meth:`ConsoleBackend.create_study` through the task runner, with a
progress bar and Cancel. The import is all-or-nothing: on problems the page lists them per file and
nothing is written, so the coordinator can go Back, fix the folders or manifest and try again.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from turingview.core.domain import DEFAULT_SCALE_LABELS
from turingview.core.errors import ImportProblemsError
from turingview.ui.console.backend import ConsoleBackend, CreateRequest, SampleImages
from turingview.ui.console.tasks import TaskHandle, TaskRunner
from turingview.ui.console.widgets import muted, thumbnail

SAMPLES_PER_CLASS = 6


def split_paths(text: str) -> tuple[Path, ...]:
    """Folders typed or browsed into one field, separated by ``;``."""
    return tuple(Path(p.strip()).expanduser() for p in text.split(";") if p.strip())


def split_readers(text: str) -> tuple[str, ...]:
    """Reader ids separated by commas or new lines."""
    return tuple(r.strip() for r in text.replace("\n", ",").split(",") if r.strip())


class PathField(QWidget):
    """A line edit with a Browse button (folder or file)."""

    def __init__(self, *, folder: bool, caption: str, multiple: bool = False, file_filter: str = "") -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.button = QPushButton("Browse…")
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self._folder, self._caption, self._multiple, self._filter = folder, caption, multiple, file_filter
        self.button.clicked.connect(self._browse)

    def _browse(self) -> None:
        if self._folder:
            chosen = QFileDialog.getExistingDirectory(self, self._caption)
        else:
            chosen, _ = QFileDialog.getOpenFileName(self, self._caption, "", self._filter)
        if chosen:
            current = self.edit.text().strip()
            self.edit.setText(f"{current}; {chosen}" if self._multiple and current else chosen)


class ImagesPage(QWizardPage):
    """Study name and the images: real and synthetic folders, or a manifest CSV; sample thumbnails."""

    def __init__(self, wizard: NewStudyWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Images")
        self.setSubTitle("Name the study and choose the real and synthetic images: one folder per class (several "
                         "separated by ';'), or a manifest CSV with path, truth, generator and subgroup columns.")
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("for example: chest-ct-gan-v2")
        self.real = PathField(folder=True, caption="Folder of real images", multiple=True)
        self.synthetic = PathField(folder=True, caption="Folder of synthetic images", multiple=True)
        self.manifest = PathField(folder=False, caption="Manifest CSV", file_filter="CSV (*.csv)")
        form.addRow("Study name", self.name)
        form.addRow("Real images", self.real)
        form.addRow("Synthetic images", self.synthetic)
        form.addRow("or manifest CSV", self.manifest)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.preview_button = QPushButton("Show sample thumbnails")
        self.preview_status = muted("")
        row.addWidget(self.preview_button)
        row.addWidget(self.preview_status, 1)
        layout.addLayout(row)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)
        self.grid.setColumnMinimumWidth(0, 110)
        self.grid.setColumnStretch(SAMPLES_PER_CLASS + 1, 1)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.preview_button.clicked.connect(self.preview)
        for edit in (self.name, self.real.edit, self.synthetic.edit, self.manifest.edit):
            edit.textChanged.connect(self.completeChanged)
        self.preview_handle: TaskHandle | None = None

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        has_images = bool(self.manifest.edit.text().strip()) or (
            bool(self.real.edit.text().strip()) and bool(self.synthetic.edit.text().strip())
        )
        return bool(self.name.text().strip()) and has_images

    def sources(self) -> tuple[tuple[Path, ...], tuple[Path, ...], Path | None]:
        manifest = self.manifest.edit.text().strip()
        return (split_paths(self.real.edit.text()), split_paths(self.synthetic.edit.text()),
                Path(manifest).expanduser() if manifest else None)

    def preview(self) -> TaskHandle:
        """Load and render a sample of each class off the GUI thread, then show the thumbnails."""
        real, synthetic, manifest = self.sources()
        backend = self.wiz.backend
        self.preview_button.setEnabled(False)
        self.preview_status.setText("Loading samples…")
        handle = self.wiz.runner.submit(
            "sample thumbnails",
            lambda progress, cancel: backend.sample_images(real, synthetic, manifest, per_class=SAMPLES_PER_CLASS,
                                                           progress=progress, cancel=cancel),
            on_done=self._show_samples,
        )
        handle.ended.connect(lambda: self.preview_button.setEnabled(True))
        handle.failed.connect(lambda error: self.preview_status.setText("Could not load samples (see message)."))
        self.preview_handle = handle
        return handle

    def _show_samples(self, samples: SampleImages) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for row, (label, arrays) in enumerate((("Real", samples.real), ("Synthetic", samples.synthetic))):
            count = samples.counts.get(label.lower(), len(arrays))
            self.grid.addWidget(QLabel(f"{label}\n{count} case(s)"), row, 0)
            for col, array in enumerate(arrays, start=1):
                cell = QLabel()
                cell.setPixmap(thumbnail(array, 112))
                cell.setAlignment(Qt.AlignmentFlag.AlignCenter)
                cell.setStyleSheet("background: #000; border: 1px solid #2c3038;")
                cell.setFixedSize(118, 118)
                self.grid.addWidget(cell, row, col)
        note = f"{samples.counts.get('real', 0)} real, {samples.counts.get('synthetic', 0)} synthetic case(s) found."
        if samples.problems:
            note += f" {len(samples.problems)} file(s) could not be shown: " + "; ".join(samples.problems[:3])
        self.preview_status.setText(note)


class ProtocolPage(QWizardPage):
    """What readers are told, and the wording of each scale point."""

    def __init__(self, wizard: NewStudyWizard) -> None:
        super().__init__()
        self.setTitle("Protocol and scale")
        self.setSubTitle("Readers see the protocol before the first case and can reopen it at any time. "
                         "Scale points run from 1 (definitely synthetic) upwards, one per line.")
        layout = QFormLayout(self)
        self.protocol = QPlainTextEdit(wizard.backend_default_protocol)
        self.protocol.setMinimumHeight(150)
        self.scale = QPlainTextEdit("\n".join(DEFAULT_SCALE_LABELS))
        self.scale.setMinimumHeight(130)
        layout.addRow("Protocol text", self.protocol)
        layout.addRow("Scale wording", self.scale)
        self.protocol.textChanged.connect(self.completeChanged)
        self.scale.textChanged.connect(self.completeChanged)

    def labels(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.scale.toPlainText().splitlines() if line.strip())

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.protocol.toPlainText().strip()) and len(self.labels()) >= 2


class DesignPage(QWizardPage):
    """Readers, seed, repeats, training cases and the session rules."""

    def __init__(self, wizard: NewStudyWizard) -> None:
        super().__init__()
        self.setTitle("Readers and design")
        self.setSubTitle("Every reader gets their own shuffled order from the seed. The seed is recorded with the "
                         "study: the same seed and cases give the same orders.")
        outer = QVBoxLayout(self)
        layout = QFormLayout()
        outer.addLayout(layout)
        outer.addStretch(1)
        self.readers = QPlainTextEdit()
        self.readers.setPlaceholderText("reader ids, one per line or separated by commas (e.g. rad1, rad2, rad3)")
        self.readers.setMaximumHeight(90)
        seed_row = QWidget()
        seed_layout = QHBoxLayout(seed_row)
        seed_layout.setContentsMargins(0, 0, 0, 0)
        self.seed = QLineEdit(str(secrets.randbits(63)))
        self.new_seed = QPushButton("New seed")
        self.new_seed.clicked.connect(lambda: self.seed.setText(str(secrets.randbits(63))))
        seed_layout.addWidget(self.seed, 1)
        seed_layout.addWidget(self.new_seed)
        self.repeat = QDoubleSpinBox()
        self.repeat.setRange(0.0, 0.5)
        self.repeat.setSingleStep(0.05)
        self.repeat.setDecimals(2)
        self.repeat.setValue(0.1)
        self.training = PathField(folder=False, caption="Training cases CSV", file_filter="CSV (*.csv)")
        self.allow_back = QCheckBox("Readers may go back to earlier cases")
        self.allow_changes = QCheckBox("Readers may change an answer (kept as a new revision)")
        self.binary_call = QCheckBox("Also ask a forced real / synthetic call")
        layout.addRow("Readers", self.readers)
        layout.addRow("Seed", seed_row)
        layout.addRow("Repeat fraction", self.repeat)
        layout.addRow("Training cases (CSV)", self.training)
        layout.addRow("", self.allow_back)
        layout.addRow("", self.allow_changes)
        layout.addRow("", self.binary_call)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #e07a70;")
        layout.addRow("", self.error)
        self.seed.textChanged.connect(self.completeChanged)
        self.readers.textChanged.connect(self.completeChanged)

    def seed_value(self) -> int | None:
        text = self.seed.text().strip()
        return int(text) if text.isdigit() and int(text) < 2**63 else None

    def isComplete(self) -> bool:  # noqa: N802
        ok_seed = self.seed_value() is not None
        ok_readers = bool(split_readers(self.readers.toPlainText()))
        self.error.setText("" if ok_seed else "The seed must be a whole number between 0 and 2^63-1."
                           if self.seed.text().strip() else "")
        if ok_seed and not ok_readers:
            self.error.setText("Add at least one reader.")
        return ok_seed and ok_readers


class ImportPage(QWizardPage):
    """Runs the import in the background: progress, Cancel, problems listed per file."""

    def __init__(self, wizard: NewStudyWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Import")
        self.setSubTitle("Images are checked, hashed and re-encoded for presentation. Nothing is saved unless "
                         "every file imports cleanly.")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.bar = QProgressBar()
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel import")
        self.retry_button = QPushButton("Try again")
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        self.problems = QListWidget()
        self.problems.setVisible(False)
        layout.addWidget(self.summary)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        layout.addWidget(self.problems, 10)
        layout.addStretch(1)
        self.cancel_button.clicked.connect(self.cancel)
        self.retry_button.clicked.connect(self.start)
        self.handle: TaskHandle | None = None
        self.created: Any = None

    def initializePage(self) -> None:  # noqa: N802
        self.created = None
        self.start()

    def cleanupPage(self) -> None:  # noqa: N802 - going Back cancels a running import
        self.cancel()

    def isComplete(self) -> bool:  # noqa: N802
        return self.created is not None

    def start(self) -> None:
        request = self.wiz.request()
        self.summary.setText(
            f"Study <b>{request.name}</b>: readers {', '.join(request.readers)}; seed {request.seed}; "
            f"repeat fraction {request.repeat_fraction:.2f}; "
            f"Back {'allowed' if request.allow_back else 'not allowed'}; "
            f"answer changes {'allowed' if request.allow_changes else 'not allowed'}."
        )
        self.problems.clear()
        self.problems.setVisible(False)
        self.bar.setRange(0, 0)
        self.status.setText("Starting…")
        self.cancel_button.setEnabled(True)
        self.cancel_button.setVisible(True)
        self.retry_button.setVisible(False)
        backend = self.wiz.backend
        self.handle = self.wiz.runner.submit(
            "create study",
            lambda progress, cancel: backend.create_study(request, progress=progress, cancel=cancel),
            on_done=self._done, on_error=self._failed, on_cancelled=self._cancelled, on_progress=self._progress,
        )

    def cancel(self) -> None:
        if self.handle is not None and self.handle.running:
            self.handle.cancel()
            self.status.setText("Cancelling… nothing will be saved.")
            self.cancel_button.setEnabled(False)

    def _progress(self, done: int, total: int, message: str) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.status.setText(message)

    def _done(self, summary: Any) -> None:
        self.created = summary
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.cancel_button.setVisible(False)
        # the study exists now: going Back (and importing again) or cancelling no longer makes sense
        self.wiz.setOption(QWizard.WizardOption.DisabledBackButtonOnLastPage, True)
        self.wiz.button(QWizard.WizardButton.BackButton).setEnabled(False)
        self.wiz.button(QWizard.WizardButton.CancelButton).setEnabled(False)
        self.status.setText(
            f"Created study {summary.name!r} (draft): {summary.n_cases} cases ({summary.n_real} real, "
            f"{summary.n_synthetic} synthetic, {summary.n_training} training), readers {', '.join(summary.readers)}. "
            "Next: run the blinding audit, then open the study."
        )
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(False)
        self.retry_button.setVisible(True)
        if isinstance(error, ImportProblemsError):
            self.status.setText(f"Import refused, nothing was saved: {len(error.problems)} problem(s). Go Back to "
                                "fix the folders or manifest, or fix the files and try again.")
            self.problems.addItems(error.problems)
            self.problems.setVisible(True)
        else:
            self.status.setText("Import failed, nothing was saved.")
            self.wiz.report_error(error)

    def _cancelled(self, message: str) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(f"Cancelled: {message}")
        self.retry_button.setVisible(True)


class NewStudyWizard(QWizard):
    """The New study wizard; ``study_created`` carries the new study's name."""

    study_created = Signal(str)

    def __init__(self, backend: ConsoleBackend, runner: TaskRunner, report_error, parent: QWidget | None = None,
                 *, default_protocol: str = "") -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.report_error = report_error
        self.backend_default_protocol = default_protocol
        self.setWindowTitle("New study")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.setMinimumSize(960, 680)
        self.images = ImagesPage(self)
        self.protocol = ProtocolPage(self)
        self.design = DesignPage(self)
        self.importing = ImportPage(self)
        for page in (self.images, self.protocol, self.design, self.importing):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Done")
        self.setButtonText(QWizard.WizardButton.CommitButton, "Create study")
        self.design.setCommitPage(False)

    def request(self) -> CreateRequest:
        """The values of every page as the arguments of ``turingview study create``."""
        real, synthetic, manifest = self.images.sources()
        training = self.design.training.edit.text().strip()
        return CreateRequest(
            name=self.images.name.text().strip(), real_dirs=real, synthetic_dirs=synthetic, manifest=manifest,
            training_manifest=Path(training).expanduser() if training else None,
            readers=split_readers(self.design.readers.toPlainText()), seed=self.design.seed_value(),
            repeat_fraction=round(self.design.repeat.value(), 4),
            protocol_text=self.protocol.protocol.toPlainText().strip(), scale_labels=self.protocol.labels(),
            allow_back=self.design.allow_back.isChecked(), allow_changes=self.design.allow_changes.isChecked(),
            binary_call=self.design.binary_call.isChecked(),
        )

    def accept(self) -> None:
        created = self.importing.created
        super().accept()
        if created is not None:
            self.study_created.emit(created.name)

    def reject(self) -> None:
        self.importing.cancel()
        super().reject()
