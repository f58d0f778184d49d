"""The console on the shared-site database: a real PostgreSQL server (CI starts one on loopback).

The same screens as the SQLite tests, on a study created, opened and rated over PostgreSQL: the Studies
list, the readers' progress, and a Results analysis with a JSON export.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gui, pytest.mark.postgres]


def _cells(table, column: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_console_screens_on_postgresql(qtbot, console, wait, rated_study_postgres, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db_url, name = rated_study_postgres
    assert db_url.startswith("postgresql")
    window = console(db_url)
    assert _cells(window.studies.table, 0) == [name] and _cells(window.studies.table, 1) == ["open"]

    window.go("progress", name)
    wait.idle(window)
    progress = window.progress
    assert _cells(progress.readers, 0) == ["ann", "bob", "cy"]
    assert _cells(progress.readers, 7) == ["finished", "finished", "in progress"]
    assert "2 of 3 reader(s) finished (ann, bob)" in progress.summary.text()

    window.go("results", name)
    results = window.results
    wait.task(results.refresh(), timeout=240_000)
    assert "readings: 3 reader(s) x 16 case(s)" in results.summary.text()
    assert results.table_tabs["Detection"].tables["per_reader"].rowCount() == 3
    handle = results.export("json", tmp_path / "results.json")
    wait.task(handle, timeout=240_000)
    exported = json.loads(Path(handle.result).read_text())
    assert exported["data"]["n_readers"] == 3 and exported["provenance"]["study"] == name
    assert window.errors == []
