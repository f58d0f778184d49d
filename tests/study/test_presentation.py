"""Presented images: one quantisation rule and encoding for both classes, no header, exact round trip."""

from __future__ import annotations

import numpy as np
import pytest

from turingview.core.errors import ImageLoadError
from turingview.imaging.volume import ImageVolume, Window
from turingview.study.presentation import HEADER_SIZE, decode_presented, present, quantise


def _vol(pixels: np.ndarray, **kwargs) -> ImageVolume:
    return ImageVolume(pixels=pixels, **kwargs)


def test_ct_is_rounded_int16_hu_and_round_trips() -> None:
    hu = np.array([[[-1024.4, 0.6, 3071.2, 40.0]]])
    decoded = decode_presented(present(_vol(hu, modality="CT", spacing=(2.5, 0.7, 0.7))))
    assert decoded.pixels.dtype == np.int16
    assert decoded.pixels.tolist() == [[[-1024, 1, 3071, 40]]]
    assert decoded.modality == "CT" and decoded.spacing == (2.5, 0.7, 0.7)
    assert decoded.source_format == "presented" and decoded.photometric == "MONOCHROME2"


def test_same_rule_for_integer_dicom_and_float_nifti_sources() -> None:
    """A real int16 DICOM and a synthetic float32 NIfTI of the same CT pixels give identical bytes."""
    pixels = np.rint(np.random.default_rng(0).normal(0, 300, (1, 16, 16)))
    real = _vol(pixels.astype(np.int16), modality="CT", spacing=(1.0, 0.7, 0.7),
                windows=(Window(40, 400),), metadata={"PatientName": "X"}, source_format="dicom",
                orientation=np.eye(3))
    synthetic = _vol(pixels.astype(np.float32), modality="OT", spacing=(1.0, np.float32(0.7), np.float32(0.7)),
                     source_format="nifti")
    assert present(real) == present(synthetic, "CT")


def test_other_modalities_are_float32_on_a_1_over_256_grid() -> None:
    values = np.array([[[0.1234567, 100.0, 4095.0, -3.3]]], dtype=np.float64)
    data, photometric, modality = quantise(_vol(values, modality="MR"))
    assert data.dtype == np.float32 and photometric == "MONOCHROME2" and modality == "MR"
    assert np.all(data * 256 == np.rint(data * 256))
    decoded = decode_presented(present(_vol(values.astype(np.uint16).astype(np.float64), modality="MR")))
    assert decoded.pixels.dtype == np.float32


def test_monochrome1_is_presented_as_negated_monochrome2() -> None:
    pixels = np.array([[[0, 10, 20]]], dtype=np.int16)
    decoded = decode_presented(present(_vol(pixels, photometric="MONOCHROME1", modality="CR")))
    assert decoded.photometric == "MONOCHROME2"
    assert decoded.pixels.tolist() == [[[0.0, -10.0, -20.0]]]


def test_rgb_stays_uint8() -> None:
    rgb = np.random.default_rng(1).integers(0, 256, (1, 4, 5, 3), dtype=np.uint8)
    decoded = decode_presented(present(_vol(rgb, photometric="RGB")))
    assert decoded.is_color and decoded.pixels.dtype == np.uint8
    assert np.array_equal(decoded.pixels, rgb)


def test_non_finite_values_become_zero() -> None:
    decoded = decode_presented(present(_vol(np.array([[[np.nan, np.inf, 1.0]]]), modality="MR")))
    assert decoded.pixels.tolist() == [[[0.0, 0.0, 1.0]]]


def test_no_metadata_survives() -> None:
    vol = _vol(np.zeros((2, 3, 3)), modality="CT", metadata={"PatientName": "DOE^JOHN", "SOPInstanceUID": "1.2.3"},
               windows=(Window(40, 400, name="abdomen"),))
    blob = present(vol)
    assert b"DOE" not in blob and b"1.2.3" not in blob
    decoded = decode_presented(blob)
    assert set(decoded.metadata) == {"format", "shape", "dtype"}
    assert decoded.windows == () and decoded.orientation is None


def test_size_depends_only_on_pixels() -> None:
    pixels = np.arange(64, dtype=np.float64).reshape(1, 8, 8)
    a = present(_vol(pixels, modality="CT", source_format="dicom", metadata={"x": "y" * 500}))
    b = present(_vol(pixels, modality="CT", source_format="nifti"))
    assert a == b and len(a) > HEADER_SIZE


@pytest.mark.parametrize("blob", [b"", b"XXXX" + bytes(60), present(_vol(np.zeros((1, 2, 2)), modality="CT"))[:-3]])
def test_damaged_bytes_raise_image_load_error(blob: bytes) -> None:
    with pytest.raises(ImageLoadError, match="C-TEST"):
        decode_presented(blob, name="C-TEST")


def _header(shape: tuple[int, ...], dtype_code: int = 1, photometric: int = 1) -> bytes:
    import struct

    dims = list(shape) + [0] * (4 - len(shape))
    return struct.pack("<4sBBBB4I3d8s", b"TVPI", 1, dtype_code, photometric, len(shape), *dims, 1.0, 1.0, 1.0, b"CT")


@pytest.mark.parametrize("blob", [
    _header((0, 4, 4)),
    _header((1, 4, 4, 3), dtype_code=3, photometric=1),  # colour shape with a greyscale photometric
    _header((2**16, 2**16, 2**16)),  # claims more than any real case
])
def test_impossible_headers_are_refused(blob: bytes) -> None:
    import zlib

    with pytest.raises(ImageLoadError):
        decode_presented(blob + zlib.compress(b"\0" * 48), name="C-BAD")


def test_decompression_bomb_is_refused_without_inflating_it() -> None:
    import tracemalloc
    import zlib

    bomb = _header((1, 4, 4)) + zlib.compress(b"\0" * (128 * 2**20), 9)
    tracemalloc.start()
    try:
        with pytest.raises(ImageLoadError, match="size does not match"):
            decode_presented(bomb, name="C-BOMB")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20
