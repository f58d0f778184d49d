"""Blinding-audit throughput against a bare baseline measured in the same run.

Baseline: reading every file with ``pydicom.dcmread`` and decoding its pixels (what any header audit must at least
do). Measured: :func:`turingview.study.blinding_audit.audit_files` on the same files (header and pixel cues of
every file, then every cue graded). Also the presented-image stage against a bare ``decode_presented`` loop.
Run: ``python -m pytest tests/benchmarks/bench_coordinator.py -s -p no:cacheprovider``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np


def _console_fixtures():
    """The console tests' DICOM writer (their conftest, loaded under its own module name)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "console" / "conftest.py"
    spec = importlib.util.spec_from_file_location("console_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

N_PER_CLASS = 100
SIZE = 256


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def test_blinding_audit_throughput(tmp_path: Path) -> None:
    import pydicom

    from turingview.core.domain import Truth
    from turingview.imaging import load_image
    from turingview.study.blinding_audit import AuditItem, audit_files, audit_presented
    from turingview.study.presentation import decode_presented, present

    fixtures = _console_fixtures()
    _slice, write_ct = fixtures._slice, fixtures.write_ct
    rng = np.random.default_rng(0)
    items = []
    for i in range(N_PER_CLASS):
        real = write_ct(tmp_path / f"r{i}.dcm", _slice(rng, SIZE), manufacturer="X")
        items.append(AuditItem(f"R{i}", Truth.REAL, real))
        items.append(AuditItem(f"S{i}", Truth.SYNTHETIC, write_ct(tmp_path / f"s{i}.dcm", _slice(rng, SIZE))))
    presented = [AuditItem(i.case_id, i.truth, data=present(load_image(i.path), "CT")) for i in items]

    baseline = _best(lambda: [pydicom.dcmread(i.path).pixel_array for i in items])
    raw = _best(lambda: audit_files(items))
    base_presented = _best(lambda: [decode_presented(i.data) for i in presented])
    presented_time = _best(lambda: audit_presented(presented, decode_presented))
    n = len(items)
    print(f"\nblinding audit, {n} DICOM files {SIZE}x{SIZE}:")
    print(f"  raw stage       {raw * 1e3:7.1f} ms ({raw / n * 1e3:.2f} ms/file) = {raw / baseline:.2f} x bare "
          "dcmread + pixel_array")
    print(f"  presented stage {presented_time * 1e3:7.1f} ms = {presented_time / base_presented:.2f} x bare decode")
    report = audit_files(items)
    assert report.cue("dicom.Manufacturer").strength == "strong"
