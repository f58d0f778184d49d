"""Enhanced multi-frame DICOM: per-frame and shared functional groups drive rescale, window and geometry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from turingview.imaging import load_image
from turingview.imaging.display import render_slice


def _item(**values: object) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def _enhanced(ct_small: Path, tmp_path: Path, intercepts: list[float]) -> tuple[Path, np.ndarray]:
    ds = pydicom.dcmread(ct_small)
    frames = np.stack([ds.pixel_array + 10 * k for k in range(len(intercepts))]).astype(np.int16)
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"  # Enhanced CT Image Storage
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.NumberOfFrames = len(intercepts)
    for keyword in ("RescaleSlope", "RescaleIntercept", "PixelSpacing", "SliceThickness", "ImageOrientationPatient"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.PixelData = frames.tobytes()
    shared = _item(
        PixelMeasuresSequence=Sequence([_item(PixelSpacing=[0.5, 0.25], SliceThickness=3.0)]),
        PlaneOrientationSequence=Sequence([_item(ImageOrientationPatient=[0, 1, 0, 0, 0, -1])]),
        FrameVOILUTSequence=Sequence([_item(WindowCenter=40, WindowWidth=400)]),
    )
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    ds.PerFrameFunctionalGroupsSequence = Sequence(
        [
            _item(
                PixelValueTransformationSequence=Sequence([_item(RescaleSlope=1, RescaleIntercept=b, RescaleType="HU")])
            )
            for b in intercepts
        ]
    )
    path = tmp_path / "enhanced.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path, frames


def test_enhanced_multiframe_per_frame_rescale(ct_small: Path, tmp_path: Path) -> None:
    path, frames = _enhanced(ct_small, tmp_path, [-1024.0, -1000.0, -1024.0])
    volume = load_image(path)
    assert volume.n_slices == 3 and volume.metadata["n_frames"] == "3"
    for k, intercept in enumerate([-1024, -1000, -1024]):
        np.testing.assert_array_equal(volume.pixels[k], frames[k].astype(np.int32) + intercept)
    assert volume.spacing == (3.0, 0.5, 0.25)
    np.testing.assert_allclose(volume.orientation[2], np.cross([0, 1, 0], [0, 0, -1]))
    assert (volume.windows[0].center, volume.windows[0].width) == (40.0, 400.0)
    assert render_slice(volume, 2).shape == (128, 128)


def test_enhanced_multiframe_shared_rescale_keeps_int16(ct_small: Path, tmp_path: Path) -> None:
    path, frames = _enhanced(ct_small, tmp_path, [-1024.0, -1024.0])
    volume = load_image(path)
    assert volume.pixels.dtype == np.int16
    np.testing.assert_array_equal(volume.pixels, frames.astype(np.int32) - 1024)
