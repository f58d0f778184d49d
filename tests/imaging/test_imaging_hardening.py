"""Hostile or corrupt inputs: huge declared sizes, decoder panics, extreme values -> typed errors or images."""

from __future__ import annotations

import struct
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest

from turingview.core.errors import ImageLoadError
from turingview.imaging import load_image
from turingview.imaging.display import default_window, render_slice
from turingview.imaging.limits import DEFAULT_MAX_IMAGE_BYTES, max_image_bytes
from turingview.imaging.volume import ImageVolume


def _nifti_declaring(path: Path, shape: tuple[int, ...]) -> Path:
    raw = bytearray(nib.Nifti1Image(np.zeros((4, 4, 4), np.int16), np.eye(4)).to_bytes())
    raw[40:56] = struct.pack("<8h", len(shape), *shape, *([1] * (7 - len(shape))))
    path.write_bytes(bytes(raw))
    return path


def test_huge_declared_nifti_is_refused_from_the_header(tmp_path: Path) -> None:
    path = _nifti_declaring(tmp_path / "huge.nii", (32767, 32767, 50))
    with pytest.raises(ImageLoadError, match=r"declares 32767 x 32767 x 50 voxels of int16 = 100\.0 GiB") as info:
        load_image(path)
    assert info.value.path == path and not isinstance(info.value.__cause__, MemoryError)


def test_nifti_declaring_more_than_the_file_holds_is_truncated(tmp_path: Path) -> None:
    path = _nifti_declaring(tmp_path / "short.nii", (64, 64, 64))
    with pytest.raises(ImageLoadError, match="truncated NIfTI/Analyze image data"):
        load_image(path)


@pytest.mark.parametrize("seed", ["JPEG2000.dcm", "SC_rgb_jpeg_dcmtk.dcm", "MR_small_RLE.dcm", "CT_small.dcm"])
def test_huge_declared_dicom_is_refused_before_decoding(tmp_path: Path, pydicom_dir: Path, seed: str) -> None:
    ds = pydicom.dcmread(pydicom_dir / seed)
    ds.Rows, ds.Columns, ds.NumberOfFrames = 65535, 65535, 12
    path = tmp_path / "huge.dcm"
    ds.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageLoadError, match="65535 x 65535 x 12 frame"):
        load_image(path)


def test_size_limit_is_configurable(tmp_path: Path, ct_small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_image_bytes() == DEFAULT_MAX_IMAGE_BYTES
    monkeypatch.setenv("TURINGVIEW_MAX_IMAGE_BYTES", "1000")
    with pytest.raises(ImageLoadError, match="TURINGVIEW_MAX_IMAGE_BYTES"):
        load_image(ct_small)  # 128 x 128 x 2 bytes > 1000
    monkeypatch.setenv("TURINGVIEW_MAX_IMAGE_BYTES", "not a number")
    assert load_image(ct_small).n_slices == 1


def test_corrupt_rle_stream_is_typed(tmp_path: Path, pydicom_dir: Path) -> None:
    # One byte deleted inside the RLE segment: pylibjpeg-rle's Rust decoder panics (a BaseException).
    raw = (pydicom_dir / "MR_small_RLE.dcm").read_bytes()
    path = tmp_path / "rle.dcm"
    path.write_bytes(raw[:1600] + raw[1601:])
    with pytest.raises(ImageLoadError, match="RLE Lossless"):
        load_image(path)


@pytest.mark.parametrize("value", [2.0**53, -(2.0**60), 7.0])
def test_default_window_of_extreme_or_constant_floats_is_valid(value: float) -> None:
    pixels = np.full((2, 8, 8), value, dtype=np.float32)
    pixels[0, 0, 0] = np.float32(value) + np.float32(1.0)  # lost in float32 rounding at 2**53
    volume = ImageVolume(pixels=pixels)
    window = default_window(volume)
    assert window.width > 0
    assert render_slice(volume, 1).dtype == np.uint8


def test_huge_scaling_in_nifti_renders(tmp_path: Path, nibabel_dir: Path) -> None:
    image = nib.load(str(nibabel_dir / "anatomical.nii"))
    copy = nib.Nifti1Image(np.asanyarray(image.dataobj), image.affine, image.header)
    copy.header.set_slope_inter(1.0, 9.0e15)
    path = tmp_path / "scaled.nii"
    nib.save(copy, str(path))
    volume = load_image(path)
    assert render_slice(volume, volume.middle_slice).dtype == np.uint8
