"""An acknowledged rating is durable: SIGKILL the writer mid-run, reopen, find every acknowledged rating."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from turingview.storage import dispose_engines
from turingview.study import ratings_records, verify_audit_chain

WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime, timedelta
    from turingview.core.domain import RatingInput
    from turingview.study import open_reading_source

    if sys.argv[1] == "package":
        from turingview.study import open_reader_package
        source = open_reader_package(sys.argv[2])
    else:
        source = open_reading_source(sys.argv[1], sys.argv[2], "r1")
    order = [c for c in source.order() if not c.is_training]
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    print("ready", flush=True)
    i = 0
    while True:
        case = order[i % len(order)]
        at = t0 + timedelta(seconds=i)
        recorded = source.record_rating(RatingInput(position=case.position, blinded_id=case.blinded_id,
                                                    score=1 + i % 5, shown_at=at, answered_at=at, elapsed_ms=i))
        print(recorded.rating_id, recorded.position, recorded.revision, recorded.score, flush=True)
        i += 1
""")


def _kill_mid_run(*args: str) -> tuple[int | None, list[tuple[int, int, int, int]]]:
    """Start the writer, read 60 acknowledgements, SIGKILL it mid-write; return its exit code and every ack."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", WRITER, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    acknowledged: list[tuple[int, int, int, int]] = []
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first == "ready", proc.stderr.read() if proc.stderr else first
        deadline = time.monotonic() + 60
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            acknowledged.append(tuple(int(x) for x in line.split()))  # type: ignore[arg-type]
        os.kill(proc.pid, signal.SIGKILL)  # while it is busy writing the next ratings
        proc.wait(timeout=30)
        # the pipe may still hold acknowledgements printed before the kill: they count too
        for line in proc.stdout.read().splitlines():
            parts = line.split()
            if len(parts) == 4:
                acknowledged.append(tuple(int(x) for x in parts))  # type: ignore[arg-type]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, acknowledged


@pytest.mark.slow
def test_sigkill_mid_run_loses_no_acknowledged_rating(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    dispose_engines()
    returncode, acknowledged = _kill_mid_run(db_url, name)
    assert returncode == -signal.SIGKILL
    assert len(acknowledged) >= 60, "the writer did not get far enough"

    stored = {(r["position"], r["revision"]): r for r in ratings_records(db_url, name, include_superseded=True)}
    for _rating_id, position, revision, score in acknowledged:
        assert stored[(position, revision)]["score"] == score
    # at most the one rating in flight may have been committed without its acknowledgement reaching us
    assert len(stored) - len(acknowledged) in (0, 1)
    # nothing partial: every stored rating is whole and carries its audit event
    result = verify_audit_chain(db_url, name)
    assert result.ok, str(result)


@pytest.mark.slow
def test_sigkill_mid_run_on_a_reader_package(sqlite_url: str, storage_files, tmp_path) -> None:
    """The air-gapped workstation: ratings go into the package file; every acknowledged one survives."""
    from turingview.study import (
        create_study,
        export_reader_package,
        import_ratings,
        open_reader_package,
        set_study_status,
    )

    create_study(sqlite_url, "P", manifest=storage_files.manifest, readers=["r1"], seed=2, allow_changes=True)
    set_study_status(sqlite_url, "P", "open", reason="test")
    package = export_reader_package(sqlite_url, "P", "r1", tmp_path / "r1.tvpkg")
    returncode, acknowledged = _kill_mid_run("package", str(package))
    assert returncode == -signal.SIGKILL and len(acknowledged) >= 60
    source = open_reader_package(package)  # the file opens cleanly after the crash
    stored = {(r.position, r.revision): r.score for r in source.recorded_ratings()}
    source.close()
    for _rating_id, position, revision, score in acknowledged:
        assert stored[(position, revision)] == score
    assert len(stored) - len(acknowledged) in (0, 1)
    assert import_ratings(sqlite_url, package).added == len(stored)
    assert verify_audit_chain(sqlite_url, "P").ok
