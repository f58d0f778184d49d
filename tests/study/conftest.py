"""Fixtures of the study tests: real image files on disk and created studies on both engines."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tv_study_data import StudyFiles, create_open_study, make_study_files

from turingview.core.domain import RatingInput
from turingview.storage import dispose_engines


@pytest.fixture(autouse=True)
def _fresh_engines():
    yield
    dispose_engines()


@pytest.fixture(scope="session")
def study_files(tmp_path_factory: pytest.TempPathFactory) -> StudyFiles:
    """6 real DICOM CT + 6 synthetic NIfTI study cases and 1 + 1 training cases, with a manifest."""
    return make_study_files(tmp_path_factory.mktemp("study-files"), 6, 6, training=1)


@pytest.fixture
def make_rating() -> Callable[..., RatingInput]:
    base = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

    def _make(position: int, blinded_id: str, score: int = 3, *, seconds: int = 0, **kwargs) -> RatingInput:
        shown = base + timedelta(seconds=seconds)
        return RatingInput(position=position, blinded_id=blinded_id, score=score, shown_at=shown,
                           answered_at=shown + timedelta(milliseconds=1500), elapsed_ms=1500, **kwargs)

    return _make


@pytest.fixture
def open_study(db_url: str, study_files: StudyFiles) -> tuple[str, str]:
    """(db_url, study name) of an open study with readers r1 and r2 on both engines."""
    create_open_study(db_url, study_files, "S", allow_changes=True)
    return db_url, "S"
