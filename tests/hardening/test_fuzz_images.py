"""Fuzzing the image readers: every mutated DICOM/NIfTI file either loads and renders or raises the typed
:class:`~turingview.core.errors.ImageLoadError`; nothing hangs, crashes the process or eats memory.

Each case runs in a separate worker process with a limited address space (``fuzz_worker.py``), so a
segfault in a C decoder is reported as a failure naming the signal instead of killing pytest.

Budget: about 40 s of campaigns (50 s with the fixed cases) in the default run.
``TURINGVIEW_FUZZ_SECONDS=600`` runs a deeper campaign (the time is split between the DICOM and the NIfTI
campaigns); hypothesis rounds of :data:`ROUND` examples run until the budget is spent.
"""

from __future__ import annotations

import gzip
import os
import struct
import time
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from ._fuzz import (
    FLOAT_EXTREMES,
    INT_EXTREMES,
    PYDICOM_FILES,
    LoaderWorker,
    Seed,
    encode,
    load_seeds,
    mutate,
)

FUZZ_SECONDS = float(os.environ.get("TURINGVIEW_FUZZ_SECONDS", "40"))
ROUND = 50
DICOM = load_seeds("dicom")
NIFTI = load_seeds("nifti")
SEEDS = {seed.name: seed for seed in DICOM + NIFTI}


@st.composite
def _position(draw: st.DrawFn, name: str) -> int:
    seed = SEEDS[name]  # strategies take the seed's name: a short repr in hypothesis' reports
    if seed.hot and draw(st.booleans()):
        return draw(st.sampled_from(seed.hot))
    return draw(st.integers(0, max(len(seed.data) - 1, 0)))


@st.composite
def _op(draw: st.DrawFn, name: str) -> tuple:
    kind = draw(
        st.sampled_from(["truncate", "flip", "flip", "int", "int", "int", "float", "delete", "insert", "repeat"])
    )
    pos = draw(_position(name))
    if kind == "truncate":
        return (kind, pos)
    if kind == "flip":
        return (kind, pos, draw(st.integers(1, 255)))
    if kind == "int":
        value = draw(st.one_of(st.sampled_from(INT_EXTREMES), st.integers(0, 2**32 - 1)))
        return (kind, pos, draw(st.sampled_from([1, 2, 4, 8])), draw(st.sampled_from("<>")), value)
    if kind == "float":
        value = draw(st.one_of(st.sampled_from(FLOAT_EXTREMES), st.floats(allow_nan=True, width=32)))
        return (kind, pos, draw(st.sampled_from([4, 8])), draw(st.sampled_from("<>")), value)
    if kind == "delete":
        return (kind, pos, draw(st.integers(1, 64)))
    if kind == "insert":
        return (kind, pos, draw(st.binary(min_size=1, max_size=16)))
    return (kind, pos, draw(st.integers(1, 256)), draw(st.integers(1, 8)))


@st.composite
def _case(draw: st.DrawFn, seeds: list[Seed]) -> tuple[str, list[tuple], list[tuple]]:
    seed = SEEDS[draw(st.sampled_from([s.name for s in seeds]))]
    ops = draw(st.lists(_op(seed.name), min_size=1, max_size=4))
    gz_ops: list[tuple] = []
    if seed.gzipped and draw(st.integers(0, 4)) == 0:  # now and then corrupt the gzip stream itself
        gz_ops = [("flip", draw(st.integers(0, 4096)), draw(st.integers(1, 255)))]
    return seed.name, ops, gz_ops


def _campaign(loader: LoaderWorker, seeds: list[Seed], budget_s: float) -> None:
    """Run hypothesis rounds against the worker until ``budget_s`` is spent; print the figures."""
    if not seeds:
        pytest.skip("no seed files in this pydicom/nibabel install")

    @settings(
        max_examples=ROUND,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(_case(seeds))
    def one(case: tuple[str, list[tuple], list[tuple]]) -> None:
        name, ops, gz_ops = case
        seed = SEEDS[name]
        payload = encode(seed, mutate(seed.data, ops), gz_ops)
        loader.load(payload, seed.suffix, f"{seed.name} mutated by {ops} {gz_ops or ''}", tolerate_known=True)

    start = time.monotonic()
    rounds = 0
    while rounds == 0 or time.monotonic() - start < budget_s:
        one()
        rounds += 1
    s = loader.stats
    wall = time.monotonic() - start
    print(
        f"\nfuzz {seeds[0].suffix}: {s.cases} cases in {wall:.1f} s ({s.cases / wall:.0f}/s), "
        f"{s.loaded} loaded, {s.typed} typed refusals, slowest {s.slowest_case_s * 1000:.0f} ms, "
        f"worker RSS {s.start_rss_mb:.0f} -> peak {s.peak_rss_mb:.0f} MB (limit {s.limit_mb:.0f} MB), "
        f"{s.restarts} restarts, {s.known_untyped} known untyped (pinned by xfail regressions)"
    )
    # Both outcomes must occur, or the mutations are too weak (everything loads) or too blunt (nothing does).
    assert s.loaded > 0 and s.typed > 0, f"degenerate campaign: {s}"


def test_fuzz_dicom(loader: LoaderWorker) -> None:
    _campaign(loader, DICOM, FUZZ_SECONDS * 0.55)


def test_fuzz_nifti(loader: LoaderWorker) -> None:
    _campaign(loader, NIFTI, FUZZ_SECONDS * 0.45)


# --- Huge declared sizes: refused from the header, before any allocation ---------------------------------

GIB = 2**30


def _nifti_declaring(shape: tuple[int, ...]) -> bytes:
    """A valid NIfTI-1 int16 file with a 4x4x4 body whose header then declares ``shape``."""
    import nibabel as nib

    raw = bytearray(nib.Nifti1Image(np.zeros((4, 4, 4), np.int16), np.eye(4)).to_bytes())
    raw[40:56] = struct.pack("<8h", len(shape), *shape, *([1] * (7 - len(shape))))
    return bytes(raw)


def _dicom_declaring(seed: str, rows: int, cols: int, frames: int) -> bytes:
    import io

    import pydicom

    ds = pydicom.dcmread(PYDICOM_FILES / seed)
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


_HUGE_NIFTI = _nifti_declaring((32767, 32767, 50))  # 32767^2 * 50 * 2 bytes = 100 GiB
HUGE_CASES = {
    "nifti-uncompressed": (_HUGE_NIFTI, ".nii"),
    "nifti-gzip": (gzip.compress(_HUGE_NIFTI), ".nii.gz"),
    "dicom-native": (_dicom_declaring("CT_small.dcm", 65535, 65535, 12), ".dcm"),
    "dicom-jpeg2000": (_dicom_declaring("JPEG2000.dcm", 65535, 65535, 12), ".dcm"),
    "dicom-jpeg": (_dicom_declaring("SC_rgb_jpeg_dcmtk.dcm", 65535, 65535, 12), ".dcm"),
    "dicom-rle": (_dicom_declaring("MR_small_RLE.dcm", 65535, 65535, 12), ".dcm"),
}


@pytest.mark.parametrize(
    "name",
    [
        "nifti-uncompressed",
        "nifti-gzip",
        "dicom-native",
        "dicom-jpeg2000",
        "dicom-jpeg",
        "dicom-rle",
    ],
)
def test_huge_declared_volume_refused_before_allocation(loader: LoaderWorker, name: str) -> None:
    """A header declaring ~100 GB is refused with ImageLoadError from the header alone: no MemoryError on
    the way (the worker's address space is limited to start-up size + 1.5 GB) and RSS stays flat."""
    payload, suffix = HUGE_CASES[name]
    report = loader.load(payload, suffix, name)
    if not report["peak_is_per_case"]:  # the peak would include earlier fuzz cases: measure on a fresh worker
        loader.restart()
        report = loader.load(payload, suffix, name)
        report["rss_before_mb"] = loader.stats.start_rss_mb
    assert report["outcome"] == "typed", report
    assert report["maxrss_mb"] - report["rss_before_mb"] < 512, report
    assert "MemoryError" not in report["chain"], f"refused only after trying to allocate: {report['error']}"


def test_typed_refusal_names_the_file(loader: LoaderWorker) -> None:
    """The refusal a coordinator sees names the file and a reason (not a bare library exception)."""
    report = loader.load(b"\x00" * 10, ".dcm", "ten zero bytes")
    assert report["outcome"] == "typed"
    assert "case.dcm" in report["error"] and ":" in report["error"]


def test_seeds_load_cleanly(loader: LoaderWorker) -> None:
    """Unmutated seeds render, so a campaign starts from files that exercise the full decode path."""
    for seed in DICOM + NIFTI:
        report = loader.load(encode(seed, seed.data, []), seed.suffix, seed.name)
        assert report["outcome"] == "loaded", (seed.name, report)
    assert np.isfinite(loader.stats.peak_rss_mb)


# --- Regressions: inputs the campaign found (fixed in imaging, f54c3bb) -----------------------------------


def test_corrupt_rle_segment_is_typed(loader: LoaderWorker) -> None:
    """MR_small_RLE.dcm with one byte of the RLE stream deleted: the Rust decoder panics (index out of
    bounds); the panic must reach the reader as ImageLoadError, not as an untyped BaseException."""
    seed = SEEDS["MR_small_RLE.dcm"]
    payload = mutate(seed.data, [("int", 0, 1, "<", 0), ("delete", 1600, 1)])
    report = loader.load(payload, ".dcm", "MR_small_RLE.dcm minus byte 1600")
    assert report["outcome"] == "typed"


def test_huge_nifti_scaling_renders_or_is_typed(loader: LoaderWorker) -> None:
    """anatomical.nii with scl_inter corrupted to ~9e15: loading must give an image the reader can render,
    or a typed refusal (the default window used to have width 0 and rendering raised ValueError)."""
    seed = SEEDS["anatomical.nii"]
    report = loader.load(mutate(seed.data, [("flip", 116, 90)]), ".nii", "anatomical.nii scl_inter flipped")
    assert report["outcome"] in ("loaded", "typed"), report


# --- The harness itself: a hang and a crash are caught and reported, and the worker comes back ------------


def test_harness_reports_a_hang_and_a_crash(loader: LoaderWorker, tmp_path: Path) -> None:
    """A FIFO with no writer blocks the loader in open(): reported as a hang. Killed with SIGSEGV while
    blocked: reported as a crash naming the signal. Either way the next case runs in a fresh worker."""
    import signal
    import threading

    from ._fuzz import FuzzFindingError

    fifo = tmp_path / "blocked.dcm"
    os.mkfifo(fifo)
    with pytest.raises(FuzzFindingError, match="hung"):
        loader.load(None, ".dcm", "a FIFO", timeout=2.0, path=fifo)
    loader.load(encode(SEEDS["CT_small.dcm"], SEEDS["CT_small.dcm"].data, []), ".dcm", "seed")  # restarted
    assert loader.proc is not None
    pid = loader.proc.pid
    timer = threading.Timer(1.0, os.kill, (pid, signal.SIGSEGV))
    timer.start()
    try:
        with pytest.raises(FuzzFindingError, match="SIGSEGV"):
            loader.load(None, ".dcm", "a FIFO, then a segfault", timeout=30.0, path=fifo)
    finally:
        timer.cancel()
    report = loader.load(encode(SEEDS["MR_small.dcm"], SEEDS["MR_small.dcm"].data, []), ".dcm", "seed")
    assert report["outcome"] == "loaded"


def test_rgb24_nifti_renders_or_is_typed(loader: LoaderWorker) -> None:
    """Found by the deep campaign (datatype field of resampled_anat_moved.nii set to 128; fixed in 6cccb30); a
    genuine RGB24 file written by nibabel must render (as colour) or be refused with a typed error."""
    import io

    import nibabel as nib

    rgb = np.zeros((6, 5, 4), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    rgb["R"] = 200
    image = nib.Nifti1Image(rgb, np.eye(4))
    buffer = io.BytesIO()
    file_map = image.make_file_map({"image": buffer, "header": buffer})
    image.to_file_map(file_map)
    report = loader.load(buffer.getvalue(), ".nii", "RGB24 NIfTI written by nibabel")
    assert report["outcome"] in ("loaded", "typed"), report


def test_fuzzed_nifti_datatype_renders_or_is_typed(loader: LoaderWorker) -> None:
    seed = SEEDS["resampled_anat_moved.nii"]
    payload = mutate(seed.data, [("float", 70, 4, ">", -1.0), ("int", 70, 1, "<", 0)])
    report = loader.load(payload, ".nii", "resampled_anat_moved.nii datatype 128")
    assert report["outcome"] in ("loaded", "typed"), report
