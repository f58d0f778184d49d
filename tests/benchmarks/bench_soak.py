"""Full soak: a 10,000-case study and one reader session of 2,000 ratings driven through ReviewSession over the
database ReadingSource (harness: tests/hardening/soak_worker.py, each phase in a fresh process).

Run: ``python -m pytest tests/benchmarks/bench_soak.py -s -p no:cacheprovider``
(``TURINGVIEW_SOAK_CASES`` / ``TURINGVIEW_SOAK_RATINGS`` override the sizes).

Figures: median rating latency (load + render + durable write) over the first and the last 10% of the session,
as a ratio to a bare durable SQLite INSERT+COMMIT measured in the same run; RSS after warm-up and at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "tests" / "hardening" / "soak_worker.py"
N_CASES = int(os.environ.get("TURINGVIEW_SOAK_CASES", "10000"))
N_RATINGS = int(os.environ.get("TURINGVIEW_SOAK_RATINGS", "2000"))


def _phase(phase: str, db_url: str, workdir: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "app"), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(HARNESS), phase, "--db", db_url, "--workdir", str(workdir), "--cases", str(N_CASES),
         "--ratings", str(N_RATINGS)],
        capture_output=True, text=True, env=env, timeout=3600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bench_soak(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'soak.db'}"
    prepared = _phase("prepare", db_url, tmp_path)
    result = _phase("read", db_url, tmp_path)
    s = result["summary"]
    base = s["baseline_insert_ms"]
    print(f"\nbench_soak: {N_CASES} cases created in {prepared['create_s']:.1f} s "
          f"({prepared['create_s'] / N_CASES * 1000:.1f} ms/case); {s['n']} ratings")
    print(f"  latency start {s['latency_start_ms']:.1f} ms = {s['latency_start_ms'] / base:.1f}x bare insert "
          f"({base:.2f} ms); end {s['latency_end_ms']:.1f} ms = {s['latency_end_ms'] / base:.1f}x; "
          f"end/start {s['latency_end_ms'] / s['latency_start_ms']:.2f}; p95 {s['latency_p95_ms']:.1f} ms")
    print(f"  RSS start {s['rss_start_mb']:.0f} MB, end {s['rss_end_mb']:.0f} MB "
          f"(end/start {s['rss_end_mb'] / s['rss_start_mb']:.2f}), peak {s['peak_rss_mb']:.0f} MB")
    print(f"  SQLite VM steps: per image load {s['load_image_steps']:.0f}; per rating {s['rate_steps_start']:.0f} "
          f"at the start, {s['rate_steps_end']:.0f} at the end")
    assert result["n_acknowledged"] == N_RATINGS
    assert s["rss_end_mb"] - s["rss_start_mb"] < 60
    assert s["latency_end_ms"] < 2.0 * s["latency_start_ms"] + 5
