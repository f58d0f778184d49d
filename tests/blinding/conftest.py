"""Fixtures for the blinding audit: real DICOM and NIfTI files written with pydicom and nibabel.

``make_image_set`` writes ``n`` real and ``n`` synthetic files whose pixels come from the same smooth
random-field generator (so content does not separate the classes), with optional planted cues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest


def phantom(rng: np.random.Generator, shape: tuple[int, int] = (48, 48)) -> np.ndarray:
    """A CT-like slice in HU: a disc of soft tissue with noise, air outside."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    cy, cx = shape[0] / 2 + rng.normal(0, 2), shape[1] / 2 + rng.normal(0, 2)
    r = min(shape) * (0.35 + 0.05 * rng.random())
    inside = (yy - cy) ** 2 + (xx - cx) ** 2 < r * r
    img = np.where(inside, 40.0, -1000.0) + rng.normal(0, 20, shape)
    return img


def write_dicom(path: Path, hu: np.ndarray, *, manufacturer: str | None = None,
                uid_root: str = "1.2.826.0.1.3680043.8.498", derived: bool = False) -> Path:
    """Write an uncompressed CT slice (int16 stored, slope 1, intercept 0) with pydicom."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    meta.MediaStorageSOPInstanceUID = generate_uid(prefix=uid_root + ".")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid(prefix=uid_root + ".")
    ds.SeriesInstanceUID = generate_uid(prefix=uid_root + ".")
    ds.Modality = "CT"
    ds.ImageType = ["DERIVED" if derived else "ORIGINAL", "PRIMARY", "AXIAL"]
    if manufacturer is not None:
        ds.Manufacturer = manufacturer
    stored = np.round(hu).astype(np.int16)
    ds.Rows, ds.Columns = stored.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = 1.0
    ds.RescaleSlope = 1
    ds.RescaleIntercept = 0
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    ds.PixelData = stored.tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def write_nifti(path: Path, hu: np.ndarray, *, dtype: str = "int16", descrip: str = "") -> Path:
    """Write a one-slice NIfTI volume with nibabel in the given on-disk dtype."""
    import nibabel as nib

    data = hu.T[:, :, None]
    data = np.round(data).astype(dtype) if np.dtype(dtype).kind in "iu" else data.astype(dtype)
    img = nib.Nifti1Image(data, np.diag([0.7, 0.7, 1.0, 1.0]))
    img.header.set_data_dtype(dtype)
    img.header.set_slope_inter(1.0, 0.0)
    if descrip:
        img.header["descrip"] = descrip.encode()
    nib.save(img, str(path))
    return path


@dataclass
class ImageSet:
    real: list[Path]
    synthetic: list[Path]

    @property
    def items(self):
        from turingview.core.domain import Truth
        from turingview.study.blinding_audit import AuditItem

        return [AuditItem(f"R{i:02d}", Truth.REAL, p) for i, p in enumerate(self.real)] + [
            AuditItem(f"S{i:02d}", Truth.SYNTHETIC, p) for i, p in enumerate(self.synthetic)
        ]


@pytest.fixture
def make_image_set(tmp_path: Path) -> Callable[..., ImageSet]:
    """Factory: ``make_image_set(n, kind="nifti"|"dicom", real={...}, synthetic={...})`` writer kwargs per class."""

    def make(n: int = 8, *, kind: str = "nifti", real: dict | None = None, synthetic: dict | None = None,
             seed: int = 7) -> ImageSet:
        rng = np.random.default_rng(seed)
        folder = tmp_path / f"set-{kind}-{seed}-{n}"
        (folder / "real").mkdir(parents=True)
        (folder / "synthetic").mkdir(parents=True)
        writer = write_nifti if kind == "nifti" else write_dicom
        suffix = ".nii" if kind == "nifti" else ".dcm"
        out = ImageSet([], [])
        for i in range(n):
            out.real.append(writer(folder / "real" / f"r{i:02d}{suffix}", phantom(rng), **(real or {})))
            out.synthetic.append(writer(folder / "synthetic" / f"s{i:02d}{suffix}", phantom(rng), **(synthetic or {})))
        return out

    return make
