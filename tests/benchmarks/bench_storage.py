"""Storage benchmark: committing one rating, and creating a 10,000-case study from a manifest.

Run: ``python -m pytest tests/benchmarks/bench_storage.py -s -p no:cacheprovider``
(``TV_BENCH_CASES`` changes the study size, default 10000).

1. One rating through :meth:`ReadingSource.record_rating` on SQLite (``synchronous=FULL``, WAL; the rating row,
   its audit event and the chain head in one ``BEGIN IMMEDIATE`` transaction), against a bare SQLAlchemy Core
   insert of the same row in its own transaction on the same database, interleaved so machine load hits both
   alike. Goal: p95 under 5 ms. Figures: p50/p95 of both and their ratio.
2. Creating a study of N 64x64 PNG cases from a manifest: wall time and peak RSS (``VmHWM``: getrusage's
   ``ru_maxrss`` would report the parent's peak, Linux carries it across exec) of a fresh process, against a
   bare baseline process that only reads, hashes and decodes the same files (Pillow + numpy).
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import insert

from turingview.core.domain import RatingInput
from turingview.storage import dispose_engines, get_engine
from turingview.storage.models import Rating, utcnow
from turingview.study import create_study, open_reading_source, set_study_status

N_CASES = int(os.environ.get("TV_BENCH_CASES", "10000"))


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def _write_pngs(folder: Path, n: int, seed: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        path = folder / f"c{seed}_{i:05d}.png"
        Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8)).save(path, compress_level=1)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench-study")
    real = _write_pngs(root / "real", N_CASES // 2, 1)
    synth = _write_pngs(root / "synthetic", N_CASES - N_CASES // 2, 2)
    path = root / "manifest.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "truth", "generator", "generator_version", "modality"])
        writer.writerows([p.relative_to(root), "real", "", "", "OT"] for p in real)
        writer.writerows([p.relative_to(root), "synthetic", "bench-gan", "1.0", "OT"] for p in synth)
    return path


def test_rating_commit_latency(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    folder = tmp_path / "imgs"
    real, synth = _write_pngs(folder / "r", 20, 3), _write_pngs(folder / "s", 20, 4)
    create_study(url, "bench", real_dirs=[real[0].parent], synthetic_dirs=[synth[0].parent], readers=["ours", "bare"],
                 seed=1, allow_changes=True)
    set_study_status(url, "bench", "open", reason="benchmark")
    source = open_reading_source(url, "bench", "ours")
    order = source.order()
    engine = get_engine(url)
    with engine.connect() as conn:
        bare_assignment = conn.exec_driver_sql(
            "SELECT a.id FROM assignment a JOIN reader r ON r.id = a.reader_id WHERE r.code = 'bare'").scalar()
        case_id = conn.exec_driver_sql("SELECT min(id) FROM case_").scalar()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    n = 400
    ours_ms, bare_ms, ours_cpu = [], [], []
    for i in range(n):
        case = order[i % len(order)]
        at = t0 + timedelta(seconds=i)
        rating = RatingInput(position=case.position, blinded_id=case.blinded_id, score=1 + i % 5, shown_at=at,
                             answered_at=at, elapsed_ms=1000 + i)
        start = time.perf_counter()
        with engine.begin() as conn:  # bare: the same row, one insert, one transaction
            conn.execute(insert(Rating.__table__), {
                "assignment_id": bare_assignment, "position": i % len(order), "revision": 1 + i // len(order),
                "case_id": case_id, "is_training": False, "score": rating.score, "artefacts": "", "comment": "",
                "shown_at": at, "answered_at": at, "elapsed_ms": rating.elapsed_ms, "zoom": 1.0, "pan_x": 0.0,
                "pan_y": 0.0, "source": "bare", "recorded_at": utcnow()})
        mid = time.perf_counter()
        cpu = time.process_time()
        source.record_rating(rating)
        end = time.perf_counter()
        ours_cpu.append((time.process_time() - cpu) * 1000)
        bare_ms.append((mid - start) * 1000)
        ours_ms.append((end - mid) * 1000)
    ours_ms, bare_ms = ours_ms[20:], bare_ms[20:]  # warm-up
    p50, p95 = _pct(ours_ms, 50), _pct(ours_ms, 95)
    b50, b95 = _pct(bare_ms, 50), _pct(bare_ms, 95)
    print(f"\n[storage] rating commit (SQLite, synchronous=FULL, n={len(ours_ms)}): "
          f"ours p50 {p50:.2f} ms / p95 {p95:.2f} ms; bare SQLAlchemy insert p50 {b50:.2f} ms / p95 {b95:.2f} ms; "
          f"ratio p50 {p50 / b50:.2f}x, p95 {p95 / b95:.2f}x; goal p95 < 5 ms: {'met' if p95 < 5 else 'NOT met'}")
    print(f"[storage] mean ours {statistics.mean(ours_ms):.2f} ms, mean bare {statistics.mean(bare_ms):.2f} ms; "
          f"CPU time per rating (ours) p50 {_pct(ours_cpu[20:], 50):.2f} ms (the rest is fsync and waiting)")
    source.close()
    dispose_engines()


CREATE = textwrap.dedent("""
    import sys, time
    from turingview.study import create_study
    t = time.perf_counter()
    s = create_study(sys.argv[1], "big", manifest=sys.argv[2], readers=["a", "b", "c"], seed=1, repeat_fraction=0.1)
    wall = time.perf_counter() - t
    hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(wall, hwm, s.n_cases)
""")

BARE = textwrap.dedent("""
    import csv, hashlib, sys, time
    from pathlib import Path
    import numpy as np
    from PIL import Image
    t = time.perf_counter()
    root = Path(sys.argv[1]).parent
    with open(sys.argv[1], newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        data = (root / row["path"]).read_bytes()
        hashlib.sha256(data).hexdigest()
        with Image.open(root / row["path"]) as im:
            np.asarray(im)
    wall = time.perf_counter() - t
    hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(wall, hwm, len(rows))
""")


def _run(code: str, *args: str) -> tuple[float, float, int]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "TURINGVIEW_DATA_DIR": str(Path(args[-1]).parent / "home")})
    wall, rss_kb, n = out.stdout.split()
    return float(wall), float(rss_kb) / 1024, int(n)


def test_create_large_study(manifest: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    bare_wall, bare_rss, n = _run(BARE, str(manifest))
    wall, rss, n_cases = _run(CREATE, url, str(manifest))
    assert n_cases == n == N_CASES
    size_mb = (tmp_path / "big.db").stat().st_size / 2**20
    print(f"\n[storage] create study of {n_cases} 64x64 PNG cases, 3 readers, 10% repeats: {wall:.1f} s "
          f"({1000 * wall / n_cases:.2f} ms/case), peak RSS {rss:.0f} MiB, database {size_mb:.0f} MiB; "
          f"bare read+hash+decode {bare_wall:.1f} s, peak RSS {bare_rss:.0f} MiB; "
          f"ratio wall {wall / bare_wall:.2f}x, RSS {rss / bare_rss:.2f}x")
