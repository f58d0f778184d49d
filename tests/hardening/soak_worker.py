"""Soak harness (run as a subprocess by tests/hardening/test_soak.py and tests/benchmarks/bench_soak.py).

``prepare``: write ``--cases`` small distinct PNG images and a manifest, create and open the study.
``read``: one reader session of ``--ratings`` ratings driven like the workstation does it, through
:class:`~turingview.core.review_session.ReviewSession` over ``open_reading_source``: for each case the
image is loaded from the source and rendered, the progress counter read, the case marked shown and rated.
Prints one JSON object: per-rating latencies (ms), RSS samples (MB) and a bare baseline (a durable raw
sqlite3 INSERT + COMMIT with ``synchronous=FULL`` on the same disk) for ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from process_memory import peak_rss_mb


def prepare(workdir: Path, n_cases: int, db_url: str) -> dict[str, float]:
    import numpy as np
    from PIL import Image

    from turingview.study import create_study, set_study_status

    images = workdir / "images"
    images.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261122)
    rows = []
    for i in range(n_cases):
        pixels = rng.integers(0, 256, (32, 32), dtype=np.uint8)
        path = images / f"c{i:05d}.png"
        Image.fromarray(pixels).save(path)
        synthetic = i % 2 == 1
        rows.append(
            {
                "path": f"images/{path.name}",
                "truth": "synthetic" if synthetic else "real",
                "generator": "soak-gen" if synthetic else "",
                "modality": "OT",
            }
        )
    manifest = workdir / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    started = time.perf_counter()
    create_study(db_url, "soak", manifest=manifest, readers=["r1"], seed=5)
    set_study_status(db_url, "soak", "open", reason="soak")
    return {"create_s": time.perf_counter() - started}


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _bare_baseline_ms(folder: Path, n: int = 200) -> float:
    """Median ms of a durable single-row INSERT + COMMIT (WAL, synchronous=FULL): the floor of any rating."""
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, pos INTEGER, score INTEGER, at TEXT)")
    times = []
    for i in range(n):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO r (pos, score, at) VALUES (?, ?, ?)", (i, 3, "2026-01-01T00:00:00"))
        conn.execute("COMMIT")
        times.append((time.perf_counter() - start) * 1000)
    conn.close()
    return statistics.median(times)


def _count_sqlite_steps(db_url: str) -> list[int]:
    """Count SQLite virtual-machine instructions on the session's engine (a load-independent cost measure:
    a keyed lookup costs a few hundred, a scan of the study's cases thousands)."""
    from sqlalchemy import event

    from turingview.storage import get_engine

    engine = get_engine(db_url)
    steps = [0]

    def on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        def tick() -> int:
            steps[0] += 1
            return 0

        dbapi_conn.set_progress_handler(tick, 1)

    event.listen(engine, "connect", on_connect)
    engine.dispose()
    return steps


def read(db_url: str, n_ratings: int, workdir: Path) -> dict[str, object]:
    from turingview.core.review_session import ReviewSession, SessionState
    from turingview.imaging.display import render_slice
    from turingview.study import open_reading_source

    baseline = _bare_baseline_ms(workdir)
    steps = _count_sqlite_steps(db_url)
    source = open_reading_source(db_url, "soak", "r1")
    session = ReviewSession(source)
    acknowledged = []
    session.rating_recorded.connect(lambda recorded, _feedback: acknowledged.append(recorded.rating_id))
    session.start()
    latencies: list[float] = []
    load_steps: list[int] = []
    rate_steps: list[int] = []
    rss: list[tuple[int, float]] = [(0, _rss_mb())]
    sample_every = max(n_ratings // 20, 1)
    while len(latencies) < n_ratings and session.state is not SessionState.FINISHED:
        case = session.current
        assert case is not None and session.state is SessionState.LOADING, session.state
        start = time.perf_counter()
        steps[0] = 0
        volume = source.load_image(case.blinded_id)
        load_steps.append(steps[0])
        render_slice(volume, volume.middle_slice)
        _ = session.progress
        session.mark_shown()
        before = len(acknowledged)
        steps[0] = 0
        session.rate(1 + len(latencies) % 5)
        rate_steps.append(steps[0])
        if len(acknowledged) != before + 1:
            raise RuntimeError(f"rating {len(latencies)} was not acknowledged (state {session.state})")
        latencies.append((time.perf_counter() - start) * 1000)
        if len(latencies) % sample_every == 0:
            rss.append((len(latencies), _rss_mb()))
    source.close()
    return {
        "latencies_ms": latencies,
        "rss_mb": rss,
        "baseline_insert_ms": baseline,
        "load_image_sqlite_steps": load_steps,
        "rate_sqlite_steps": rate_steps,
        "maxrss_mb": peak_rss_mb(),
        "n_acknowledged": len(acknowledged),
    }


def summarise(result: dict) -> dict[str, float]:
    """Start/end figures: medians of the first and last 10% of ratings, RSS after warm-up and at the end."""
    lat = result["latencies_ms"]
    k = max(len(lat) // 10, 10)
    rss = result["rss_mb"]
    warm = rss[1][1] if len(rss) > 1 else rss[0][1]
    return {
        "n": len(lat),
        "latency_start_ms": statistics.median(lat[:k]),
        "latency_end_ms": statistics.median(lat[-k:]),
        "latency_p95_ms": sorted(lat)[int(0.95 * (len(lat) - 1))],
        "rss_start_mb": warm,
        "rss_end_mb": rss[-1][1],
        "peak_rss_mb": result["maxrss_mb"],
        "baseline_insert_ms": result["baseline_insert_ms"],
        "load_image_steps": statistics.median(result["load_image_sqlite_steps"]),
        "rate_steps_start": statistics.median(result["rate_sqlite_steps"][:k]),
        "rate_steps_end": statistics.median(result["rate_sqlite_steps"][-k:]),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("phase", choices=["prepare", "read"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--ratings", type=int, default=300)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    if args.phase == "prepare":
        print(json.dumps(prepare(workdir, args.cases, args.db)))
    else:
        result = read(args.db, args.ratings, workdir)
        print(json.dumps({"summary": summarise(result), **result}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
