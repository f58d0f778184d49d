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

from synthetic_images import write_ct_slice, write_nifti_slice


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
    """An uncompressed CT slice (int16 stored, slope 1, intercept 0, W 400 / L 40, 0.7 mm pixels)."""
    image_type = ["DERIVED" if derived else "ORIGINAL", "PRIMARY", "AXIAL"]
    return write_ct_slice(path, hu, spacing=0.7, manufacturer=manufacturer, uid_root=uid_root,
                          image_type=image_type, slice_thickness=1.0, window=(40, 400))


def write_nifti(path: Path, hu: np.ndarray, *, dtype: str = "int16", descrip: str = "") -> Path:
    """A one-slice NIfTI volume in the given on-disk dtype, scl_slope 1 / scl_inter 0 written out."""
    return write_nifti_slice(path, hu, dtype=dtype, spacing=0.7, descrip=descrip, unit_scaling=True)


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
