"""Suite-wide fixtures: offscreen Qt, settings and data directories sent to tmp, database factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
REFERENCE_DATA = SHARED_DIR / "reference-data"
SAMPLE_DATA = REPO_ROOT / "sample_data"


def pytest_sessionstart(session: pytest.Session) -> None:
    """In CI the published reference data (``../shared/reference-data``) must be there: never skip validation."""
    if os.environ.get("CI") == "true" and not REFERENCE_DATA.is_dir():
        raise pytest.UsageError(f"CI=true but the statistics reference data is missing: {REFERENCE_DATA}")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Send TuringView's config and data directories to a per-test temporary folder."""
    home = tmp_path_factory.mktemp("tv-home")
    monkeypatch.setenv("TURINGVIEW_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("TURINGVIEW_DATA_DIR", str(home / "data"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh, real SQLite database file."""
    return f"sqlite:///{tmp_path / 'turingview.db'}"


def _postgres_url() -> str | None:
    return os.environ.get("TURINGVIEW_TEST_PG_URL")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh schema-isolated PostgreSQL database (a real server; CI starts one on loopback).

    Each test gets its own database, dropped afterwards. Skipped outside CI when no server is configured;
    in CI (``CI=true``) a missing server is a failure.
    """
    base = _postgres_url()
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail("TURINGVIEW_TEST_PG_URL is not set in CI: the PostgreSQL server did not start")
        pytest.skip("no PostgreSQL server (set TURINGVIEW_TEST_PG_URL or run `make test`)")
    import uuid

    import psycopg

    name = f"tv_{uuid.uuid4().hex[:12]}"
    dsn = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both engines: a real SQLite file and a real PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'turingview.db'}"
    return request.getfixturevalue("postgres_url")
