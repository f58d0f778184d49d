"""Fixtures for the statistics tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ._refdata import REFERENCE_DATA


@pytest.fixture(scope="session")
def ref() -> Path:
    """The shared reference-data folder (skipped when absent outside CI, a failure in CI)."""
    if not REFERENCE_DATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data missing: {REFERENCE_DATA}")
        pytest.skip(f"reference data not available at {REFERENCE_DATA}")
    return REFERENCE_DATA
