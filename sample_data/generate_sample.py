#!/usr/bin/env python
"""Generate TuringView's bundled sample study from the test images shipped with pydicom and nibabel.

Run ``python sample_data/generate_sample.py`` (default seed 20241122, output ``sample_data/``); the output is
reproduced bit for bit by the same seed and library versions. ``--out DIR`` writes elsewhere.

What it makes
-------------
* 16 **real** study cases: slices/volumes of the bundled files (``SOURCES``), resampled to one matrix size
  and dtype per modality so no trivial cue separates classes: CT -> DICOM 128x128 int16 stored with
  Rescale Intercept -1024 (window 40/400); MR -> DICOM 128x128 uint16 (robust window); NIfTI ->
  ``.nii.gz`` 64x64x12 int16.
* 16 **synthetic** study cases, one per real source, made by two simulated generators (numpy/scipy only):

  - ``ddpm-sim`` v1.2: smooth elastic deformation, spectral phase perturbation growing with spatial
    frequency (a diffusion-like loss of fine phase coherence), and noise-texture resynthesis (the
    high-pass residual is replaced by noise with the same amplitude spectrum and random phase, slightly
    attenuated).
  - ``gan-sim`` v0.9: stronger elastic deformation, patch shuffling with blending (16-pixel patches
    swapped with similar-intensity neighbours, recombined by overlap-add of sin^2 windows, a partition of
    unity, so no seams), plus a faint 2-pixel periodic pattern like a transposed-convolution artefact.

* 4 **training** cases (2 real, 2 synthetic), ``role=training`` in the manifest, in ``training/``.

Synthetic DICOM headers differ realistically from real ones (no Manufacturer, Image Type
``DERIVED\\SECONDARY``); synthetic NIfTI carry ``sform_code`` 2 instead of 1. These are the header cues a
blinding audit must find and the reader package must strip; pixel format, size and dtype are identical.
File names are shuffled case numbers and say nothing about truth.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, MRImageStorage, generate_uid
from scipy import ndimage

DEFAULT_SEED = 20241122
PYDICOM_DIR = Path(os.path.dirname(pydicom.__file__)) / "data" / "test_files"
NIBABEL_DIR = Path(os.path.dirname(nib.__file__)) / "tests" / "data"
CT_SHAPE = (128, 128)
MR_SHAPE = (128, 128)
NIFTI_SHAPE = (64, 64, 12)
UID_PREFIX = "1.2.826.0.1.3680043.8.498."  # pydicom's registered root for generated UIDs
GENERATORS = (("ddpm-sim", "1.2"), ("gan-sim", "0.9"))


@dataclass(frozen=True)
class Source:
    """A real source image: which bundled file, which part of it, and its manifest facts."""

    key: str  # the 'patient' grouping id (synthetic derivatives share it)
    origin: str  # "pydicom" or "nibabel"
    file: str
    modality: str  # CT, MR (DICOM) or MR-NIFTI
    crop: tuple[int, int, int, int] | None = None  # row0, col0, rows, cols (DICOM) before resampling
    volume: int = 0  # NIfTI 4D volume index
    sex: str = "U"
    age_band: str = "unknown"
    scanner: str = "unknown"
    role: str = "study"


_ABDO: dict[str, str] = {"sex": "M", "age_band": "50-59", "scanner": "Siemens"}

SOURCES: tuple[Source, ...] = (
    Source("pyd-ct-small", "pydicom", "CT_small.dcm", "CT", sex="O", scanner="GE"),
    Source("pyd-ct-head", "pydicom", "J2K_pixelrep_mismatch.dcm", "CT", age_band="70-79"),
    Source("pyd-ct-head", "pydicom", "J2K_pixelrep_mismatch.dcm", "CT", crop=(96, 128, 256, 256), age_band="70-79"),
    Source("pyd-ct-head", "pydicom", "J2K_pixelrep_mismatch.dcm", "CT", crop=(224, 128, 256, 256), age_band="70-79"),
    Source("pyd-ct-small", "pydicom", "CT_small.dcm", "CT", crop=(0, 16, 96, 96), sex="O", scanner="GE"),
    Source("pyd-mr-small", "pydicom", "MR_small.dcm", "MR", sex="F", scanner="Toshiba"),
    Source("pyd-mr-abdo", "pydicom", "examples_overlay.dcm", "MR", (22, 0, 256, 256), **_ABDO),
    Source("pyd-mr-abdo", "pydicom", "examples_overlay.dcm", "MR", (22, 114, 256, 256), **_ABDO),
    Source("pyd-mr-abdo", "pydicom", "examples_overlay.dcm", "MR", (22, 228, 256, 256), **_ABDO),
    Source("nib-example4d", "nibabel", "example4d.nii.gz", "MR-NIFTI", volume=0),
    Source("nib-example4d", "nibabel", "example4d.nii.gz", "MR-NIFTI", volume=1),
    Source("nib-anatomical", "nibabel", "anatomical.nii", "MR-NIFTI"),
    Source("nib-functional", "nibabel", "functional.nii", "MR-NIFTI", volume=0),
    Source("nib-functional", "nibabel", "functional.nii", "MR-NIFTI", volume=10),
    Source("nib-nifti2", "nibabel", "example_nifti2.nii.gz", "MR-NIFTI", volume=0),
    Source("nib-reoriented", "nibabel", "reoriented_anat_moved.nii", "MR-NIFTI"),
    # training cases
    Source(
        "pyd-ct-head",
        "pydicom",
        "J2K_pixelrep_mismatch.dcm",
        "CT",
        crop=(160, 40, 256, 256),
        age_band="70-79",
        role="training",
    ),
    Source("pyd-mr-abdo", "pydicom", "examples_overlay.dcm", "MR", (0, 60, 256, 256), **_ABDO, role="training"),
)


# --------------------------------------------------------------------------------------------- sources


def _block_resample(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resample a 2D image to ``shape``: area averaging when shrinking by an integer factor, else linear."""
    image = image.astype(np.float64)
    fy, fx = image.shape[0] / shape[0], image.shape[1] / shape[1]
    if fy == fx and fy >= 1 and float(fy).is_integer():
        f = int(fy)
        return image.reshape(shape[0], f, shape[1], f).mean(axis=(1, 3))
    return ndimage.zoom(image, (shape[0] / image.shape[0], shape[1] / image.shape[1]), order=1, mode="nearest")


def load_source(source: Source) -> tuple[np.ndarray, tuple[float, ...], np.ndarray | None]:
    """Modality-domain array of a source (2D for DICOM, 3D for NIfTI), its spacing, and a NIfTI affine."""
    if source.origin == "pydicom":
        ds = pydicom.dcmread(PYDICOM_DIR / source.file)
        stored = ds.pixel_array.astype(np.float64)
        values = stored * float(ds.get("RescaleSlope", 1) or 1) + float(ds.get("RescaleIntercept", 0) or 0)
        if source.crop is not None:
            r0, c0, nr, nc = source.crop
            values = values[r0 : r0 + nr, c0 : c0 + nc]
        target = CT_SHAPE if source.modality == "CT" else MR_SHAPE
        pixel = [float(v) for v in ds.PixelSpacing]
        spacing = (
            float(ds.get("SliceThickness", 1) or 1),
            pixel[0] * values.shape[0] / target[0],
            pixel[1] * values.shape[1] / target[1],
        )
        return _block_resample(values, target), spacing, None
    image = nib.load(str(NIBABEL_DIR / source.file))
    data = np.asanyarray(image.dataobj).astype(np.float64)
    if data.ndim == 4:
        data = data[..., source.volume]
    factors = [t / s for t, s in zip(NIFTI_SHAPE, data.shape, strict=True)]
    resampled = ndimage.zoom(data, factors, order=1, mode="nearest")
    scale = np.diag([1 / f for f in factors] + [1.0])
    scale[:3, 3] = [(1 / f - 1) / 2 for f in factors]  # keep the field of view: voxel centres move
    affine = image.affine @ scale
    spacing = tuple(float(np.linalg.norm(affine[:3, i])) for i in range(3))
    return resampled, spacing, affine


# ------------------------------------------------------------------------------------- the generators


def elastic(image: np.ndarray, rng: np.random.Generator, *, alpha: float, sigma: float) -> np.ndarray:
    """Smooth random displacement (Simard et al. 2003): fields ~ Gaussian-filtered N(0,1), scaled to ``alpha`` px.

    For a 3D volume the same in-plane field deforms every slice (consistent anatomy through the stack).
    """
    plane = image.shape[:2]
    fields = []
    for _ in range(2):
        field = ndimage.gaussian_filter(rng.standard_normal(plane), sigma, mode="reflect")
        field *= alpha / max(float(np.abs(field).max()), 1e-12)
        fields.append(field)
    rows, cols = np.meshgrid(np.arange(plane[0]), np.arange(plane[1]), indexing="ij")
    coords = [rows + fields[0], cols + fields[1]]
    if image.ndim == 2:
        return ndimage.map_coordinates(image, coords, order=1, mode="reflect")
    return np.stack(
        [ndimage.map_coordinates(image[..., k], coords, order=1, mode="reflect") for k in range(image.shape[2])],
        axis=2,
    )


def _per_slice(image: np.ndarray, function) -> np.ndarray:  # type: ignore[no-untyped-def]
    if image.ndim == 2:
        return function(image)
    return np.stack([function(image[..., k]) for k in range(image.shape[2])], axis=2)


def phase_perturbation(image: np.ndarray, rng: np.random.Generator, *, strength: float) -> np.ndarray:
    """Add smooth random phase ``strength * (|f| / f_max) * N_smooth`` to the 2D spectrum of each slice."""

    def one(plane: np.ndarray) -> np.ndarray:
        spectrum = np.fft.fft2(plane)
        fy = np.fft.fftfreq(plane.shape[0])[:, None]
        fx = np.fft.fftfreq(plane.shape[1])[None, :]
        radius = np.sqrt(fy**2 + fx**2) / np.sqrt(0.5)
        noise = ndimage.gaussian_filter(rng.standard_normal(plane.shape), 1.5)
        noise /= max(float(noise.std()), 1e-12)
        phase = strength * radius * noise
        return np.real(np.fft.ifft2(spectrum * np.exp(1j * phase)))

    return _per_slice(image, one)


def texture_resynthesis(image: np.ndarray, rng: np.random.Generator, *, gain: float) -> np.ndarray:
    """Resynthesise the noise texture of each slice.

    The high-pass residual ``r = x - G_1 * x`` is halved and random-phase noise is added whose amplitude
    spectrum has the shape of ``|FFT(r)|`` and whose standard deviation is ``gain * 1.4826 * MAD(r)`` (a
    robust noise level, so edges do not inflate it): the fine texture keeps its spectrum but not its
    realisation.
    """

    def one(plane: np.ndarray) -> np.ndarray:
        smooth = ndimage.gaussian_filter(plane, 1.0)
        residual = plane - smooth
        sigma = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
        amplitude = np.abs(np.fft.fft2(residual))
        phase = np.angle(np.fft.fft2(rng.standard_normal(plane.shape)))
        noise = np.real(np.fft.ifft2(amplitude * np.exp(1j * phase)))
        noise /= max(float(noise.std()), 1e-12)
        return smooth + 0.5 * residual + gain * sigma * noise

    return _per_slice(image, one)


def patch_shuffle(image: np.ndarray, rng: np.random.Generator, *, patch: int, fraction: float) -> np.ndarray:
    """Overlap-add resynthesis where a ``fraction`` of patches is taken from a similar neighbouring location.

    Windows ``w(n) = sin^2(pi (n + 0.5) / (2p))`` of length ``2p`` at stride ``p`` sum to one, so untouched
    regions are reproduced exactly and swapped patches blend in without seams.
    """
    n = np.arange(2 * patch)
    w1 = np.sin(np.pi * (n + 0.5) / (2 * patch)) ** 2
    window = np.outer(w1, w1)

    def one(plane: np.ndarray) -> np.ndarray:
        pad = patch
        padded = np.pad(plane, pad, mode="reflect")
        out = np.zeros_like(padded)
        weight = np.zeros_like(padded)
        rows = range(0, padded.shape[0] - 2 * patch + 1, patch)
        cols = range(0, padded.shape[1] - 2 * patch + 1, patch)
        for r in rows:
            for c in cols:
                sr, sc = r, c
                if rng.random() < fraction:
                    dr, dc = rng.integers(-1, 2, size=2) * patch // 2
                    cr, cc = r + dr, c + dc
                    if 0 <= cr <= padded.shape[0] - 2 * patch and 0 <= cc <= padded.shape[1] - 2 * patch:
                        here = padded[r : r + 2 * patch, c : c + 2 * patch]
                        there = padded[cr : cr + 2 * patch, cc : cc + 2 * patch]
                        if abs(here.mean() - there.mean()) < 0.25 * (plane.std() + 1e-9):
                            sr, sc = cr, cc
                out[r : r + 2 * patch, c : c + 2 * patch] += window * padded[sr : sr + 2 * patch, sc : sc + 2 * patch]
                weight[r : r + 2 * patch, c : c + 2 * patch] += window
        blended = out / np.maximum(weight, 1e-12)
        covered = weight > 0.999
        result = np.where(covered, blended, padded)
        return result[pad:-pad, pad:-pad]

    return _per_slice(image, one)


def checkerboard(image: np.ndarray, *, amplitude: float) -> np.ndarray:
    """Faint period-2 pattern ``amplitude * std * (-1)^(r + c)`` inside the object (a GAN upsampling trace)."""
    r, c = np.indices(image.shape[:2])
    pattern = np.where((r + c) % 2 == 0, 1.0, -1.0)
    if image.ndim == 3:
        pattern = pattern[..., None]
    foreground = image > np.percentile(image, 30)
    return image + amplitude * float(image.std()) * pattern * foreground


def synthesise(image: np.ndarray, generator: str, rng: np.random.Generator) -> np.ndarray:
    """Apply one simulated generator to a modality-domain image (2D or 3D); returns float64."""
    size = image.shape[0]
    if generator == "ddpm-sim":
        out = elastic(image, rng, alpha=size / 40, sigma=size / 14)
        out = phase_perturbation(out, rng, strength=0.6)
        return texture_resynthesis(out, rng, gain=0.8)
    if generator == "gan-sim":
        out = elastic(image, rng, alpha=size / 30, sigma=size / 12)
        out = patch_shuffle(out, rng, patch=max(size // 8, 4), fraction=0.35)
        return checkerboard(out, amplitude=0.004)
    raise ValueError(f"unknown generator {generator!r}")


# ------------------------------------------------------------------------------------------- writers


def _uid(*parts: str) -> str:
    return generate_uid(prefix=UID_PREFIX, entropy_srcs=["turingview-sample", *parts])


def robust_window(values: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(values, [0.5, 99.5])
    return float(round((lo + hi) / 2)), float(max(round(hi - lo), 1))


def write_dicom(
    path: Path, values: np.ndarray, source: Source, spacing: tuple[float, ...], *, synthetic: bool, case_id: str
) -> None:
    """Write a 2D modality-domain image as a CT (int16, intercept -1024) or MR (uint16) DICOM file."""
    ct = source.modality == "CT"
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage if ct else MRImageStorage
    meta.MediaStorageSOPInstanceUID = _uid(case_id, "sop")
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = UID_PREFIX + "1"
    meta.ImplementationVersionName = "TV_SAMPLE_1"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = _uid(case_id, "study")
    ds.SeriesInstanceUID = _uid(case_id, "series")
    ds.FrameOfReferenceUID = _uid(case_id, "for")
    ds.Modality = "CT" if ct else "MR"
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"] if synthetic else ["ORIGINAL", "PRIMARY", "AXIAL"]
    if not synthetic and source.scanner != "unknown":
        ds.Manufacturer = source.scanner
    ds.PatientName = "ANONYMOUS"
    ds.PatientID = "TV-SAMPLE"
    ds.PatientSex = source.sex if source.sex in ("M", "F", "O") else ""
    ds.StudyDate = "20000101"
    ds.SeriesNumber = 1
    ds.InstanceNumber = 1
    ds.ImagePositionPatient = [0.0, 0.0, 0.0]
    ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    ds.SliceThickness = f"{spacing[0]:.4g}"
    ds.PixelSpacing = [f"{spacing[1]:.6g}", f"{spacing[2]:.6g}"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = values.shape
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    if ct:
        hu = np.clip(np.rint(values), -1024, 3071)
        stored = (hu + 1024).astype(np.int16)
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = -1024
        ds.RescaleSlope = 1
        ds.RescaleType = "HU"
        ds.WindowCenter, ds.WindowWidth = 40, 400
    else:
        stored = np.clip(np.rint(values), 0, 65535).astype(np.uint16)
        ds.PixelRepresentation = 0
        ds.WindowCenter, ds.WindowWidth = robust_window(stored)
    ds.PixelData = stored.astype(stored.dtype.newbyteorder("<")).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)


def write_nifti(path: Path, values: np.ndarray, affine: np.ndarray, *, synthetic: bool) -> None:
    """Write a 3D int16 NIfTI-1 (.nii.gz, deterministic gzip)."""
    data = np.clip(np.rint(values), -32768, 32767).astype(np.int16)
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units("mm")
    image.set_qform(affine, code=1)
    image.set_sform(affine, code=2 if synthetic else 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(image, str(path))


# ---------------------------------------------------------------------------------------------- main


def _clip_like(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.clip(values, float(reference.min()), float(reference.max()))


def generate(out: Path, seed: int = DEFAULT_SEED) -> list[dict[str, str]]:
    """Write the sample study under ``out``; return the manifest rows (also written to manifest.csv)."""
    rng = np.random.default_rng(seed)
    study = [s for s in SOURCES if s.role == "study"]
    training = [s for s in SOURCES if s.role == "training"]
    # case list: each real source and one synthetic derivative; generators alternate over sources
    cases: list[tuple[Source, str, str]] = []  # (source, truth, generator)
    for index, source in enumerate(study):
        cases.append((source, "real", ""))
        cases.append((source, "synthetic", GENERATORS[index % 2][0]))
    numbers = rng.permutation(len(cases)) + 1
    rows: list[dict[str, str]] = []
    versions = dict(GENERATORS)

    def emit(folder: str, number: int, source: Source, truth: str, generator: str) -> None:
        image, spacing, affine = load_source(source)
        case_id = f"{folder}-{number:03d}"
        synthetic = truth == "synthetic"
        if synthetic:
            child = np.random.default_rng([seed, number, 1 if folder == "training" else 0])
            image = _clip_like(synthesise(image, generator, child), image)
        suffix = ".dcm" if source.origin == "pydicom" else ".nii.gz"
        rel = f"{folder}/case_{number:03d}{suffix}"
        if source.origin == "pydicom":
            write_dicom(out / rel, image, source, spacing, synthetic=synthetic, case_id=case_id)
        else:
            assert affine is not None
            write_nifti(out / rel, image, affine, synthetic=synthetic)
        rows.append(
            {
                "path": rel,
                "truth": truth,
                "generator": generator,
                "generator_version": versions.get(generator, "") if synthetic else "",
                "modality": "MR" if source.modality == "MR-NIFTI" else source.modality,
                "patient": source.key,
                "sex": source.sex,
                "age_band": source.age_band,
                "site": f"{source.origin}-testdata",
                "scanner": source.scanner,
                "role": source.role,
                "case_id": case_id,
            }
        )

    for (source, truth, generator), number in zip(cases, numbers, strict=True):
        emit("study", int(number), source, truth, generator)
    for index, source in enumerate(training):
        emit("training", 2 * index + 1, source, "real", "")
        emit("training", 2 * index + 2, source, "synthetic", GENERATORS[index % 2][0])
    rows.sort(key=lambda row: (row["role"] != "study", row["path"]))
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def digest(folder: Path) -> str:
    """SHA-256 over every generated file (relative path and bytes), for reproducibility checks."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".dcm", ".gz", ".csv")):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="output folder")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    args = parser.parse_args()
    rows = generate(args.out, args.seed)
    print(f"wrote {len(rows)} cases and manifest.csv to {args.out} (sha256 {digest(args.out)[:16]})")


if __name__ == "__main__":
    main()
