"""Fixtures of the hardening tests: the crash-isolated image loader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ._fuzz import NIBABEL_FILES, PYDICOM_FILES, LoaderWorker

WARMUP = [
    PYDICOM_FILES / name
    for name in (
        "CT_small.dcm",
        "JPEG2000.dcm",
        "SC_rgb_jpeg_dcmtk.dcm",
        "MR_small_RLE.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "image_dfl.dcm",
    )
] + [NIBABEL_FILES / "example4d.nii.gz", NIBABEL_FILES / "anatomical.nii"]


@pytest.fixture(scope="module")
def loader(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoaderWorker]:
    """A fuzz worker process shared by a module's tests (restarted automatically after a crash)."""
    worker = LoaderWorker(tmp_path_factory.mktemp("fuzz"), [p for p in WARMUP if p.exists()])
    yield worker
    worker.close()


# --- Studies on the real storage layer ----------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MANIFEST = REPO / "sample_data" / "manifest.csv"


@pytest.fixture(autouse=True)
def _fresh_engines() -> Iterator[None]:
    """Each test opens its databases afresh (engines are cached per process)."""
    yield
    from turingview.storage import dispose_engines

    dispose_engines()


def make_sample_study(
    db_url: str, name: str = "S", *, readers: tuple[str, ...] = ("r1", "r2"), **kwargs: object
) -> str:
    """Create and open a study of the bundled sample data (32 cases, 4 training cases); returns its name."""
    from turingview.study import create_study, set_study_status

    create_study(db_url, name, manifest=SAMPLE_MANIFEST, readers=readers, seed=7, **kwargs)  # type: ignore[arg-type]
    set_study_status(db_url, name, "open", reason="hardening test")
    return name


@pytest.fixture
def sample_study(db_url: str) -> tuple[str, str]:
    """(db_url, study name) of an open sample study with readers r1 and r2, on SQLite and PostgreSQL."""
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    return db_url, make_sample_study(db_url)
