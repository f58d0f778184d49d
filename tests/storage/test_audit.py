"""The hash-chained audit trail: OK on an honest history, the first broken link named after tampering."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from turingview.core.domain import RatingInput
from turingview.storage import RatingLog, get_engine
from turingview.storage.audit import GENESIS, canonical_json, chain_hash
from turingview.study import record_event, verify_audit_chain

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _raw(db_url: str, *statements: str) -> None:
    """Run SQL as an attacker with database access would, disabling the append-only triggers first."""
    engine = get_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for table in ("rating", "audit_event"):
                for action in ("update", "delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {table}_no_{action}"))
        else:
            conn.execute(text("ALTER TABLE rating DISABLE TRIGGER USER"))
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        for statement in statements:
            conn.exec_driver_sql(statement)


def _rate(db_url: str, name: str, n: int = 3) -> None:
    log = RatingLog(db_url, name, "r1")
    for i in range(n):
        log.record(RatingInput(position=i, blinded_id=log.items[i].blinded_id, score=1 + i, shown_at=T0,
                               answered_at=T0, elapsed_ms=100))


def test_canonical_json_is_deterministic() -> None:
    assert canonical_json({"b": 1, "a": [1, 2], "c": "é"}) == '{"a":[1,2],"b":1,"c":"é"}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_honest_chain_verifies(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    _rate(db_url, name)
    head = record_event(db_url, name, "blinding_audit", {"verdict": "pass"})
    result = verify_audit_chain(db_url, name)
    assert result.ok and result.head_hash == head
    assert str(result).startswith(f"OK: study {name!r}, {result.event_count} events, chain head {head}")
    with get_engine(db_url).connect() as conn:
        rows = conn.execute(text("SELECT seq, body, prev_hash, hash FROM audit_event ORDER BY seq")).all()
    prev = GENESIS
    for seq, body, prev_hash, digest in rows:  # independent re-computation of the documented rule
        assert prev_hash == prev and digest == chain_hash(prev, body) and json.loads(body)["seq"] == seq
        prev = digest


def test_modified_event_is_detected(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    _rate(db_url, name)
    _raw(db_url, "UPDATE audit_event SET body = replace(body, '\"seed\":3', '\"seed\":4') WHERE seq = 1")
    result = verify_audit_chain(db_url, name)
    assert not result.ok and result.broken_seq == 1 and "modified" in result.reason


def test_modified_rating_is_detected(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    _rate(db_url, name)
    _raw(db_url, "UPDATE rating SET score = 5 WHERE position = 1")
    result = verify_audit_chain(db_url, name)
    assert not result.ok and "modified after it was recorded" in result.reason


def test_deleted_or_added_rows_are_detected(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    _rate(db_url, name)
    _raw(db_url, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    assert "events removed or added" in verify_audit_chain(db_url, name).reason


def test_modified_truth_is_detected(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    _raw(db_url, "UPDATE case_ SET truth = 'real' WHERE truth = 'synthetic'")
    result = verify_audit_chain(db_url, name)
    assert not result.ok and "case table" in result.reason


def test_cli_verify_names_the_broken_link(sqlite_url: str, storage_files) -> None:
    import subprocess
    import sys

    from turingview.study import create_study

    db_url, name = sqlite_url, "S"
    create_study(db_url, name, manifest=storage_files.manifest, readers=["r1"], seed=1)
    ok = subprocess.run([sys.executable, "-m", "turingview", "audit", "verify", name, "--db", db_url],
                        capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("OK:")
    _raw(db_url, "UPDATE audit_event SET actor = 'mallory', body = replace(body, 'order_generated', 'x') "
                 "WHERE seq = 3")
    bad = subprocess.run([sys.executable, "-m", "turingview", "audit", "verify", name, "--db", db_url],
                         capture_output=True, text=True)
    assert bad.returncode == 6
    assert bad.stderr.strip().count("\n") == 0 and "event #3" in bad.stderr
