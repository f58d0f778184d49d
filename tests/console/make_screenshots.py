"""Screenshots of every console screen on sample data: ``resources/screenshots/console_*.png`` (1280x800).

Run under a virtual display::

    xvfb-run -s "-screen 0 1600x1000x24" python tests/console/make_screenshots.py

It builds a throw-away database with one rated study of the bundled sample data (header cues that presentation
removes) and one draft study with a planted cue that survives presentation, then drives the real console window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "screenshots"
sys.path.insert(0, str(Path(__file__).resolve().parent))

import conftest as fixtures  # noqa: E402  (the console test fixtures' plain helpers)


def pump(app: QApplication, ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_idle(app: QApplication, window, timeout_s: float = 300) -> None:
    waited = 0.0
    while window.runner.busy and waited < timeout_s:
        pump(app, 100)
        waited += 0.1
    pump(app, 300)


def grab(widget, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"console_{name}.png"
    widget.grab().save(str(path))
    print("wrote", path)
    return path


def build(tmp: Path) -> str:
    import numpy as np

    from turingview.study import create_study
    from turingview.study.opening import open_study

    db_url = f"sqlite:///{tmp / 'console.db'}"
    rng = np.random.default_rng(1)
    create_study(db_url, "pilot-sample-data", manifest=ROOT / "sample_data" / "manifest.csv",
                 readers=["dr-ahmed", "dr-berg", "dr-chen", "dr-diaz"], seed=20261122, repeat_fraction=0.2)
    open_study(db_url, "pilot-sample-data")
    fixtures.add_ratings(db_url, "pilot-sample-data", ["dr-ahmed", "dr-berg"])
    fixtures.add_ratings(db_url, "pilot-sample-data", ["dr-chen"], fraction=0.6, seed=3)
    fixtures.add_ratings(db_url, "pilot-sample-data", ["dr-diaz"], fraction=0.15, seed=4)
    fr, fs = tmp / "brain-mr-real", tmp / "brain-mr-diffusion"
    fr.mkdir()
    fs.mkdir()
    for i in range(8):
        fixtures.write_nifti(fr / f"r{i:02d}.nii", fixtures._slice(rng, 96), "int16")
        fixtures.write_nifti(fs / f"s{i:02d}.nii", fixtures._slice(rng, 96), "float32")
    create_study(db_url, "brain-mr-diffusion", real_dirs=[fr], synthetic_dirs=[fs], readers=["dr-ahmed", "dr-berg"],
                 seed=77)
    return db_url


def main() -> int:
    from turingview.cli.study_audit import ConsoleStudyBackend
    from turingview.ui.console.window import ConsoleWindow
    from turingview.ui.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app, "dim")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        os.environ["TURINGVIEW_DATA_DIR"] = str(tmp / "data")  # analyses and backups stay in the throw-away folder
        os.environ["TURINGVIEW_CONFIG_DIR"] = str(tmp / "config")
        db_url = build(tmp)
        window = ConsoleWindow(ConsoleStudyBackend(db_url))
        window.resize(1280, 800)
        window.show()
        wait_idle(app, window)
        window.studies.table.selectRow(0)
        wait_idle(app, window)
        grab(window, "studies")

        wizard = window.new_study()
        wizard.resize(1100, 720)
        wizard.images.name.setText("pilot-sample-data-v2")
        wizard.images.manifest.edit.setText(str(ROOT / "sample_data" / "manifest.csv"))
        wizard.images.preview()
        wait_idle(app, window)
        grab(wizard, "wizard_images")
        wizard.next()
        wizard.next()
        wizard.design.readers.setPlainText("dr-ahmed, dr-berg, dr-chen")
        wizard.design.allow_back.setChecked(True)
        pump(app)
        grab(wizard, "wizard_design")
        wizard.next()
        wait_idle(app, window)
        grab(wizard, "wizard_import")
        wizard.reject()
        pump(app)

        window.go("audit", "brain-mr-diffusion")
        wait_idle(app, window)
        window.audit.run_audit()
        wait_idle(app, window)
        grab(window, "audit_blocked")
        window.go("audit", "pilot-sample-data")
        wait_idle(app, window)
        window.audit.graded_only.setChecked(True)
        pump(app)
        grab(window, "audit_clean")

        window.go("progress", "pilot-sample-data")
        wait_idle(app, window)
        window.progress.export_package("dr-diaz", tmp / "dr-diaz.tvpkg")  # an air-gapped reader's package goes out
        wait_idle(app, window)
        grab(window, "progress")

        window.go("results", "pilot-sample-data")
        window.results.refresh()
        wait_idle(app, window)
        grab(window, "results_plots")
        window.results.tabs.setCurrentIndex(1)
        pump(app)
        grab(window, "results_detection")
        window.close()
        pump(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
