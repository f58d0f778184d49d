"""Fixtures for the imaging tests: the test-data folders that pydicom and nibabel ship."""

from __future__ import annotations

import os
from pathlib import Path

import nibabel
import pydicom
import pytest

PYDICOM_FILES = Path(os.path.dirname(pydicom.__file__)) / "data" / "test_files"
NIBABEL_FILES = Path(os.path.dirname(nibabel.__file__)) / "tests" / "data"


@pytest.fixture(scope="session")
def pydicom_dir() -> Path:
    """pydicom's bundled test files (never the network-downloaded ones)."""
    return PYDICOM_FILES


@pytest.fixture(scope="session")
def nibabel_dir() -> Path:
    """nibabel's bundled test data."""
    return NIBABEL_FILES


@pytest.fixture(scope="session")
def ct_small() -> Path:
    return PYDICOM_FILES / "CT_small.dcm"


@pytest.fixture(scope="session")
def mr_small() -> Path:
    return PYDICOM_FILES / "MR_small.dcm"
