"""Engines: crash-safe SQLite pragmas, integrity check on open, URL handling, migrations on both engines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from turingview.core.errors import StorageError
from turingview.storage import dispose_engines, get_engine, migrate, normalise_url

HEAD_TABLES = {"study", "case_", "presented_image", "reader", "assignment", "assignment_item", "rating",
               "audit_event", "reader_package", "artifact", "alembic_version"}


def test_sqlite_pragmas(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    assert get_engine(sqlite_url) is engine  # cached per process


def test_default_database_lives_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TURINGVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TURINGVIEW_DB_URL", raising=False)
    engine = get_engine(None)
    assert Path(engine.url.database) == tmp_path / "data" / "turingview.db"
    assert (tmp_path / "data" / "turingview.db").exists()


def test_postgres_urls_get_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_corrupt_database_is_refused_on_open(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY, y TEXT)")
    conn.executemany("INSERT INTO t (y) VALUES (?)", [("x" * 500,) for _ in range(400)])
    conn.commit()
    conn.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 3 + 20 : page * 3 + 400] = b"\xff" * 380  # smash a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match=r"corrupt\.db"):
        get_engine(f"sqlite:///{path}")


def test_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "text.db"
    path.write_text("hello, I am not a database" * 200)
    with pytest.raises(StorageError, match=r"text\.db"):
        get_engine(f"sqlite:///{path}")


def test_in_memory_sqlite_is_refused() -> None:
    with pytest.raises(StorageError, match="in-memory"):
        get_engine("sqlite://")


def test_migrations_reach_head_on_both_engines(db_url: str) -> None:
    engine = get_engine(db_url)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert set(inspect(engine).get_table_names()) == HEAD_TABLES


def test_upgrade_of_a_v1_database_keeps_its_data(db_url: str) -> None:
    """Create a database with the first migration only, write v1 rows, then open it with this version."""
    from sqlalchemy import create_engine

    url = normalise_url(db_url)
    raw = create_engine(url)
    migrate.upgrade(raw, "0001")
    assert migrate.current_revision(raw) == "0001"
    assert "artifact" not in inspect(raw).get_table_names()
    with raw.begin() as conn:
        conn.execute(text(
            "INSERT INTO study (uid, name, protocol_text, scale_labels, settings, seed, status, created_at, "
            "updated_at, audit_seq, audit_head) VALUES ('u-1', 'legacy', 'p', '[\"a\",\"b\"]', '{}', 7, 'draft', "
            ":t, :t, 0, '')"), {"t": "2025-01-01 10:00:00"})
    raw.dispose()
    dispose_engines()
    engine = get_engine(db_url)  # upgrades on open
    assert migrate.current_revision(engine) == migrate.head_revision() == "0003"
    assert "artifact" in inspect(engine).get_table_names()
    assert "reader_training_truth" in inspect(engine).get_view_names()
    from turingview.study import get_study, save_artifact

    summary = get_study(db_url, "legacy")
    assert summary.seed == 7 and summary.created_at.year == 2025
    save_artifact(db_url, "legacy", "note", {"upgraded": True})


def test_failed_open_of_unreachable_postgres_is_a_storage_error() -> None:
    with pytest.raises(StorageError, match="cannot open database") as info:
        get_engine("postgresql://nobody:secret@127.0.0.1:1/nothing")
    assert "secret" not in str(info.value)


def test_head_constant_matches_the_migration_scripts() -> None:
    assert migrate.head_revision() == migrate.HEAD
