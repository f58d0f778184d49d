"""Every file bundled with pydicom and every NIfTI/Analyze file bundled with nibabel either renders or is
refused with a typed error that names the file. The refusals are pinned (and listed in docs/imaging.md),
so a regression that turns a rendering file into a refusal, or the reverse, fails here."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging import load_image
from turingview.imaging.display import render_slice

from .conftest import NIBABEL_FILES, PYDICOM_FILES

NIFTI_SUFFIXES = (".nii", ".nii.gz", ".hdr", ".img")


def _pydicom_files() -> list[Path]:
    return sorted(Path(root) / name for root, _, names in os.walk(PYDICOM_FILES) for name in names)


def _nibabel_files() -> list[Path]:
    return sorted(p for p in NIBABEL_FILES.iterdir() if p.is_file() and p.name.endswith(NIFTI_SUFFIXES))


CORPUS = _pydicom_files() + _nibabel_files()

# Relative path -> (error class, words the reason must contain). Everything else must render.
_NO_PIXELS = (UnsupportedImageError, "without pixel data")
_DICOMDIR = (UnsupportedImageError, "DICOMDIR")
_NOT_IMAGE = (UnsupportedImageError, "not a recognised image format")
REFUSED: dict[str, tuple[type[ImageLoadError], str]] = {
    "analyze.hdr": (ImageLoadError, "image data file missing"),
    "nifti1.hdr": (ImageLoadError, "image data file missing"),
    "nifti2.hdr": (ImageLoadError, "image data file missing"),
    "row_major.dconn.nii": (UnsupportedImageError, "no spatial image"),
    "ExplVR_BigEndNoMeta.dcm": _NO_PIXELS,
    "ExplVR_LitEndNoMeta.dcm": _NO_PIXELS,
    "JPEG-lossy.dcm": (UnsupportedImageError, "JPEG Extended"),
    "JPEG2000-embedded-sequence-delimiter.dcm": (UnsupportedImageError, "JPEG 2000"),
    "MR_truncated.dcm": (ImageLoadError, "truncated pixel data"),
    "README.txt": _NOT_IMAGE,
    "UN_sequence.dcm": _NO_PIXELS,
    "badVR.dcm": (ImageLoadError, "invalid NumberOfFrames value"),
    "crayons.icc": _NOT_IMAGE,
    "empty_charset_LEI.dcm": _NO_PIXELS,
    "meta_missing_tsyntax.dcm": (ImageLoadError, "without Rows"),
    "nested_priv_SQ.dcm": (ImageLoadError, "without Rows"),
    "no_meta.dcm": (ImageLoadError, "not a DICOM file"),
    "no_meta_group_length.dcm": _NO_PIXELS,
    "priv_SQ.dcm": _NO_PIXELS,
    "reportsi.dcm": _NO_PIXELS,
    "reportsi_with_empty_number_tags.dcm": _NO_PIXELS,
    "rtplan.dcm": _NO_PIXELS,
    "rtplan.dump": _NOT_IMAGE,
    "rtplan_truncated.dcm": _NO_PIXELS,
    "rtstruct.dcm": _NO_PIXELS,
    "rtstruct.dump": _NOT_IMAGE,
    "test-SR.dcm": _NO_PIXELS,
    "test1.json": _NOT_IMAGE,
    "test_PN.json": _NOT_IMAGE,
    "waveform_ecg.dcm": _NO_PIXELS,
    "zipMR.gz": (UnsupportedImageError, "gzip-compressed DICOM"),
    "dicomdirtests/README.txt": _NOT_IMAGE,
    "dicomdirtests/TINY_ALPHA/README": _NOT_IMAGE,
    "dicomdirtests/DICOMDIR": _DICOMDIR,
    "dicomdirtests/DICOMDIR-bigEnd": _DICOMDIR,
    "dicomdirtests/DICOMDIR-empty.dcm": _DICOMDIR,
    "dicomdirtests/DICOMDIR-implicit": _DICOMDIR,
    "dicomdirtests/DICOMDIR-nooffset": _DICOMDIR,
    "dicomdirtests/DICOMDIR-nopatient": _DICOMDIR,
    "dicomdirtests/DICOMDIR-reordered": _DICOMDIR,
    "dicomdirtests/TINY_ALPHA/DICOMDIR": _DICOMDIR,
}
# TINY_ALPHA's 36 images are header-only copies (pixel data stripped to keep pydicom's wheel small).
TINY_ALPHA_IMAGES = "dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/"


def _relative(path: Path) -> str:
    base = PYDICOM_FILES if PYDICOM_FILES in path.parents else NIBABEL_FILES
    return path.relative_to(base).as_posix()


def _expected_refusal(rel: str) -> tuple[type[ImageLoadError], str] | None:
    if rel.startswith(TINY_ALPHA_IMAGES):
        return _NO_PIXELS
    return REFUSED.get(rel)


def test_the_corpus_is_the_full_bundle() -> None:
    # pydicom 3.0 bundles 176 files, nibabel 5 eleven NIfTI/Analyze files; fail loudly if a wheel changes.
    assert len(_pydicom_files()) >= 170
    assert len(_nibabel_files()) >= 10
    rels = {_relative(p) for p in CORPUS}
    missing = sorted(set(REFUSED) - rels)
    assert not missing, f"pinned refusals not in the bundle: {missing}"


@pytest.mark.parametrize("path", CORPUS, ids=_relative)
def test_every_bundled_file_renders_or_is_refused_by_name(path: Path) -> None:
    rel = _relative(path)
    expected = _expected_refusal(rel)
    try:
        volume = load_image(path)
    except ImageLoadError as error:
        assert expected is not None, f"{rel} was refused but should render: {error}"
        assert isinstance(error, expected[0]), f"{rel}: {type(error).__name__}, expected {expected[0].__name__}"
        assert expected[1] in error.reason, f"{rel}: reason {error.reason!r} lacks {expected[1]!r}"
        assert error.path == path and str(path) in str(error)
        return
    assert expected is None, f"{rel} rendered but is pinned as refused ({expected[1]})"
    image = render_slice(volume, volume.middle_slice)
    assert image.dtype == np.uint8
    assert image.shape[:2] == (volume.rows, volume.cols)
    assert image.ndim == (3 if volume.is_color else 2)
    assert image.flags.c_contiguous
