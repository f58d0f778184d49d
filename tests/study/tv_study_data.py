"""Small, real image files for the storage and study tests: DICOM CT (pydicom), NIfTI (nibabel), PNG (Pillow).

Real cases are DICOM CT slices carrying identifying header values (patient name, UIDs, institution);
synthetic cases are NIfTI volumes in float32 HU, as a generator would write them. Every file has distinct
pixels, so content hashes differ.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GENERATOR = "StyleGANx-Test"
GENERATOR_VERSION = "3.1.4"
PATIENT_PREFIX = "ZZPATIENT"
INSTITUTION = "Hospital-Of-Nowhere"


@dataclass
class StudyFiles:
    root: Path
    real_dir: Path
    synthetic_dir: Path
    manifest: Path
    real: list[Path] = field(default_factory=list)
    synthetic: list[Path] = field(default_factory=list)
    uids: list[str] = field(default_factory=list)


def write_dicom_ct(path: Path, hu: np.ndarray, index: int) -> str:
    """A single-slice CT DICOM file (int16 stored, slope 1, intercept -1024); returns its SOP Instance UID."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    sop_uid = generate_uid()
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = f"{PATIENT_PREFIX}^{index}"
    ds.PatientID = f"PID{index:05d}"
    ds.InstitutionName = INSTITUTION
    ds.Modality = "CT"
    ds.Rows, ds.Columns = hu.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    ds.RescaleSlope = 1
    ds.RescaleIntercept = -1024
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = 1.0
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    ds.PixelData = (hu.astype(np.int32) + 1024).astype("<i2").tobytes()
    ds.save_as(path, enforce_file_format=True)
    return str(sop_uid)


def write_nifti(path: Path, hu: np.ndarray) -> None:
    """A float32 NIfTI-1 volume of one slice (spacing 0.7 mm as float32)."""
    import nibabel as nib

    data = hu.astype(np.float32).T[:, :, None]
    affine = np.diag([0.7, 0.7, 1.0, 1.0])
    nib.save(nib.Nifti1Image(data, affine), str(path))


def ct_like(rng: np.random.Generator, size: int, smooth: bool) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    body = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2) < (size * 0.4) ** 2
    img = np.where(body, 40.0, -1000.0) + rng.normal(0, 5 if smooth else 20, (size, size))
    return np.rint(img)


def make_study_files(root: Path, n_real: int = 6, n_synthetic: int = 6, *, size: int = 24, seed: int = 0,
                     training: int = 0) -> StudyFiles:
    """Write ``n_real`` DICOM and ``n_synthetic`` NIfTI cases plus a manifest with subgroup columns.

    ``training`` extra cases per class get ``role=training``.
    """
    rng = np.random.default_rng(seed)
    real_dir, syn_dir = root / "real", root / "synthetic"
    real_dir.mkdir(parents=True, exist_ok=True)
    syn_dir.mkdir(parents=True, exist_ok=True)
    files = StudyFiles(root, real_dir, syn_dir, root / "manifest.csv")
    rows = []
    for i in range(n_real + training):
        path = real_dir / f"real_case_{i:03d}.dcm"
        files.uids.append(write_dicom_ct(path, ct_like(rng, size, False), i))
        files.real.append(path)
        rows.append({"path": f"real/{path.name}", "truth": "real", "generator": "", "generator_version": "",
                     "modality": "CT", "patient": f"P{i:03d}", "sex": "F" if i % 2 else "M",
                     "age_band": "40-59", "site": "siteA" if i % 3 else "siteB",
                     "role": "training" if i >= n_real else "study"})
    for i in range(n_synthetic + training):
        path = syn_dir / f"synth_case_{i:03d}.nii.gz"
        write_nifti(path, ct_like(rng, size, True))
        files.synthetic.append(path)
        rows.append({"path": f"synthetic/{path.name}", "truth": "synthetic", "generator": GENERATOR,
                     "generator_version": GENERATOR_VERSION, "modality": "CT", "patient": "", "sex": "",
                     "age_band": "", "site": "", "role": "training" if i >= n_synthetic else "study"})
    write_manifest(files.manifest, rows)
    return files


def write_manifest(path: Path, rows: list[dict[str, str]]) -> None:
    fields = list(dict.fromkeys(k for row in rows for k in row)) if rows else ["path", "truth"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def read_manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_pngs(folder: Path, count: int, *, size: int = 64, seed: int = 0, prefix: str = "img") -> list[Path]:
    """``count`` distinct 8-bit greyscale PNGs."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        path = folder / f"{prefix}_{i:05d}.png"
        Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(path)
        out.append(path)
    return out


def create_open_study(db_url: str, files: StudyFiles, name: str = "S", *, readers=("r1", "r2"), seed: int = 11,
                      open_it: bool = True, **kwargs):
    from turingview.study import create_study, set_study_status

    summary = create_study(db_url, name, manifest=files.manifest, readers=readers, seed=seed, **kwargs)
    if open_it:
        set_study_status(db_url, name, "open", reason="test")
    return summary
