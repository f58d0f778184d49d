"""Results: the statistics as tables and plots, refreshed as ratings come in; exports; the realism check.

The analysis is ``turingview analyze --study NAME`` (the same function), run off the GUI thread on the
Refresh button or a timer. Tables are the tidy tables of ``results.json``; plots are the report's figures.
The realism check imports torch only when its button is pressed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from turingview.ui.console.backend import EXPORT_FORMATS, ConsoleBackend
from turingview.ui.console.tasks import TaskHandle, TaskRunner
from turingview.ui.console.widgets import (
    TaskBar,
    VisibleRefreshTimer,
    banner,
    fill_table,
    heading,
    make_table,
    muted,
    set_banner,
)

REFRESH_MS = 60_000
PLOT_SIZE = (490, 340)
#: Tabs of tidy tables: tab title -> table names (keys of ``export.tables.tidy_tables``).
TABLE_TABS: dict[str, tuple[str, ...]] = {
    "Detection": ("pooled", "per_reader"),
    "Per generator": ("per_generator",),
    "Agreement": ("agreement", "agreement_pairs", "intra_reader"),
    "MRMC": ("mrmc", "equivalence", "roc_paired"),
    "Subgroups": ("subgroups",),
    "Notes": ("notes",),
}
FIGURE_TITLES = {"roc": "ROC curves", "histogram": "Score histograms", "kappa": "Cohen's kappa heat map",
                 "fooling": "Fooling rate per generator"}


def headline(results: dict) -> str:
    """One paragraph a coordinator can read: size, reader-averaged AUC, agreement."""
    data = results.get("data", {})
    parts = [f"{data.get('n_first_reads', 0)} readings: {data.get('n_readers', 0)} reader(s) x "
             f"{data.get('n_cases', 0)} case(s)."]
    mrmc = results.get("mrmc") or {}
    if mrmc.get("auc") is not None:
        ci = mrmc.get("ci") or [None, None]
        ci_text = f" (95% CI {ci[0]:.2f}-{ci[1]:.2f})" if None not in ci else ""
        parts.append(f"Reader-averaged AUC {mrmc['auc']:.3f}{ci_text}; 0.5 means readers cannot tell real from "
                     "synthetic.")
    else:
        pooled = results.get("pooled") or {}
        if isinstance(pooled, dict) and isinstance(pooled.get("auc"), float):
            parts.append(f"Pooled AUC {pooled['auc']:.3f} (0.5 = readers cannot tell).")
        parts.append("The reader-averaged (MRMC) AUC needs every reader to have read the same cases: see Notes.")
    kappa = (results.get("agreement") or {}).get("fleiss_kappa")
    if kappa is not None:
        parts.append(f"Fleiss' kappa {kappa:.2f}.")
    if results.get("notes"):
        parts.append(f"{len(results['notes'])} note(s) on undefined results (Notes tab).")
    return " ".join(parts)


_ACRONYMS = {"auc": "AUC", "ci": "CI", "se": "SE", "df": "df", "p": "p", "z": "z", "id": "id", "tost": "TOST",
             "mrmc": "MRMC", "roc": "ROC", "ac1": "AC1", "ac2": "AC2", "n": "n"}


def pretty(column: str) -> str:
    """``"auc_ci_low"`` -> ``"AUC CI low"``: readable headers over the tidy-table column names."""
    words = [_ACRONYMS.get(w, w) for w in column.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if words and words[0] not in _ACRONYMS.values() else text


def drop_empty_columns(columns: list[str], rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Leave out columns with no value in any row (a ``test`` column of a single-condition study)."""
    keep = [i for i in range(len(columns)) if any(row[i] is not None for row in rows)] if rows else []
    return [columns[i] for i in keep], [[row[i] for i in keep] for row in rows]


class TableTab(QWidget):
    """Several titled tables stacked in one scrollable tab."""

    def __init__(self, names: tuple[str, ...]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.tables = {}
        self.labels = {}
        for name in names:
            label = QLabel(name.replace("_", " ").capitalize())
            table = make_table(("",))
            table.setMinimumHeight(120)
            layout.addWidget(label)
            layout.addWidget(table)
            self.tables[name] = table
            self.labels[name] = label
        layout.addStretch(1)

    def show_tables(self, tables: dict[str, tuple[list[str], list[list[Any]]]]) -> None:
        for name, table in self.tables.items():
            columns, rows = drop_empty_columns(*tables.get(name, ([], [])))
            table.setColumnCount(max(len(columns), 1))
            table.setHorizontalHeaderLabels([pretty(c) for c in columns] or ["(no data)"])
            for index, column in enumerate(columns):
                table.horizontalHeaderItem(index).setToolTip(column)  # the tidy-table (CSV) column name
            fill_table(table, rows)
            table.setFixedHeight(min(34 + 30 * max(len(rows), 1) + 20, 330))
            self.labels[name].setText(f"{pretty(name)} ({len(rows)} row(s))")


class ResultsScreen(QWidget):
    """Tables, plots, exports and the realism check for the current study."""

    def __init__(self, backend: ConsoleBackend, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.runner = runner
        self.study: str | None = None
        self.results: dict | None = None
        self.out_dir: Path | None = None
        layout = QVBoxLayout(self)
        self.title = heading("Results")
        layout.addWidget(self.title)
        row = QHBoxLayout()
        self.refresh_button = QPushButton("Refresh analysis")
        self.refresh_button.setObjectName("primary")
        self.auto = QCheckBox(f"Re-analyse every {REFRESH_MS // 1000} s while shown")
        row.addWidget(self.refresh_button)
        row.addWidget(self.auto)
        row.addStretch(1)
        layout.addLayout(row)
        self.taskbar = TaskBar()
        layout.addWidget(self.taskbar)
        self.summary = banner("")
        layout.addWidget(self.summary)
        self.tabs = QTabWidget()
        self.table_tabs: dict[str, TableTab] = {}
        self.plots = QWidget()
        self.plot_grid = QGridLayout(self.plots)
        plot_scroll = QScrollArea()
        plot_scroll.setWidgetResizable(True)
        plot_scroll.setWidget(self.plots)
        self.tabs.addTab(plot_scroll, "Plots")
        for title, names in TABLE_TABS.items():
            tab = TableTab(names)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(tab)
            self.tabs.addTab(scroll, title)
            self.table_tabs[title] = tab
        self.tabs.addTab(self._realism_tab(), "Realism check")
        layout.addWidget(self.tabs, 1)
        exports = QHBoxLayout()
        exports.addWidget(QLabel("Export:"))
        self.export_buttons: dict[str, QPushButton] = {}
        for key, (text, _, _) in EXPORT_FORMATS.items():
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=key: self.ask_export(k))
            exports.addWidget(button)
            self.export_buttons[key] = button
        exports.addStretch(1)
        layout.addLayout(exports)
        self.status = muted("")
        layout.addWidget(self.status)
        self.timer = VisibleRefreshTimer(self, self.auto, REFRESH_MS, self.refresh)
        self.refresh_button.clicked.connect(self.refresh)
        self._update_buttons()

    def _realism_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(muted(
            "A small neural network is trained to tell the study's synthetic images from its real ones (patient-"
            "grouped cross-validation). An AUC near 0.5 means no detectable difference; near 1 means the generator "
            "leaves traces a machine can find even if readers cannot. Needs the [realism] extra (torch)."))
        row = QHBoxLayout()
        self.realism_button = QPushButton("Run realism check")
        row.addWidget(self.realism_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.realism_bar = TaskBar()
        layout.addWidget(self.realism_bar)
        self.realism_summary = banner("")
        layout.addWidget(self.realism_summary)
        layout.addStretch(1)
        self.realism_button.clicked.connect(self.run_realism)
        return tab

    # study -------------------------------------------------------------------------------------------
    def set_study(self, name: str | None) -> None:
        if name == self.study:
            return
        self.study = name
        self.results = None
        self.title.setText(f"Results — {name}" if name else "Results")
        set_banner(self.summary, "Press Refresh analysis to compute the statistics from the ratings so far."
                   if name else "Choose a study on the Studies screen.", "info")
        set_banner(self.realism_summary, "", "info")
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.taskbar.running
        self.refresh_button.setEnabled(self.study is not None and idle)
        for button in self.export_buttons.values():
            button.setEnabled(self.study is not None and idle)
        self.realism_button.setEnabled(self.study is not None and not self.realism_bar.running)

    # analysis ------------------------------------------------------------------------------------------
    def refresh(self) -> TaskHandle | None:
        if self.study is None or self.taskbar.running:
            return None
        name, backend = self.study, self.backend
        handle = self.runner.submit(
            "analysis", lambda progress, cancel: backend.analyse(name, progress=progress, cancel=cancel),
            on_done=lambda triple: self._show(name, *triple),
            on_cancelled=lambda msg: self.status.setText(f"Cancelled: {msg}"))
        self.taskbar.track(handle, "Analysing the ratings…")
        handle.ended.connect(self._update_buttons)
        self._update_buttons()
        return handle

    def _show(self, name: str, results: dict, out_dir: Path, tables: dict) -> None:
        if name != self.study:
            return
        self.results, self.out_dir = results, Path(out_dir)
        set_banner(self.summary, headline(results), "info")
        for tab in self.table_tabs.values():
            tab.show_tables(tables)
        self._show_figures(self.out_dir / "figures")
        generated = (results.get("provenance") or {}).get("generated_at", "")
        self.status.setText(f"Analysed {generated}; files in {self.out_dir}")

    def _show_figures(self, folder: Path) -> None:
        while self.plot_grid.count():
            item = self.plot_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        shown = 0
        for key, title in FIGURE_TITLES.items():
            path = folder / f"{key}.png"
            if not path.exists():
                continue
            box = QVBoxLayout()
            cell = QWidget()
            cell.setLayout(box)
            box.addWidget(QLabel(title))
            picture = QLabel()
            picture.setPixmap(QPixmap(str(path)).scaled(PLOT_SIZE[0], PLOT_SIZE[1], Qt.AspectRatioMode.KeepAspectRatio,
                                                        Qt.TransformationMode.SmoothTransformation))
            box.addWidget(picture)
            self.plot_grid.addWidget(cell, shown // 2, shown % 2, Qt.AlignmentFlag.AlignTop)
            shown += 1
        if not shown:
            self.plot_grid.addWidget(muted("No plots yet: they need ratings with truth from at least one reader."),
                                     0, 0)

    # exports -------------------------------------------------------------------------------------------
    def ask_export(self, fmt: str) -> None:
        if self.study is None:
            return
        text, file_filter, default = EXPORT_FORMATS[fmt]
        if fmt == "csv":
            chosen = QFileDialog.getExistingDirectory(self, f"Folder for the {text}")
        else:
            chosen, _ = QFileDialog.getSaveFileName(self, f"Save {text}", f"{self.study}-{default}", file_filter)
        if chosen:
            self.export(fmt, Path(chosen))

    def export(self, fmt: str, dest: Path) -> TaskHandle | None:
        """Re-analyse the current ratings and write one export format to ``dest``."""
        if self.study is None or self.taskbar.running:
            return None
        name, backend = self.study, self.backend
        handle = self.runner.submit(
            f"export {fmt}", lambda progress, cancel: backend.export(name, fmt, dest, progress=progress, cancel=cancel),
            on_done=lambda path: self.status.setText(f"Written: {path}"),
            on_cancelled=lambda msg: self.status.setText(f"Cancelled: {msg}"))
        self.taskbar.track(handle, f"Exporting {EXPORT_FORMATS[fmt][0]}…")
        handle.ended.connect(self._update_buttons)
        self._update_buttons()
        return handle

    # realism -------------------------------------------------------------------------------------------
    def run_realism(self) -> TaskHandle | None:
        if self.study is None or self.realism_bar.running:
            return None
        name, backend = self.study, self.backend
        handle = self.runner.submit(
            "realism check", lambda progress, cancel: backend.realism_check(name, progress=progress, cancel=cancel),
            on_done=self._realism_done,
            on_cancelled=lambda msg: set_banner(self.realism_summary, f"Cancelled: {msg}", "info"))
        self.realism_bar.track(handle, "Training the domain classifier…")
        handle.ended.connect(self._update_buttons)
        self._update_buttons()
        return handle

    def _realism_done(self, result: dict) -> None:
        auc = result.get("auc")
        ci = result.get("auc_ci") or [None, None]
        verdict = result.get("verdict", "")
        reasons = "; ".join(result.get("verdict_reasons", [])[:3])
        auc_text = f"AUC {auc:.3f}" if isinstance(auc, float) else "AUC –"
        if None not in ci and isinstance(auc, float):
            auc_text += f" (95% CI {ci[0]:.2f}-{ci[1]:.2f})"
        set_banner(self.realism_summary, f"Realism check: {verdict}. {auc_text}. {reasons}".strip(),
                   "ok" if isinstance(auc, float) and auc < 0.65 else "warning")
