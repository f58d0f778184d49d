"""Fixtures of the reader-workstation GUI tests: real images, a real SQLite study, real Qt widgets.

* ``image_files``: real DICOM (pydicom's CT and MR test files) and NIfTI (nibabel's anatomical volume)
  plus "synthetic" counterparts written with the same libraries (noised, flipped copies).
* ``make_study(**options)``: creates a study on a fresh SQLite file from a manifest of those files and
  opens it (blinding audit with a recorded override reason), returning ``(db_url, study_name)``.
* ``open_window(db_url, study, reader)``: a :class:`ReaderWindow` shown offscreen, closed after the test.
* An autouse leak guard fails a test that leaves threads or active timers behind.
"""

from __future__ import annotations

import csv
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

READERS = ("r1", "r2")
OVERRIDE = "unit-test images: pydicom and nibabel test files, cues are expected"


def _write_images(folder: Path) -> list[dict[str, str]]:
    import nibabel
    import pydicom
    from pydicom.data import get_testdata_file

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    rows: list[dict[str, str]] = []

    def add(path: Path, truth: str, modality: str, role: str = "study", generator: str = "") -> None:
        rows.append({"path": str(path), "truth": truth, "modality": modality, "role": role,
                     "generator": generator, "generator_version": "1" if generator else ""})

    for name, modality in (("CT_small.dcm", "CT"), ("MR_small.dcm", "MR")):
        src = Path(get_testdata_file(name))
        real = folder / f"real_{modality.lower()}.dcm"
        real.write_bytes(src.read_bytes())
        add(real, "real", modality)
        for k in range(2):
            ds = pydicom.dcmread(src)
            arr = ds.pixel_array.astype(np.int32)
            arr = arr + rng.normal(0, 25 + 10 * k, arr.shape).astype(np.int32)
            arr = np.fliplr(arr) if k else arr
            ds.PixelData = np.clip(arr, -1024, 3000).astype(ds.pixel_array.dtype).tobytes()
            out = folder / f"synthetic_{modality.lower()}_{k}.dcm"
            ds.save_as(out)
            add(out, "synthetic", modality, generator="noise-gan")
        ds = pydicom.dcmread(src)
        ds.PixelData = np.flipud(ds.pixel_array).tobytes()
        training = folder / f"training_{modality.lower()}.dcm"
        ds.save_as(training)
        add(training, "real" if modality == "CT" else "synthetic", modality, role="training",
            generator="" if modality == "CT" else "noise-gan")
    anat = Path(nibabel.__file__).parent / "tests" / "data" / "anatomical.nii"
    img = nibabel.load(anat)
    real_vol = folder / "real_volume.nii.gz"
    nibabel.save(nibabel.Nifti1Image(np.asarray(img.dataobj), img.affine), real_vol)
    add(real_vol, "real", "MR")
    data = np.asarray(img.dataobj).astype(np.float32)
    data = data + rng.normal(0, 3, data.shape).astype(np.float32)
    synth_vol = folder / "synthetic_volume.nii.gz"
    nibabel.save(nibabel.Nifti1Image(data.astype(np.int16), img.affine), synth_vol)
    add(synth_vol, "synthetic", "MR", generator="noise-gan")
    return rows


@pytest.fixture(scope="session")
def image_rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """Manifest rows of the real test images (written once per session)."""
    return _write_images(tmp_path_factory.mktemp("reader-images"))


@pytest.fixture
def make_study(tmp_path: Path, image_rows: list[dict[str, str]]) -> Callable[..., tuple[str, str]]:
    """Create and open a study on a fresh SQLite file; returns ``(db_url, study_name)``."""
    from turingview.study import create_study
    from turingview.study.opening import open_study

    def factory(*, training: bool = True, name: str = "reader-test", **options: object) -> tuple[str, str]:
        db_url = f"sqlite:///{tmp_path / f'{name}.db'}"
        manifest = tmp_path / f"{name}-manifest.csv"
        rows = [r for r in image_rows if training or r["role"] != "training"]
        with manifest.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        create_study(db_url, name, manifest=manifest, readers=READERS, seed=11, **options)  # type: ignore[arg-type]
        open_study(db_url, name, override_reason=OVERRIDE)
        return db_url, name

    return factory


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable[..., object]]:  # type: ignore[no-untyped-def]
    """Build a shown ReaderWindow over the real database; every window is closed after the test."""
    from reader_helpers import activate

    from turingview.core.settings import Settings
    from turingview.study import open_reading_source
    from turingview.ui.reader_window import ReaderWindow

    windows: list[ReaderWindow] = []

    def factory(db_url: str, study: str, reader: str = "r1", settings: Settings | None = None) -> ReaderWindow:
        # a short minimum viewing time keeps the tests fast; the double-press test uses the default
        window = ReaderWindow(open_reading_source(db_url, study, reader), settings=settings or Settings(min_view_ms=30))
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        activate(window)  # window shortcuts need the active window, as on a desktop
        qtbot.waitUntil(window.isActiveWindow)
        windows.append(window)
        return window

    yield factory
    for window in windows:
        window.close()


@pytest.fixture(autouse=True)
def leak_guard(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Fail a test that leaves worker threads running or timers active."""
    from PySide6.QtCore import QThreadPool, QTimer
    from PySide6.QtWidgets import QApplication

    before = set(threading.enumerate())
    yield
    QApplication.processEvents()
    leaked = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"test left threads running: {leaked}"
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "test left QThreadPool work running"
    timers = [t for w in QApplication.allWidgets() for t in w.findChildren(QTimer) if t.isActive()]
    assert not timers, f"test left {len(timers)} active timer(s)"


@pytest.fixture(autouse=True)
def _no_real_display() -> None:
    assert os.environ.get("QT_QPA_PLATFORM") == "offscreen", "GUI tests must run offscreen"
