"""Fixtures of the hardening tests: the crash-isolated image loader."""

from __future__ import annotations

from collections.abc import Iterator

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
