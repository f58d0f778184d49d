"""Fast paths of the DICOM reader equal what pydicom returns: the native greyscale pixels equal
``ds.pixel_array`` (on pydicom's corpus and on hand-made files with dirty unused high bits), and the raw
decimal-string parser equals pydicom's DS conversion; anything they do not cover falls back to pydicom."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from turingview.imaging.dicom_reader import native_greyscale_pixels

from .conftest import PYDICOM_FILES


def _datasets() -> list[tuple[str, object]]:
    out = []
    for root, _, names in os.walk(PYDICOM_FILES):
        for name in sorted(names):
            path = Path(root) / name
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out.append((name, pydicom.dcmread(path)))
            except Exception:  # not DICOM (README, ICC profile, dumps)
                continue
    return out


def test_fast_path_equals_pixel_array_on_the_pydicom_corpus() -> None:
    covered = []
    for name, ds in _datasets():
        fast = native_greyscale_pixels(ds)
        if fast is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = ds.pixel_array
        assert fast.dtype == reference.dtype, name
        assert fast.shape == reference.shape, name
        assert np.array_equal(fast, reference), name
        assert fast.flags.writeable and fast.flags.c_contiguous, name
        covered.append(name)
    # the common single-frame, multi-frame, 8-bit and 12-in-16-bit layouts are all among them
    # single-frame 16-bit, implicit VR, 12-in-16-bit and multi-frame 32-bit layouts are all among them
    expected = {"CT_small.dcm", "MR_small_implicit.dcm", "examples_overlay.dcm", "rtdose.dcm"}
    assert expected <= set(covered), covered
    assert len(covered) >= 15, covered


@pytest.mark.parametrize("signed", [0, 1])
@pytest.mark.parametrize(("allocated", "stored"), [(16, 12), (16, 10), (16, 16), (8, 6), (8, 8)])
def test_dirty_unused_bits_are_corrected_like_pydicom(tmp_path: Path, signed: int, allocated: int,
                                                      stored: int) -> None:
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    rng = np.random.default_rng(allocated * 100 + stored * 2 + signed)
    raw = rng.integers(0, 2**allocated, size=(ds.Rows, ds.Columns), dtype=f"u{allocated // 8}")  # dirty high bits
    ds.PixelRepresentation, ds.BitsAllocated, ds.BitsStored, ds.HighBit = signed, allocated, stored, stored - 1
    ds.PixelData = raw.tobytes()
    path = tmp_path / "dirty.dcm"
    ds.save_as(path, enforce_file_format=True)
    ds = pydicom.dcmread(path)
    fast = native_greyscale_pixels(ds)
    assert fast is not None
    assert fast.dtype == ds.pixel_array.dtype and np.array_equal(fast, ds.pixel_array)


def test_not_covered_goes_to_pydicom(tmp_path: Path) -> None:
    compressed = pydicom.dcmread(get_testdata_file("MR_small_RLE.dcm"))
    big_endian = pydicom.dcmread(get_testdata_file("MR_small_bigendian.dcm"))
    colour = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    colour.SamplesPerPixel, colour.PhotometricInterpretation, colour.PlanarConfiguration = 3, "RGB", 0
    colour.BitsAllocated, colour.BitsStored, colour.HighBit, colour.PixelRepresentation = 8, 8, 7, 0
    colour.PixelData = bytes(colour.Rows * colour.Columns * 3)
    truncated = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    truncated.PixelData = truncated.PixelData[:-100]
    for ds in (compressed, big_endian, colour, truncated):
        assert native_greyscale_pixels(ds) is None


DS_KEYWORDS = ("ImageOrientationPatient", "PixelSpacing", "ImagerPixelSpacing", "WindowCenter", "WindowWidth",
               "RescaleSlope", "RescaleIntercept", "SliceThickness", "SpacingBetweenSlices")


def _pydicom_numbers(ds: object, keyword: str) -> list[float] | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = ds.get(keyword)  # type: ignore[attr-defined]
    if value is None:
        return None
    if value == "":
        return []
    return [float(v) for v in (value if isinstance(value, pydicom.multival.MultiValue) else [value])]


def test_decimal_values_equal_pydicom_on_the_corpus() -> None:
    from turingview.imaging.dicom_header import decimal_values

    compared = 0
    for name, ds in _datasets():
        for keyword in DS_KEYWORDS:
            try:
                expected = _pydicom_numbers(ds, keyword)
            except (TypeError, ValueError):
                continue  # pydicom cannot make numbers of it either
            fresh = pydicom.dcmread(ds.filename) if isinstance(ds.filename, str) else ds  # unconverted elements
            assert decimal_values(fresh, keyword) == expected, (name, keyword)
            compared += expected is not None
    assert compared >= 100, compared


def test_decimal_values_of_odd_strings(tmp_path: Path) -> None:
    from turingview.imaging.dicom_header import decimal_values

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    cases = {b"0.5\\0.25 ": [0.5, 0.25], b" 1e-1\\-2.50": [0.1, -2.5], b"": [], b"  ": []}
    for raw, expected in cases.items():
        ds.PixelSpacing = None
        ds["PixelSpacing"] = pydicom.dataelem.RawDataElement(
            pydicom.tag.Tag(0x00280030), "DS", len(raw), raw, 0, False, True)
        assert decimal_values(ds, "PixelSpacing") == expected, raw
    assert decimal_values(ds, "ImagerPixelSpacing") is None  # absent
