"""Studies, Progress and Results screens on a database with ratings; exports written and parsed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from turingview.core.domain import StudyStatus
from turingview.study import get_study, list_studies

pytestmark = pytest.mark.gui


def cell_texts(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_studies_screen_lists_clones_and_archives(qtbot, console, wait, rated_study):
    db_url, name = rated_study
    window = console(db_url)
    screen = window.studies
    assert cell_texts(screen.table, 0) == [name]
    assert cell_texts(screen.table, 1) == ["open"]
    done = int(screen.table.item(0, 7).text().split(" / ")[0])
    assert done > 0 and "%" in screen.table.item(0, 7).text()
    screen.table.selectRow(0)
    assert window.current_study == name
    wait.task(screen.clone(name, "rated-copy", seed=7))
    wait.idle(window)
    assert cell_texts(screen.table, 0) == [name, "rated-copy"]
    assert get_study(db_url, "rated-copy").seed == 7
    wait.task(screen.archive("rated-copy", "superseded"))
    wait.idle(window)
    assert {s.name: s.status for s in list_studies(db_url)}["rated-copy"] is StudyStatus.ARCHIVED
    assert cell_texts(screen.table, 1) == ["open", "archived"]


def test_progress_screen_shows_readers_and_packages(qtbot, console, wait, rated_study, tmp_path: Path):
    db_url, name = rated_study
    window = console(db_url)
    window.go("progress", name)
    screen = window.progress
    wait.idle(window)
    assert cell_texts(screen.readers, 0) == ["ann", "bob", "cy"]
    assert cell_texts(screen.readers, 7) == ["finished", "finished", "in progress"]
    assert cell_texts(screen.readers, 3)[:2] == ["100%", "100%"]
    assert float(screen.readers.item(0, 4).text().removesuffix(" s")) >= 8.0  # median seconds per case
    assert "2 of 3 reader(s) finished (ann, bob)" in screen.summary.text()
    assert screen.timer.isActive()  # auto refresh while visible
    # a reader package goes out: the log shows it
    wait.task(screen.export_package("cy", tmp_path / "cy.tvpkg"))
    wait.idle(window)
    assert (tmp_path / "cy.tvpkg").exists()
    assert cell_texts(screen.packages, 1) == ["package out"] and cell_texts(screen.packages, 2) == ["cy"]
    window.go("studies")
    assert not screen.timer.isActive()


def test_results_screen_tables_plots_and_exports(qtbot, console, wait, rated_study, tmp_path: Path):
    db_url, name = rated_study
    window = console(db_url)
    window.go("results", name)
    screen = window.results
    wait.task(screen.refresh(), timeout=240_000)
    assert screen.results is not None
    assert "readings: 3 reader(s) x 16 case(s)" in screen.summary.text()
    assert "Reader-averaged AUC" in screen.summary.text()
    detection = screen.table_tabs["Detection"].tables["per_reader"]
    assert detection.rowCount() == 3
    assert screen.table_tabs["Agreement"].tables["agreement_pairs"].rowCount() >= 1
    assert screen.plot_grid.count() >= 3  # ROC, histogram, kappa heat map

    written = {}
    for fmt, dest in (("json", tmp_path / "out.json"), ("xlsx", tmp_path / "out.xlsx"),
                      ("csv", tmp_path / "tables"), ("imrmc", tmp_path / "out.imrmc"),
                      ("html", tmp_path / "report.html"), ("pdf", tmp_path / "report.pdf"),
                      ("rjafroc", tmp_path / "rjafroc.xlsx")):
        handle = screen.export(fmt, dest)
        wait.task(handle, timeout=240_000)
        written[fmt] = handle.result
    results = json.loads(Path(written["json"]).read_text())
    assert results["data"]["n_readers"] == 3 and results["provenance"]["study"] == name
    import openpyxl

    workbook = openpyxl.load_workbook(written["xlsx"], read_only=True)
    assert "per_reader" in workbook.sheetnames
    with (Path(written["csv"]) / "per_reader.csv").open(newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 3
    assert "BEGIN DATA" in Path(written["imrmc"]).read_text()
    assert "<html" in Path(written["html"]).read_text().lower()
    pdf = Path(written["pdf"]).read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 2
    jafroc = openpyxl.load_workbook(written["rjafroc"], read_only=True)
    assert {"TP", "FP", "Truth"} <= set(jafroc.sheetnames)
    truth = list(jafroc["Truth"].iter_rows(values_only=True))
    assert len(truth) == 1 + 16  # header + one row per case
    assert window.errors == []


@pytest.mark.slow
def test_realism_check_runs_from_the_results_screen(qtbot, wait, rated_study):
    pytest.importorskip("torch")
    from turingview.cli.study_audit import ConsoleStudyBackend
    from turingview.realism import RealismConfig
    from turingview.study import load_artifacts
    from turingview.ui.console.window import ConsoleWindow

    db_url, name = rated_study
    quick = RealismConfig(device="cpu", folds=2, epochs=2, size=32, controls=False)
    window = ConsoleWindow(ConsoleStudyBackend(db_url, realism_config=quick))
    qtbot.addWidget(window)
    window.go("results", name)
    screen = window.results
    seen: list[tuple[int, int]] = []
    handle = screen.run_realism()
    handle.progress.connect(lambda done, total, _: seen.append((done, total)))
    assert screen.realism_bar.running and not screen.realism_button.isEnabled()
    wait.task(handle, timeout=300_000)
    assert window.errors == [], window.errors
    assert seen and "Realism check" in screen.realism_summary.text() and "AUC" in screen.realism_summary.text()
    (stored,) = load_artifacts(db_url, name, "realism")
    assert stored["study"] == name and 0.0 <= stored["auc"] <= 1.0
    window.close()
