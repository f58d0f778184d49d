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


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    return run_soak(tmp_path_factory.mktemp("soak"), 1000, 300)


@pytest.mark.slow
def test_soak_scaled(soak: tuple[dict, dict]) -> None:
    prepared, result = soak
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
    assert s["rate_steps_end"] < 2 * s["rate_steps_start"] + 50, "the rating write's cost grows with the log"


@pytest.mark.slow
def test_image_lookup_does_not_scan_the_study(soak: tuple[dict, dict]) -> None:
    """Loading one case's image costs the same in a 30-case and a 10,000-case study: a keyed lookup (a few
    hundred SQLite VM instructions), not a walk over the study's 1,000 cases (thousands)."""
    _, result = soak
    steps = result["summary"]["load_image_steps"]
    print(f"\nload_image: {steps:.0f} SQLite VM steps per image at 1,000 cases")
    assert steps < 1500, f"{steps:.0f} VM steps to fetch one image from a 1,000-case study"
