"""The New study wizard, driven like a coordinator: fields, Next, the background import, Done."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from turingview.core.domain import StudyStatus
from turingview.study import case_records, get_study, list_studies

pytestmark = pytest.mark.gui


def fill_wizard(qtbot, wizard, *, name: str, real: Path, synthetic: Path, readers: str = "rad1, rad2") -> None:
    images = wizard.images
    qtbot.keyClicks(images.name, name)
    images.real.edit.setText(str(real))
    images.synthetic.edit.setText(str(synthetic))
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    assert wizard.currentPage() is wizard.protocol
    wizard.protocol.protocol.setPlainText("Rate how real each image looks.")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    design = wizard.design
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()  # no readers yet
    design.readers.setPlainText(readers)
    design.seed.setText("123456789")
    design.repeat.setValue(0.2)
    design.allow_back.setChecked(True)


def test_wizard_creates_a_study_in_the_background(qtbot, console, wait, sqlite_url: str, image_folders) -> None:
    real, synthetic = image_folders(5)
    window = console(sqlite_url)
    qtbot.mouseClick(window.studies.new_button, Qt.MouseButton.LeftButton)
    wizard = window.wizard
    assert wizard is not None and wizard.isVisible()

    wizard.images.name.setText("")
    fill_wizard(qtbot, wizard, name="wiz-study", real=real, synthetic=synthetic)
    # thumbnails of a sample of each class (rendered off the GUI thread)
    wizard.back()
    wizard.back()
    handle = wizard.images.preview()
    wait.task(handle)
    assert wizard.images.grid.count() == 2 + 5 + 5
    assert "5 real, 5 synthetic" in wizard.images.preview_status.text()
    wizard.next()
    wizard.next()

    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)
    page = wizard.importing
    assert wizard.currentPage() is page
    qtbot.waitUntil(page.isComplete, timeout=60_000)
    assert "Created study 'wiz-study'" in page.status.text()
    assert not wizard.button(QWizard.WizardButton.BackButton).isEnabled()  # it exists now: no second import
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), Qt.MouseButton.LeftButton)

    summary = get_study(sqlite_url, "wiz-study")
    assert summary.status is StudyStatus.DRAFT and summary.seed == 123456789
    assert (summary.n_real, summary.n_synthetic) == (5, 5)
    assert summary.readers == ("rad1", "rad2")
    assert summary.settings["allow_back"] is True and summary.settings["allow_changes"] is False
    assert summary.settings["repeat_fraction"] == pytest.approx(0.2)
    assert summary.protocol_text == "Rate how real each image looks."
    assert len(case_records(sqlite_url, "wiz-study")) == 10
    # the console moves on to the audit of the new study and lists it
    wait.idle(window)
    assert window.current_study == "wiz-study"
    assert window.stack.currentWidget() is window.audit
    assert window.studies.table.item(0, 0).text() == "wiz-study"


def test_import_problems_are_listed_per_file_and_nothing_is_written(qtbot, console, wait, sqlite_url: str,
                                                                    image_folders) -> None:
    real, synthetic = image_folders(4)
    (synthetic / "broken.dcm").write_bytes(b"this is not an image" * 20)
    window = console(sqlite_url)
    wizard = window.new_study()
    fill_wizard(qtbot, wizard, name="broken-study", real=real, synthetic=synthetic)
    wizard.next()
    page = wizard.importing
    wait.task(page.handle)
    assert not page.isComplete()
    problems = [page.problems.item(i).text() for i in range(page.problems.count())]
    assert page.problems.isVisible() and any("broken.dcm" in p for p in problems)
    assert "nothing was saved" in page.status.text()
    assert list_studies(sqlite_url) == []
    # fix the folder and try again from the same page
    (synthetic / "broken.dcm").unlink()
    qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(page.isComplete, timeout=60_000)
    assert [s.name for s in list_studies(sqlite_url)] == ["broken-study"]


def test_cancelled_import_leaves_nothing(qtbot, console, wait, sqlite_url: str, image_folders) -> None:
    real, synthetic = image_folders(6)
    window = console(sqlite_url)
    wizard = window.new_study()
    fill_wizard(qtbot, wizard, name="cancel-me", real=real, synthetic=synthetic)
    wizard.next()
    page = wizard.importing
    page.cancel()  # immediately: the first progress check stops the import
    wait.task(page.handle)
    assert not page.isComplete()
    assert "Cancelled" in page.status.text()
    assert list_studies(sqlite_url) == []
    wizard.reject()


def test_manifest_with_generator_and_subgroup_columns(qtbot, console, wait, sqlite_url: str, image_folders,
                                                      tmp_path: Path) -> None:
    real, synthetic = image_folders(4)
    manifest = tmp_path / "manifest.csv"
    lines = ["path,truth,generator,site,scanner"]
    lines += [f"{real.name}/{p.name},real,,{'A' if i % 2 else 'B'},X1" for i, p in enumerate(sorted(real.iterdir()))]
    lines += [f"{synthetic.name}/{p.name},synthetic,{'gan' if i % 2 else 'diffusion'},,"
              for i, p in enumerate(sorted(synthetic.iterdir()))]
    manifest.write_text("\n".join(lines) + "\n")
    window = console(sqlite_url)
    wizard = window.new_study()
    wizard.images.name.setText("from-manifest")
    wizard.images.manifest.edit.setText(str(manifest))
    assert wizard.images.isComplete()
    wait.task(wizard.images.preview())
    assert "4 real, 4 synthetic" in wizard.images.preview_status.text()
    wizard.next()
    wizard.next()
    wizard.design.readers.setPlainText("r1")
    wizard.next()
    qtbot.waitUntil(wizard.importing.isComplete, timeout=60_000)
    records = case_records(sqlite_url, "from-manifest")
    assert sorted(r["generator"] or "-" for r in records) == ["-"] * 4 + ["diffusion"] * 2 + ["gan"] * 2
    assert sorted(r["site"] or "-" for r in records if r["truth"] == "real") == ["A", "A", "B", "B"]
    assert {r["scanner"] for r in records if r["truth"] == "real"} == {"X1"}
