"""Fixtures of the storage tests (shared data helpers live in tests/study/tv_study_data.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "study"))

from tv_study_data import StudyFiles, make_study_files

from turingview.storage import dispose_engines


@pytest.fixture(autouse=True)
def _fresh_engines():
    yield
    dispose_engines()


@pytest.fixture(scope="session")
def storage_files(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    return make_study_files(tmp_path_factory.mktemp("storage-files"), 4, 4)


@pytest.fixture
def open_study(db_url: str, storage_files: StudyFiles) -> tuple[str, str]:
    """(db_url, name) of an open study 'S' (readers r1, r2; answer changes allowed) on both engines."""
    from turingview.study import create_study, set_study_status

    create_study(db_url, "S", manifest=storage_files.manifest, readers=("r1", "r2"), seed=3, allow_changes=True)
    set_study_status(db_url, "S", "open", reason="test")
    return db_url, "S"
