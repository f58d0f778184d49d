"""Compressed and unusual transfer syntaxes decode (pylibjpeg plugins), colour models become RGB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from turingview.core.errors import UnsupportedImageError
from turingview.imaging import load_image
from turingview.imaging.display import render_slice

from .conftest import PYDICOM_FILES

# Lossless encodings of MR_small.dcm: they must decode to exactly the same modality values.
LOSSLESS_MR = [
    ("MR_small_RLE.dcm", "RLE Lossless"),
    ("MR_small_jpeg_ls_lossless.dcm", "JPEG-LS Lossless"),
    ("MR_small_jp2klossless.dcm", "JPEG 2000"),
    ("MR_small_bigendian.dcm", "Big Endian"),
    ("MR_small_expb.dcm", "Big Endian"),
    ("MR_small_implicit.dcm", "Implicit VR Little Endian"),
]


@pytest.mark.parametrize(("name", "syntax"), LOSSLESS_MR)
def test_lossless_encodings_equal_the_uncompressed_original(name: str, syntax: str) -> None:
    original = load_image(PYDICOM_FILES / "MR_small.dcm")
    volume = load_image(PYDICOM_FILES / name)
    assert syntax in volume.metadata["transfer_syntax"]
    assert np.array_equal(volume.pixels, original.pixels)
    assert np.array_equal(render_slice(volume, 0), render_slice(original, 0))


@pytest.mark.parametrize(
    ("name", "syntax", "shape"),
    [
        ("SC_rgb_jpeg_dcmtk.dcm", "JPEG Baseline", (1, 100, 100, 3)),
        ("JPGExtended.dcm", "JPEG Extended", (1, 1024, 256)),
        ("SC_rgb_jpeg_gdcm.dcm", "JPEG Lossless", (1, 100, 100, 3)),
        ("JPEGLSNearLossless_16.dcm", "JPEG-LS Lossy", (1, 50, 10)),
        ("JPEG2000.dcm", "JPEG 2000", (1, 1024, 256)),
        ("693_J2KI.dcm", "JPEG 2000", (1, 512, 512)),
        ("SC_rgb_rle_16bit_2frame.dcm", "RLE Lossless", (2, 100, 100, 3)),
        ("image_dfl.dcm", "Deflated", (1, 512, 512)),
        ("ExplVR_BigEnd.dcm", "Big Endian", (1, 60, 80, 3)),
        ("rtdose_rle.dcm", "RLE Lossless", (15, 10, 10)),
    ],
)
def test_transfer_syntaxes_decode(name: str, syntax: str, shape: tuple[int, ...]) -> None:
    volume = load_image(PYDICOM_FILES / name)
    assert syntax in volume.metadata["transfer_syntax"]
    assert volume.pixels.shape == shape
    image = render_slice(volume, volume.middle_slice)
    assert image.dtype == np.uint8 and image.std() > 0  # decoded to an actual picture, not a flat field


def test_jpeg_extended_matches_pydicom_decode() -> None:
    path = PYDICOM_FILES / "JPGExtended.dcm"
    assert np.array_equal(load_image(path).pixels[0], pydicom.dcmread(path).pixel_array)


def test_jpeg_baseline_close_to_its_uncompressed_source() -> None:
    # SC_rgb.dcm (uncompressed) is not bundled; the RLE (lossless) copy of the same picture is.
    reference = load_image(PYDICOM_FILES / "SC_rgb_rle.dcm").pixels.astype(np.int16)
    for name in ("SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_dcmtk_+eb+cy+np.dcm", "SC_rgb_dcmtk_+eb+cr.dcm"):
        decoded = load_image(PYDICOM_FILES / name).pixels.astype(np.int16)
        assert decoded.shape == reference.shape
        assert np.abs(decoded - reference).mean() < 3, name


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("SC_rgb_rle.dcm", "RGB"),
        ("examples_rgb_color.dcm", "RGB"),
        ("SC_rgb_dcmtk_+eb+cy+n1.dcm", "YBR_FULL"),
        ("SC_ybr_full_422_uncompressed.dcm", "YBR_FULL_422"),
        ("examples_ybr_color.dcm", "YBR_FULL_422"),
        ("examples_palette.dcm", "PALETTE COLOR"),
        ("SC_rgb_rle_32bit.dcm", "RGB"),
    ],
)
def test_colour_models_become_rgb(name: str, stored: str) -> None:
    volume = load_image(PYDICOM_FILES / name)
    assert volume.photometric == "RGB" and volume.pixels.dtype == np.uint8
    assert volume.metadata["photometric"] == f"RGB (stored {stored})"
    image = render_slice(volume, volume.middle_slice)
    assert image.shape == (volume.rows, volume.cols, 3)


def test_ybr_full_422_is_converted_to_red() -> None:
    # The SC_rgb test pattern starts with a pure red band (pydicom's docs/tests use the same check).
    rgb = load_image(PYDICOM_FILES / "SC_ybr_full_422_uncompressed.dcm").pixels[0]
    red = rgb[5, 50].astype(int)
    assert red[0] > 240 and red[1] < 15 and red[2] < 15


def test_palette_colour_uses_the_palette() -> None:
    ds = pydicom.dcmread(PYDICOM_FILES / "examples_palette.dcm")
    index = int(ds.pixel_array[175, 400])
    red_lut = np.asarray(ds.RedPaletteColorLookupTableData)
    volume = load_image(PYDICOM_FILES / "examples_palette.dcm")
    first = int(ds.RedPaletteColorLookupTableDescriptor[1])
    bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
    raw = np.frombuffer(ds.RedPaletteColorLookupTableData, dtype="<u2" if bits == 16 else "u1")
    expected = int(raw[max(index - first, 0)]) >> (8 if bits == 16 else 0)
    assert red_lut.size > 0
    assert abs(int(volume.pixels[0, 175, 400, 0]) - expected) <= 1


def test_16bit_rgb_is_reduced_to_8bit() -> None:
    v16 = load_image(PYDICOM_FILES / "SC_rgb_rle_16bit.dcm")
    v8 = load_image(PYDICOM_FILES / "SC_rgb_rle.dcm")
    assert v16.pixels.dtype == np.uint8
    assert np.abs(v16.pixels.astype(int) - v8.pixels.astype(int)).max() <= 1


def test_unknown_compression_names_the_syntax(tmp_path: Path) -> None:
    ds = pydicom.dcmread(PYDICOM_FILES / "CT_small.dcm")
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2 Main Profile
    ds.PixelData = pydicom.encaps.encapsulate([b"\x00" * 64])
    path = tmp_path / "mpeg.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(UnsupportedImageError) as info:
        load_image(path)
    assert "MPEG2" in info.value.reason and str(path) in str(info.value)
