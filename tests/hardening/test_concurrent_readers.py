"""Several reader processes rate at once against one database (a SQLite file, and PostgreSQL) while the
coordinator's analysis (``ratings_records`` + statistics) runs in another process; afterwards every
acknowledged rating is stored exactly once, no unacknowledged rating appears, repeats were refused and the
audit chain verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLE_MANIFEST, make_sample_study

WORKER = Path(__file__).with_name("reader_worker.py")
READERS = tuple(f"r{i}" for i in range(1, 5))
CHANGES = 5

COORDINATOR = """
import json, sys, time
from turingview.stats.roc import empirical_auc
from turingview.study import ratings_records
db, study, stop, ready = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
import os
runs, peak = 0, 0
while True:
    rows = ratings_records(db, study)
    real = [r["score"] for r in rows if r["truth"] == "real"]
    synthetic = [r["score"] for r in rows if r["truth"] == "synthetic"]
    if real and synthetic:
        empirical_auc(real, synthetic)
    runs += 1
    peak = max(peak, len(rows))
    if runs == 1:
        open(ready, "w").close()  # the readers start once the coordinator is analysing
    if os.path.exists(stop):
        break
print(json.dumps({"runs": runs, "max_rows_seen": peak}))
"""


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "app"), env.get("PYTHONPATH")]))
    return env


def test_concurrent_readers_every_acknowledged_rating_once(db_url: str, tmp_path: Path) -> None:
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    from turingview.storage import dispose_engines
    from turingview.study import ratings_records, verify_audit_chain

    study = make_sample_study(db_url, readers=READERS, allow_changes=True)
    dispose_engines()
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    coordinator = subprocess.Popen(
        [sys.executable, "-c", COORDINATOR, db_url, study, str(stop), str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert coordinator.poll() is None, coordinator.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the coordinator's analysis never ran"
        time.sleep(0.05)
    started = time.perf_counter()
    readers = {
        reader: subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                "--db",
                db_url,
                "--study",
                study,
                "--reader",
                reader,
                "--ack",
                str(tmp_path / f"{reader}.jsonl"),
                "--changes",
                str(CHANGES),
                "--seed",
                str(i),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        for i, reader in enumerate(READERS)
    }
    results = {}
    for reader, proc in readers.items():
        out, err = proc.communicate(timeout=400)
        assert proc.returncode == 0, f"{reader} failed:\n{err[-3000:]}"
        results[reader] = json.loads(out.strip().splitlines()[-1])
    wall = time.perf_counter() - started
    stop.touch()
    out, err = coordinator.communicate(timeout=120)
    assert coordinator.returncode == 0, err[-3000:]
    analysis = json.loads(out.strip().splitlines()[-1])

    acknowledged = [json.loads(line) for r in READERS for line in (tmp_path / f"{r}.jsonl").read_text().splitlines()]
    stored = ratings_records(db_url, study, include_training=True, include_superseded=True)
    stored_keys = Counter((r["reader"], r["position"], r["revision"]) for r in stored)
    ack_keys = Counter((a["reader"], a["position"], a["revision"]) for a in acknowledged)
    assert all(n == 1 for n in ack_keys.values()), "a rating was acknowledged twice"
    assert stored_keys == ack_keys, "stored ratings differ from the acknowledged ones"
    by_key = {(r["reader"], r["position"], r["revision"]): r["score"] for r in stored}
    assert all(by_key[(a["reader"], a["position"], a["revision"])] == a["score"] for a in acknowledged)
    per_reader = 36 + CHANGES
    assert len(acknowledged) == len(READERS) * per_reader
    assert all(res["repeats_refused"] == 36 for res in results.values()), results
    verification = verify_audit_chain(db_url, study)
    assert verification.ok, verification
    assert analysis["runs"] >= 2  # once before the readers started, then meanwhile or after
    print(
        f"\nconcurrency {db_url.split(':')[0]}: {len(READERS)} reader processes, {len(acknowledged)} acknowledged "
        f"ratings stored exactly once in {wall:.1f} s, {sum(r['repeats_refused'] for r in results.values())} "
        f"repeats refused, coordinator analysed {analysis['runs']} times meanwhile "
        f"(saw up to {analysis['max_rows_seen']} rows)"
    )
