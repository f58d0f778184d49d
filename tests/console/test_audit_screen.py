"""The Blinding audit screen: same result as the CLI, planted cues flagged, guarded opening with override."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from turingview.cli.study_audit import audit_command
from turingview.core.domain import StudyStatus
from turingview.core.errors import StudyStateError
from turingview.study import create_study, get_study

pytestmark = pytest.mark.gui


def rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_header_cue_flagged_on_raw_files_gone_on_presented_images(qtbot, console, wait, sqlite_url, image_folders):
    real, synthetic = image_folders(6, real_manufacturer="ACME Medical")
    create_study(sqlite_url, "hdr", real_dirs=[real], synthetic_dirs=[synthetic], readers=["r1"], seed=1)
    window = console(sqlite_url)
    window.go("audit", "hdr")
    wait.idle(window)
    screen = window.audit
    assert "No audit yet" in screen.verdict.text()
    wait.task(screen.run_audit())
    table = rows(screen.table)
    manufacturer = [r for r in table if r[3] == "DICOM Manufacturer"]
    assert manufacturer and manufacturer[0][0] == "strong, removed" and manufacturer[0][2] == "raw files"
    assert "ACME Medical" in manufacturer[0][4]
    assert not any(r[2] == "presented images" and r[0] == "strong" for r in table)
    assert screen.verdict.text().startswith("Clean") and "removed" in screen.verdict.text()
    # the console and `turingview study audit --json` give the same result
    cli = json.loads(CliRunner().invoke(audit_command, ["hdr", "--db", sqlite_url, "--json", "--no-save"]).output)
    assert cli["verdict"] == screen.result["verdict"]
    assert [c["key"] for c in cli["raw"]["cues"]] == [c["key"] for c in screen.result["raw"]["cues"]]
    # nothing blocks: the study opens without an override
    wait.task(screen.open_study())
    assert get_study(sqlite_url, "hdr").status is StudyStatus.OPEN
    assert not screen.open_button.isEnabled()


def test_blocked_study_needs_a_recorded_override(qtbot, console, wait, sqlite_url, image_folders, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from turingview.storage import store_scope

    real, synthetic = image_folders(6, float_synthetic_nifti=True)
    create_study(sqlite_url, "float", real_dirs=[real], synthetic_dirs=[synthetic], readers=["r1"], seed=1)
    window = console(sqlite_url)
    window.go("audit", "float")
    screen = window.audit
    wait.task(screen.run_audit())
    assert screen.verdict.text().startswith("Blocked")
    table = rows(screen.table)
    assert table[0][:3] == ["strong", "1.000", "presented images"]
    assert any(r[3] == "Stored data type" and r[2] == "raw files" for r in table)
    assert any("Round the synthetic intensities" in r[5] for r in screen.rows)
    row = next(i for i, r in enumerate(screen.rows) if r[3].startswith("Non-integer"))
    screen.table.selectRow(row)
    assert "Round the synthetic intensities" in screen.advice.toPlainText()

    # opening without an override is refused at the one error boundary; the study stays a draft
    wait.task(screen.open_study())
    assert isinstance(window.errors[-1], StudyStateError) and "cannot open" in str(window.errors[-1])
    assert window._message is not None and window._message.isVisible()
    window._message.close()
    assert get_study(sqlite_url, "float").status is StudyStatus.DRAFT

    # the Open button asks for a reason when the audit is blocked; the reason lands in the audit trail
    reason = "pilot with residents; fractional values invisible after windowing"
    monkeypatch.setattr(QInputDialog, "getMultiLineText", staticmethod(lambda *a, **k: (reason, True)))
    screen.open_button.click()
    wait.idle(window)
    assert get_study(sqlite_url, "float").status is StudyStatus.OPEN
    with store_scope(sqlite_url) as store:
        (event,) = store.events(store.study("float"), "blinding_override")
        assert json.loads(event.body)["payload"]["override_reason"] == reason
    assert "recorded override" in screen.counts.text()


def test_cancel_button_stops_the_audit_and_saves_nothing(qtbot, console, wait, sqlite_url, image_folders):
    from turingview.study.blinding_audit_run import latest_audit

    real, synthetic = image_folders(8)
    create_study(sqlite_url, "cancel", real_dirs=[real], synthetic_dirs=[synthetic], readers=["r1"], seed=1)
    window = console(sqlite_url)
    window.go("audit", "cancel")
    wait.idle(window)
    screen = window.audit
    handle = screen.run_audit()
    assert screen.taskbar.isVisible() and not screen.run_button.isEnabled()
    screen.taskbar.cancel_button.click()
    wait.task(handle)
    assert "Cancelled" in screen.counts.text()
    assert not screen.taskbar.isVisible() and screen.run_button.isEnabled()
    assert latest_audit(sqlite_url, "cancel") is None
    assert window.errors == []
