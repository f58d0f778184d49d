"""Fixtures for the analysis/export tests: simulated ratings files and one full CLI run shared by a module."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support import run_cli, simulate, write_csv


@pytest.fixture
def ratings_csv(tmp_path: Path) -> Callable[..., Path]:
    """Factory: write simulated ratings (keyword arguments of ``simulate``) to a CSV and return its path."""

    def make(name: str = "ratings.csv", **kwargs: object) -> Path:
        return write_csv(simulate(**kwargs), tmp_path / name)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One complete ``turingview analyze`` (report and PDF included) on a rich simulated study."""
    folder = tmp_path_factory.mktemp("full")
    csv_path = write_csv(simulate(5, 48, repeat_fraction=0.25, seed=3), folder / "ratings.csv")
    out = folder / "out"
    code, _, _ = run_cli(["analyze", str(csv_path), "--out", str(out)])
    results = json.loads((out / "results.json").read_text()) if code == 0 else {}
    return {"code": code, "csv": csv_path, "out": out, "results": results}


@pytest.fixture(scope="session")
def results_schema() -> dict[str, object]:
    from turingview.export.analysis import results_schema

    return results_schema()
