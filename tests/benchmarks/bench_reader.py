"""Reader-workstation benchmark: key press to next image, volume scrolling, start-up.

Run: ``QT_QPA_PLATFORM=offscreen python -m pytest tests/benchmarks/bench_reader.py -s -p no:cacheprovider``

1. **Key press -> next image painted** over a 200-case session of 512x512 CT slices (a study created on a
   temporary SQLite file), p50/p95, beside the bare decode+render time of one case measured in the same
   run. Goal: p95 <= 17 ms (one 60 Hz frame) thanks to the rendered prefetch.
2. **Scrolling** a 512x512x300 CT volume in the real canvas (render + paint per slice), slices/s, beside a
   bare numpy slice + window + uint8 conversion loop. Goal: >= 60 slices/s.
3. **Start-up** to the first interactive reading window (fresh interpreter, real study), beside a bare
   PySide6 window in a fresh interpreter. Goal: < 2 s.

Figures are printed with their ratio to the baseline. The only assertion is that every case was rated once.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

N_CASES = 200
SIZE = 512


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def _write_ct_cases(folder: Path, n: int) -> Path:
    """``n`` 512x512 CT DICOM files (a real pydicom CT slice, upsampled, with per-case noise) + manifest."""
    import csv

    import pydicom
    from pydicom.data import get_testdata_file

    src = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    base = np.kron(src.pixel_array.astype(np.int32), np.ones((SIZE // 128, SIZE // 128), dtype=np.int32))
    rng = np.random.default_rng(3)
    rows = []
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
        noisy = np.clip(base + rng.normal(0, 20, base.shape), 0, 4000).astype(np.int16)
        ds.Rows, ds.Columns = noisy.shape
        ds.PixelData = noisy.tobytes()
        ds.SOPInstanceUID = pydicom.uid.generate_uid()
        path = folder / f"case_{i:03d}.dcm"
        ds.save_as(path)
        rows.append({"path": str(path), "truth": "real" if i % 2 == 0 else "synthetic", "modality": "CT",
                     "generator": "" if i % 2 == 0 else "bench-gen"})
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return manifest


@pytest.fixture(scope="module")
def bench_study(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    from turingview.study import create_study, set_study_status

    folder = tmp_path_factory.mktemp("bench-reader")
    manifest = _write_ct_cases(folder / "images", N_CASES)
    db_url = f"sqlite:///{folder / 'bench.db'}"
    t0 = time.perf_counter()
    create_study(db_url, "bench", manifest=manifest, readers=["r1"], seed=5)
    # the benchmark measures the reading screen, not the blinding audit: open directly
    set_study_status(db_url, "bench", "open", reason="benchmark study")
    print(f"\n[reader bench] created a {N_CASES}-case 512x512 CT study in {time.perf_counter() - t0:.1f} s")
    return db_url, "bench"


def test_key_press_to_next_image(qtbot, bench_study) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from turingview.core.review_session import SessionState
    from turingview.core.settings import Settings
    from turingview.imaging.display import render_slice
    from turingview.study import open_reading_source
    from turingview.ui.reader_window import ReaderWindow
    from turingview.ui.workers import initial_window, to_qimage

    db_url, study = bench_study
    # bare decode: the presented image out of the database, decoded and rendered to a QImage
    source = open_reading_source(db_url, study, "r1")
    ids = [c.blinded_id for c in source.order()][:20]
    bare = []
    for bid in ids:
        t = time.perf_counter()
        volume = source.load_image(bid)
        to_qimage(render_slice(volume, volume.middle_slice, initial_window(volume)[0]))
        bare.append((time.perf_counter() - t) * 1000)
    source.close()

    window = ReaderWindow(open_reading_source(db_url, study, "r1"), settings=Settings(prefetch_depth=3, min_view_ms=0))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        QApplication.setActiveWindow(window)
    painted_at: list[float] = []
    view = window.rating.view
    window.rating.view.painted.connect(lambda: painted_at.append(view.painted_at))  # time the image was drawn
    window.begin()
    qtbot.waitUntil(lambda: window.session.state is SessionState.SHOWING, timeout=10000)
    latencies: list[float] = []
    for _ in range(N_CASES - 1):
        # a reader looks at each image for seconds: by then the write and the prefetch refill are done
        qtbot.waitUntil(lambda: window.session.can_rate and not window.prefetcher.busy, timeout=10000)
        qtbot.wait(5)
        count = len(painted_at)
        t0 = time.perf_counter()
        QTest.keyClick(window, Qt.Key.Key_3)  # the real key path: shortcut -> session -> writer thread
        deadline = time.perf_counter() + 10
        while len(painted_at) == count and time.perf_counter() < deadline:
            QApplication.processEvents()
        latencies.append((painted_at[-1] - t0) * 1000)
        qtbot.waitUntil(lambda: window.session.state is SessionState.SHOWING, timeout=10000)
    qtbot.waitUntil(lambda: window.session.can_rate, timeout=10000)
    window.rate(3)
    qtbot.waitUntil(lambda: window.session.state is SessionState.FINISHED, timeout=10000)
    assert len({r.position for r in window.session.source.recorded_ratings()}) == N_CASES
    window.close()
    p50, p95, d50 = _pct(latencies, 50), _pct(latencies, 95), statistics.median(bare)
    print(f"[reader bench] key press -> next image painted over {len(latencies)} cases: p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms (goal p95 <= 17 ms); bare decode+render of one case {d50:.1f} ms; "
          f"p95 / bare decode = {p95 / d50:.2f}x")


def test_volume_scrolling(qtbot) -> None:  # type: ignore[no-untyped-def]
    from turingview.imaging.display import default_window, render_slice
    from turingview.imaging.volume import ImageVolume
    from turingview.ui.image_view import ImageView
    from turingview.ui.workers import PreparedImage, to_qimage

    rng = np.random.default_rng(1)
    pixels = (rng.normal(40, 300, (300, SIZE, SIZE))).astype(np.int16)
    volume = ImageVolume(pixels, spacing=(1.0, 0.7, 0.7), modality="CT")
    window = default_window(volume)
    lo, hi = window.center - window.width / 2, window.center + window.width / 2

    t = time.perf_counter()
    for i in range(volume.n_slices):
        np.clip((pixels[i].astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)
    bare_rate = volume.n_slices / (time.perf_counter() - t)

    t = time.perf_counter()
    for i in range(volume.n_slices):
        render_slice(volume, i, window)
    render_rate = volume.n_slices / (time.perf_counter() - t)

    view = ImageView()
    qtbot.addWidget(view)
    view.resize(1000, 800)
    view.show()
    qtbot.waitExposed(view)
    view.set_image(PreparedImage("bench", volume, window, 0, to_qimage(render_slice(volume, 0, window))))
    view.repaint()
    t = time.perf_counter()
    for _ in range(volume.n_slices - 1):
        view.step_slice(1)
        view.repaint()  # synchronous paint: the frame is really drawn
    canvas_rate = (volume.n_slices - 1) / (time.perf_counter() - t)
    view.close()
    print(f"[reader bench] scrolling 512x512x300: canvas {canvas_rate:.0f} slices/s (goal >= 60) incl. paint; "
          f"render_slice alone {render_rate:.0f}/s; bare numpy slice+window+uint8 {bare_rate:.0f}/s; "
          f"canvas / bare = {canvas_rate / bare_rate:.2f}x")


STARTUP = textwrap.dedent("""
    import json, sys, time
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication, QWidget
    if sys.argv[1] == "bare":
        app = QApplication([])
        w = QWidget(); w.resize(1280, 800); w.show()
    else:
        from turingview.cli.gui import StudyBackend
        from turingview.core.settings import load_settings
        from turingview.ui.app import application, open_reader_window
        settings = load_settings()
        app = application(settings)
        w = open_reader_window(StudyBackend(sys.argv[1]).open_source(sys.argv[2], "r1"), settings=settings)
    while not w.isVisible():
        app.processEvents()
    app.processEvents()
    elapsed = time.perf_counter() - t0
    w.close()
    print(json.dumps({"elapsed": elapsed}))
""")


def test_start_up(bench_study, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db_url, study = bench_study
    script = tmp_path / "startup.py"
    script.write_text(STARTUP)

    def once(*args: str) -> float:
        t = time.perf_counter()
        out = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t
        print(f"[reader bench]   start-up run {args[0][:12]}: {wall:.2f} s wall incl. interpreter")
        return float(json.loads(out.stdout.strip().splitlines()[-1])["elapsed"])  # from the first import

    bare = statistics.median(once("bare") for _ in range(3))
    full = statistics.median(once(db_url, study) for _ in range(3))
    print(f"[reader bench] start-up to the first interactive reading window: {full:.2f} s (goal < 2 s); "
          f"bare PySide6 window {bare:.2f} s; ratio {full / bare:.2f}x")
