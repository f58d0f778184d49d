"""Fuzzing support: seed files, byte-level mutations, and a crash-isolated loader process.

The loader runs in :mod:`fuzz_worker` (a subprocess with a limited address space). Each case is written
to a file, its path sent to the worker, and the answer awaited for at most :data:`CASE_TIMEOUT_S`. A worker
that dies (segfault, abort, out-of-memory kill) or does not answer in time is reported as such and
replaced, so one bad input never takes pytest down and is never mistaken for a pass.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import selectors
import signal
import struct
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nibabel
import pydicom

PYDICOM_FILES = Path(pydicom.__file__).parent / "data" / "test_files"
NIBABEL_FILES = Path(nibabel.__file__).parent / "tests" / "data"
WORKER = Path(__file__).with_name("fuzz_worker.py")
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Seconds one case may take in the worker before it counts as a hang (a sane load takes milliseconds).
CASE_TIMEOUT_S = float(os.environ.get("TURINGVIEW_FUZZ_CASE_TIMEOUT", "20"))

#: One seed per decoder path: native little/big endian, implicit VR, deflate, RLE, JPEG baseline/lossy,
#: JPEG-LS, JPEG 2000, multi-frame, colour.
DICOM_SEEDS = [
    "CT_small.dcm",
    "MR_small.dcm",
    "MR_small_implicit.dcm",
    "MR_small_bigendian.dcm",
    "image_dfl.dcm",
    "MR_small_RLE.dcm",
    "SC_rgb_rle.dcm",
    "SC_rgb_jpeg_dcmtk.dcm",
    "SC_rgb_jpeg_lossy_gdcm.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "JPEG2000.dcm",
    "rtdose.dcm",
    "SC_rgb_small_odd.dcm",
]
NIFTI_SEEDS = [
    "anatomical.nii",
    "functional.nii",
    "resampled_anat_moved.nii",
    "standard.nii.gz",
    "example_nifti2.nii.gz",
]

#: Byte offsets of the NIfTI-1 header fields that size and place the data (dim, datatype, bitpix, pixdim,
#: vox_offset, scl_slope/inter, qform/sform codes, quaternion, srow, magic, extension flag).
NIFTI1_FIELDS = [0, 40, 42, 44, 46, 48, 70, 72, 76, 80, 84, 88, 108, 112, 116, 252, 254, 256, 268, 280, 296, 344, 348]
#: The same for NIfTI-2 (int64 dims, int64 vox_offset, float64 scaling).
NIFTI2_FIELDS = [0, 4, 12, 14, 16, 24, 32, 40, 48, 104, 112, 120, 168, 176, 184, 344, 348, 352, 540]

INT_EXTREMES = [
    0,
    1,
    2,
    3,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFFF,
    2**62,
    2**63 - 1,
    2**64 - 1,
]
FLOAT_EXTREMES = [0.0, -0.0, 1e-38, -1.0, 1e38, 3.4e38, float("inf"), float("-inf"), float("nan"), 65536.0]


@dataclass(frozen=True)
class Seed:
    """A seed file: its bytes (decompressed for ``.gz``) and the offsets worth mutating."""

    name: str
    suffix: str
    data: bytes = field(repr=False)
    gzipped: bool = False
    hot: tuple[int, ...] = field(default=(), repr=False)


def _dicom_hot_offsets(path: Path, raw: bytes) -> tuple[int, ...]:
    """Offsets of every element's tag, VR, length and value start (little and big endian patterns)."""
    ds = pydicom.dcmread(path, force=True)
    tags = {elem.tag for elem in ds.iterall()} | {elem.tag for elem in ds.file_meta}
    hot: set[int] = set()
    for tag in tags:
        for fmt in ("<HH", ">HH"):
            pattern = struct.pack(fmt, tag.group, tag.element)
            start = raw.find(pattern)
            while start != -1:
                hot.update(o for o in (start, start + 4, start + 6, start + 8, start + 12) if o < len(raw))
                start = raw.find(pattern, start + 1)
    # Encapsulated pixel data: item tags (FFFE,E000) and delimiters carry the fragment lengths.
    for pattern in (b"\xfe\xff\x00\xe0", b"\xfe\xff\xdd\xe0", b"\xff\xfe\xe0\x00"):
        start = raw.find(pattern)
        while start != -1:
            hot.update(o for o in (start, start + 4) if o < len(raw))
            start = raw.find(pattern, start + 1)
    return tuple(sorted(hot))


def load_seeds(kind: str) -> list[Seed]:
    """The seeds of ``kind`` (``"dicom"`` or ``"nifti"``) that exist in this pydicom/nibabel install."""
    seeds: list[Seed] = []
    if kind == "dicom":
        for name in DICOM_SEEDS:
            path = PYDICOM_FILES / name
            if path.exists():
                raw = path.read_bytes()
                seeds.append(Seed(name, ".dcm", raw, False, _dicom_hot_offsets(path, raw)))
        return seeds
    for name in NIFTI_SEEDS:
        path = NIBABEL_FILES / name
        if not path.exists():
            continue
        gzipped = name.endswith(".gz")
        raw = gzip.decompress(path.read_bytes()) if gzipped else path.read_bytes()
        fields = NIFTI2_FIELDS if raw[4:7] in (b"n+2", b"ni2") else NIFTI1_FIELDS
        suffix = ".nii.gz" if gzipped else ".nii"
        seeds.append(Seed(name, suffix, raw, gzipped, tuple(o for o in fields if o < len(raw))))
    return seeds


def mutate(data: bytes, ops: list[tuple]) -> bytes:
    """Apply mutation ops (positions are taken modulo the current length, so every op applies).

    Ops: ``("truncate", pos)``, ``("flip", pos, mask)``, ``("int", pos, width, endian, value)``,
    ``("float", pos, width, endian, value)``, ``("delete", pos, n)``, ``("insert", pos, bytes)``,
    ``("repeat", pos, n, times)`` (duplicate a block: wrong lengths and element counts).
    """
    buf = bytearray(data)
    for op in ops:
        if not buf:
            break
        kind, pos = op[0], op[1] % len(buf)
        if kind == "truncate":
            del buf[pos:]
        elif kind == "flip":
            buf[pos] ^= op[2] or 0xFF
        elif kind in ("int", "float"):
            width, endian, value = op[2], op[3], op[4]
            if kind == "int":
                packed = (value % (1 << (8 * width))).to_bytes(width, "little" if endian == "<" else "big")
            else:
                packed = struct.pack(endian + ("f" if width == 4 else "d"), value)
            buf[pos : pos + width] = packed
        elif kind == "delete":
            del buf[pos : pos + op[2]]
        elif kind == "insert":
            buf[pos:pos] = op[2]
        elif kind == "repeat":
            block = bytes(buf[pos : pos + op[2]])
            buf[pos:pos] = block * op[3]
    return bytes(buf)


def encode(seed: Seed, mutated: bytes, gz_ops: list[tuple]) -> bytes:
    """Re-wrap a mutated body: gzip it again for ``.gz`` seeds, then apply raw ops to the gzip stream."""
    if not seed.gzipped:
        return mutated
    return (
        mutate(gzip.compress(mutated, compresslevel=1, mtime=0), gz_ops)
        if gz_ops
        else gzip.compress(mutated, compresslevel=1, mtime=0)
    )


#: Untyped errors already reported to their owner and pinned by a strict-xfail regression test in
#: test_fuzz_images.py, which the campaign then counts instead of stopping on (``tolerate_known=True``), so
#: it keeps looking for new ones.
KNOWN_UNTYPED: tuple[str, ...] = ()  # empty: every finding so far is fixed


class FuzzFindingError(AssertionError):
    """The worker crashed, hung or raised an untyped error: a finding."""


@dataclass
class Stats:
    """What a fuzz run did, for the figures in the report."""

    cases: int = 0
    loaded: int = 0
    typed: int = 0
    restarts: int = 0
    seconds: float = 0.0
    slowest_case_s: float = 0.0
    start_rss_mb: float = 0.0
    peak_rss_mb: float = 0.0
    limit_mb: float = 0.0
    known_untyped: int = 0
    errors: dict[str, int] = field(default_factory=dict)


#: What :meth:`LoaderWorker._read` returns when the worker closed its output (it exited or was killed).
_EOF: dict = {"eof": True}


class LoaderWorker:
    """A restartable fuzz worker process.

    Parameters
    ----------
    workdir
        Where case files and the worker's stderr log are written.
    warmup
        Files loaded once before the memory limit is set (so every decoder plugin is imported).
    """

    def __init__(self, workdir: Path, warmup: list[Path], *, headroom_mb: int = 1536) -> None:
        self.workdir = workdir
        self.warmup = warmup
        self.headroom_mb = headroom_mb
        self.stats = Stats()
        self.proc: subprocess.Popen[str] | None = None
        self.log = workdir / "worker-stderr.log"
        self._n = 0

    def _start(self) -> None:
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "app"), env.get("PYTHONPATH")]))
        cmd = [sys.executable, str(WORKER), "--headroom-mb", str(self.headroom_mb)]
        for path in self.warmup:
            cmd += ["--warmup", str(path)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log.open("ab"), text=True, env=env
        )
        ready = self._read(timeout=120.0)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"fuzz worker did not start: {self._log_tail()}")
        self.stats.limit_mb = float(ready["limit_mb"])
        if not self.stats.start_rss_mb:
            self.stats.start_rss_mb = float(ready["maxrss_mb"])

    def _read(self, timeout: float) -> dict | None:
        """The worker's next report; ``None`` on timeout, :data:`_EOF` when the worker closed its output."""
        assert self.proc is not None and self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                return None
            line = self.proc.stdout.readline()
        finally:
            sel.close()
        return json.loads(line) if line else _EOF

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def _kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
        self.proc = None
        self.stats.restarts += 1

    def restart(self) -> None:
        """Stop the worker; the next :meth:`load` starts a fresh process (its peak RSS starts over)."""
        self.close()

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def load(
        self,
        payload: bytes | None,
        suffix: str,
        label: str,
        *,
        tolerate_known: bool = False,
        timeout: float | None = None,
        path: Path | None = None,
    ) -> dict:
        """Write ``payload`` to a case file and load it in the worker.

        Returns the worker's report (``outcome`` ``loaded`` or ``typed``).

        Raises
        ------
        FuzzFindingError
            On a crash (the signal is named), a hang past :data:`CASE_TIMEOUT_S`, or an untyped error; the
            failing input is kept next to the log for reproduction.
        """
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self._n += 1
        if path is None:
            path = self.workdir / f"case{suffix}"
            path.write_bytes(payload or b"")
        started = time.perf_counter()
        self.proc.stdin.write(f"{path}\n")
        self.proc.stdin.flush()
        limit = CASE_TIMEOUT_S if timeout is None else timeout
        report = self._read(timeout=limit)
        elapsed = time.perf_counter() - started
        self.stats.cases += 1
        self.stats.seconds += elapsed
        if report is None or report is _EOF:
            keep = self.workdir / f"failure-{self._n}{suffix}"
            if payload is not None:
                keep.write_bytes(payload)
            crashed = report is _EOF or self.proc.poll() is not None
            if crashed:
                # the output closes while the process is still being torn down: wait for its exit status
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=30)
            code = self.proc.returncode
            self._kill()
            if crashed:
                how = f"signal {signal.Signals(-code).name}" if code is not None and code < 0 else f"exit {code}"
                raise FuzzFindingError(
                    f"loader process crashed ({how}) on {label}; input kept at {keep}\n{self._log_tail()}"
                )
            raise FuzzFindingError(f"loader hung > {limit:.0f} s on {label}; input kept at {keep}")
        self.stats.slowest_case_s = max(self.stats.slowest_case_s, float(report["seconds"]))
        self.stats.peak_rss_mb = max(self.stats.peak_rss_mb, float(report["maxrss_mb"]))
        known = bool(KNOWN_UNTYPED) and str(report.get("error", "")).startswith(KNOWN_UNTYPED)
        if report["outcome"] == "untyped" and tolerate_known and known:
            self.stats.known_untyped += 1
            return report
        if report["outcome"] == "untyped":
            keep = self.workdir / f"failure-{self._n}{suffix}"
            keep.write_bytes(payload or b"")
            raise FuzzFindingError(
                f"untyped error on {label} (input kept at {keep}): {report['error']}\n{report.get('traceback', '')}"
            )
        if report["outcome"] == "loaded":
            self.stats.loaded += 1
        else:
            self.stats.typed += 1
            key = str(report["error"]).split(": ", 1)[-1].split("(", 1)[0].strip()[:60]
            self.stats.errors[key] = self.stats.errors.get(key, 0) + 1
        return report
