"""Blinding audit: the same check as ``turingview study audit NAME``, and the guarded Open study button."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from turingview.ui.console.backend import ConsoleBackend
from turingview.ui.console.tasks import TaskHandle, TaskRunner
from turingview.ui.console.widgets import (
    STRENGTH_COLOURS,
    TaskBar,
    banner,
    fill_table,
    heading,
    make_table,
    muted,
    set_banner,
)

COLUMNS = ("Strength", "AUC", "Seen on", "Cue", "How the classes differ")
STAGE_CHOICES = {"Raw files and presented images": ("raw", "presented"), "Presented images only": ("presented",),
                 "Raw files only": ("raw",)}
STAGE_NAMES = {"raw": "raw files", "presented": "presented images"}


def audit_rows(result: dict, *, graded_only: bool) -> list[tuple[Any, ...]]:
    """Table rows (strongest first) of an audit's ``to_dict()``: presented-image cues before raw-file cues."""
    rows = []
    order = {"strong": 0, "moderate": 1, "strong, removed": 2, "too few cases": 3, "none": 4}
    removed = set(result.get("resolved_by_presentation") or ())
    for stage in ("presented", "raw"):
        report = result.get(stage)
        if not report:
            continue
        for cue in report["cues"]:
            if graded_only and cue["strength"] not in ("strong", "moderate"):
                continue
            strength = cue["strength"]
            if stage == "raw" and strength == "strong" and cue["key"] in removed:
                strength = "strong, removed"  # readers never see it: the presentation step removed it
            rows.append((strength, float(cue["auc"]), STAGE_NAMES[stage], cue["label"], cue["finding"],
                         cue["remedy"]))
    rows.sort(key=lambda r: (order[r[0]], r[2] != "presented images", r[3] == "File size", -r[1]))
    return rows


def verdict_text(result: dict) -> tuple[str, str]:
    """The banner text and level of an audit result."""
    verdict = result["verdict"]
    resolved = result.get("resolved_by_presentation") or []
    extra = f" The presentation step removed {len(resolved)} raw-file cue(s)." if resolved else ""
    when = result.get("created_at", "")[:19].replace("T", " ")
    if verdict == "blocked":
        n = len(result["unresolved_strong"])
        return (f"Blocked: {n} strong cue(s) survive presentation, so readers could tell the classes apart "
                f"without judging the image. Fix the source files (see 'What to do'), or open with a recorded "
                f"override.{extra}  (audit of {when} UTC)", "danger")
    if verdict == "warning":
        return (f"Moderate cues only: the study may open, but consider the remedies below.{extra}  "
                f"(audit of {when} UTC)", "warning")
    return f"Clean: nothing besides the image content separates the classes.{extra}  (audit of {when} UTC)", "ok"


class AuditScreen(QWidget):
    """Runs the audit off the GUI thread; shows every cue with its AUC, strength and remedy."""

    def __init__(self, backend: ConsoleBackend, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.study: str | None = None
        self.result: dict | None = None
        self.status: str = ""
        layout = QVBoxLayout(self)
        self.title = heading("Blinding audit")
        layout.addWidget(self.title)
        layout.addWidget(muted(
            "Checks whether anything other than what the image shows separates real from synthetic cases: matrix "
            "size, bit depth and type, spacing, slice count, intensity range and quantisation, format and "
            "compression, file size, DICOM attributes and NIfTI header fields. Each cue's AUC is how well it alone "
            "separates the classes (0.5 = not at all, 1 = perfectly); strong: AUC >= 0.80, moderate: >= 0.65."))
        row = QHBoxLayout()
        self.stages = QComboBox()
        self.stages.addItems(list(STAGE_CHOICES))
        self.run_button = QPushButton("Run audit")
        self.run_button.setObjectName("primary")
        self.open_button = QPushButton("Open study to readers…")
        self.graded_only = QCheckBox("Strong and moderate cues only")
        self.graded_only.setChecked(True)
        row.addWidget(QLabel("Check"))
        row.addWidget(self.stages)
        row.addWidget(self.run_button)
        row.addWidget(self.graded_only)
        row.addStretch(1)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.taskbar = TaskBar()
        layout.addWidget(self.taskbar)
        self.verdict = banner("")
        layout.addWidget(self.verdict)
        self.counts = muted("")
        layout.addWidget(self.counts)
        self.table = make_table(COLUMNS, stretch=4, widths={3: 260})
        layout.addWidget(self.table, 3)
        layout.addWidget(QLabel("What to do"))
        self.advice = QTextBrowser()
        self.advice.setMaximumHeight(150)
        layout.addWidget(self.advice, 1)
        self.rows: list[tuple] = []
        self.table.itemSelectionChanged.connect(self._show_advice)
        self.run_button.clicked.connect(self.run_audit)
        self.open_button.clicked.connect(self.ask_open)
        self.graded_only.toggled.connect(lambda _: self._render())
        self._update_buttons()

    # study ---------------------------------------------------------------------------------------------
    def set_study(self, name: str | None) -> None:
        """Show ``name``'s latest saved audit (loaded off the GUI thread)."""
        if name == self.study:
            return
        self.study = name
        self.result = None
        self._render()
        if name is None:
            return
        self.title.setText(f"Blinding audit — {name}")
        backend = self.backend
        self.runner.submit("load audit", lambda: (backend.get_study(name), backend.latest_audit(name)),
                           on_done=lambda pair: self._loaded(name, *pair))

    def _loaded(self, name: str, summary: Any, result: dict | None) -> None:
        if name != self.study:
            return
        self.status = str(getattr(summary.status, "value", summary.status))
        if result is not None:
            self.result = result
        self._render()

    # actions ---------------------------------------------------------------------------------------------
    def run_audit(self) -> TaskHandle | None:
        if self.study is None:
            return None
        name, stages = self.study, STAGE_CHOICES[self.stages.currentText()]
        backend = self.backend
        handle = self.runner.submit(
            "blinding audit",
            lambda progress, cancel: backend.audit_study(name, stages=stages, progress=progress, cancel=cancel),
            on_done=lambda result: self._show(name, result),
            on_cancelled=lambda msg: self.counts.setText(f"Cancelled: {msg}"),
        )
        self.taskbar.track(handle, "Auditing…")
        self._busy(handle)
        return handle

    def ask_open(self) -> None:
        if self.study is None:
            return
        reason = None
        if self.result is not None and self.result.get("verdict") == "blocked":
            text, ok = QInputDialog.getMultiLineText(
                self, "Open despite strong cues",
                "Strong cues survive presentation. Opening anyway needs a reason, recorded in the audit trail and "
                "the report (for example why readers cannot exploit the cues):", "")
            if not ok:
                return
            reason = text.strip()
        self.open_study(reason)

    def open_study(self, override_reason: str | None = None) -> TaskHandle | None:
        """Re-run the audit and open the study (``StudyStateError`` at the boundary if a strong cue remains)."""
        if self.study is None:
            return None
        name = self.study
        backend = self.backend
        handle = self.runner.submit(
            "open study",
            lambda progress, cancel: backend.open_study(name, override_reason=override_reason, progress=progress,
                                                        cancel=cancel),
            on_done=lambda outcome: self._opened(name, outcome),
        )
        self.taskbar.track(handle, "Auditing and opening…")
        self._busy(handle)
        return handle

    def _opened(self, name: str, outcome: dict) -> None:
        self.status = "open"
        self._show(name, outcome["audit"])
        note = " with a recorded override" if outcome.get("overridden") else ""
        self.counts.setText(f"Study {name!r} is open to readers{note}.")

    # rendering -------------------------------------------------------------------------------------------
    def _busy(self, handle: TaskHandle) -> None:
        self.run_button.setEnabled(False)
        self.open_button.setEnabled(False)
        handle.ended.connect(self._update_buttons)

    def _show(self, name: str, result: dict) -> None:
        if name == self.study:
            self.result = result
            self._render()

    def _update_buttons(self) -> None:
        idle = not self.taskbar.running
        self.run_button.setEnabled(self.study is not None and idle)
        self.open_button.setEnabled(self.study is not None and idle and self.status in ("draft", ""))
        self.open_button.setToolTip("" if self.status in ("draft", "") else f"The study is {self.status}.")

    def _render(self) -> None:
        self._update_buttons()
        result = self.result
        if result is None:
            set_banner(self.verdict, "No audit yet for this study: run one before opening it." if self.study else "",
                       "info")
            self.counts.setText("" if self.study else "Choose a study on the Studies screen.")
            self.rows = []
            fill_table(self.table, [])
            self.advice.clear()
            return
        text, level = verdict_text(result)
        set_banner(self.verdict, text, level)
        parts = []
        for stage in ("raw", "presented"):
            report = result.get(stage)
            if report:
                parts.append(f"{STAGE_NAMES[stage].capitalize()}: {report['n_real']} real, {report['n_synthetic']} "
                             f"synthetic; {report['n_strong']} strong, {report['n_moderate']} moderate, "
                             f"{report['n_cues_identical']} identical in every case"
                             + (f"; {len(report['problems'])} unreadable" if report["problems"] else ""))
        self.counts.setText(".  ".join(parts))
        self.rows = audit_rows(result, graded_only=self.graded_only.isChecked())
        fill_table(self.table, [r[:5] for r in self.rows], colours=[STRENGTH_COLOURS.get(r[0]) for r in self.rows])
        if self.rows:
            self.table.selectRow(0)
        else:
            self.advice.setPlainText("Nothing to do: no strong or moderate cue." if result else "")

    def _show_advice(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        if not selected or selected[0].row() >= len(self.rows):
            return
        strength, auc, stage, label, finding, remedy = self.rows[selected[0].row()]
        self.advice.setHtml(f"<b>{html.escape(label)}</b> ({html.escape(strength)}, AUC {auc:.2f}, "
                            f"{html.escape(stage)}): {html.escape(finding)}<br><br>{html.escape(remedy)}")
