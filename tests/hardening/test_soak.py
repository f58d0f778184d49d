"""Scaled-down soak (the full one is tests/benchmarks/bench_soak.py): a 1,000-case study, one reader session of
300 ratings through ReviewSession over the database ReadingSource; memory stays flat and ratings do not get
slower over the session (generous bounds: this runs on a shared CI machine)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

HARNESS = Path(__file__).with_name("soak_worker.py")


def run_soak(tmp_path: Path, n_cases: int, n_ratings: int) -> tuple[dict, dict]:
    """Prepare the study and run the session, each in a fresh process; returns (prepare, read) outputs."""
    db_url = f"sqlite:///{tmp_path / 'soak.db'}"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "app"), env.get("PYTHONPATH")]))
    outputs = []
    for phase in ("prepare", "read"):
        done = subprocess.run(
            [
                sys.executable,
                str(HARNESS),
                phase,
                "--db",
                db_url,
                "--workdir",
                str(tmp_path),
                "--cases",
                str(n_cases),
                "--ratings",
                str(n_ratings),
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=3000,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outputs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return outputs[0], outputs[1]


@pytest.mark.slow
def test_soak_scaled(tmp_path: Path) -> None:
    prepared, result = run_soak(tmp_path, 1000, 300)
    s = result["summary"]
    print(
        f"\nsoak 1000 cases / {s['n']} ratings: study created in {prepared['create_s']:.1f} s; "
        f"latency median {s['latency_start_ms']:.1f} -> {s['latency_end_ms']:.1f} ms "
        f"(p95 {s['latency_p95_ms']:.1f} ms; bare durable insert {s['baseline_insert_ms']:.2f} ms, "
        f"ratio {s['latency_end_ms'] / s['baseline_insert_ms']:.1f}x); "
        f"RSS {s['rss_start_mb']:.0f} -> {s['rss_end_mb']:.0f} MB (peak {s['peak_rss_mb']:.0f} MB)"
    )
    assert result["n_acknowledged"] == 300
    assert s["rss_end_mb"] - s["rss_start_mb"] < 40, "memory grows over the session"
    assert s["latency_end_ms"] < 2.5 * s["latency_start_ms"] + 5, "ratings get slower over the session"
