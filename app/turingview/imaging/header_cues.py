"""Non-visual cues of an image file: everything besides what the image shows that could tell files apart.

This is the one place outside the image readers that opens DICOM/NIfTI headers. The blinding audit
(:mod:`turingview.study.blinding_audit`) calls :func:`file_cues` on every raw file of a study and
:func:`volume_cues` on every presented (re-encoded) image, then asks, cue by cue, how well each one alone
separates real from synthetic cases.

A cue set is a flat ``dict`` from a namespaced key to a value:

- ``float``: a numeric cue (matrix size, spacing, file size, intensity range...), compared between the
  classes by the Mann-Whitney AUC;
- ``str``: a categorical cue (dtype, transfer syntax, Manufacturer, ``"(absent)"``...), compared by the
  best single-category split and a leave-one-out frequency score;
- ``None``: the cue does not apply to this file (a DICOM attribute of a NIfTI file), so the case is left
  out of that cue's comparison.

Keys: ``file.*`` (format, size, compression), ``geometry.*`` (matrix, slices, spacing), ``pixel.*``
(stored type, bit depth, intensity range, quantisation), ``dicom.<Keyword>``, ``dicom.meta.*``,
``dicom.private.*``, ``nifti.*``, ``raster.*`` (PNG/TIFF/JPEG) and ``presented.*``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from turingview.core.errors import ImageLoadError
from turingview.imaging.volume import ImageVolume

__all__ = ["ABSENT", "MAX_SAMPLE", "array_cues", "file_cues", "volume_cues"]

#: Category used when an attribute applies to a file but is missing from it.
ABSENT = "(absent)"
#: At most this many voxels are sampled (deterministic stride) for the intensity cues.
MAX_SAMPLE = 1_000_000
#: At most this many slices of a DICOM series folder are decoded for the intensity cues.
MAX_SERIES_SLICES = 8

# DICOM attributes never compared by value: pixel data, per-instance identifiers, patient identity.
_SKIP_KEYWORDS = frozenset(
    {
        "PixelData", "FloatPixelData", "DoubleFloatPixelData", "InstanceNumber", "SliceLocation",
        "ImagePositionPatient", "PatientName", "PatientID", "AccessionNumber", "OtherPatientIDs",
        "PatientBirthDate", "ReferringPhysicianName", "InstitutionAddress",
    }
)
_NUMERIC_VRS = frozenset({"DS", "IS", "US", "SS", "UL", "SL", "FL", "FD", "UV", "SV"})
_DATE_VRS = frozenset({"DA", "DT", "TM"})
_MAX_VALUE_CHARS = 64


# --------------------------------------------------------------------------------------------- pixels
def _sample(values: np.ndarray) -> np.ndarray:
    flat = np.asarray(values).reshape(-1)
    step = max(1, -(-flat.size // MAX_SAMPLE))
    return flat[::step]


def array_cues(
    pixels: np.ndarray,
    *,
    spacing: Iterable[float] | None = None,
    stored_dtype: np.dtype | str | None = None,
) -> dict[str, float | str | None]:
    """Geometry and intensity cues of a pixel array in modality units.

    Parameters
    ----------
    pixels
        ``(slices, rows, cols)`` (or ``(slices, rows, cols, 3)`` colour) modality-domain values.
    spacing
        ``(slice, row, col)`` spacing in mm, when known.
    stored_dtype
        The data type as stored on disk (before any rescale), when it differs from ``pixels.dtype``.

    Returns
    -------
    dict
        ``geometry.rows/cols/slices/matrix``, ``geometry.spacing_*``, ``pixel.dtype``, ``pixel.bits``,
        ``pixel.min/max/range``, ``pixel.non_integer_fraction`` (share of sampled voxels whose value is not
        a whole number, the "non-integer HU" cue) and ``pixel.quantisation_step`` (smallest positive gap
        between distinct sampled values).
    """
    arr = np.asarray(pixels)
    if arr.ndim == 2:
        arr = arr[None]
    dtype = np.dtype(stored_dtype) if stored_dtype is not None else arr.dtype
    cues: dict[str, float | str | None] = {
        "geometry.slices": float(arr.shape[0]),
        "geometry.rows": float(arr.shape[1]),
        "geometry.cols": float(arr.shape[2]),
        "geometry.matrix": f"{arr.shape[1]}x{arr.shape[2]}",
        "geometry.channels": float(arr.shape[3]) if arr.ndim == 4 else 1.0,
        "pixel.dtype": dtype.name,
        "pixel.bits": float(dtype.itemsize * 8),
    }
    if spacing is not None:
        for name, value in zip(("slice", "row", "col"), spacing, strict=False):
            cues[f"geometry.spacing_{name}"] = round(float(value), 6)
    sample = _sample(arr).astype(np.float64, copy=False)
    sample = sample[np.isfinite(sample)]
    if sample.size:
        lo, hi = float(sample.min()), float(sample.max())
        cues["pixel.min"] = lo
        cues["pixel.max"] = hi
        cues["pixel.range"] = hi - lo
        cues["pixel.non_integer_fraction"] = float(np.mean(sample != np.round(sample)))
        levels = np.unique(sample)
        gaps = np.diff(levels)
        cues["pixel.quantisation_step"] = float(gaps.min()) if gaps.size else 0.0
    return cues


def volume_cues(volume: ImageVolume, *, encoded_size: int | None = None) -> dict[str, float | str | None]:
    """Cues of a decoded :class:`ImageVolume` (used for presented images: what readers actually get).

    Besides :func:`array_cues`, compares the photometric interpretation, modality, stored windows, VOI
    LUTs, every metadata item the volume carries and, when given, the encoded byte size.
    """
    cues = array_cues(volume.pixels, spacing=volume.spacing)
    cues["presented.photometric"] = volume.photometric
    cues["presented.modality"] = volume.modality
    cues["presented.source_format"] = volume.source_format
    cues["presented.windows"] = ";".join(f"{w.center:g}/{w.width:g}/{w.function}" for w in volume.windows) or ABSENT
    cues["presented.voi_luts"] = float(len(volume.voi_luts))
    cues["presented.orientation"] = "known" if volume.orientation is not None else ABSENT
    for key, value in volume.metadata.items():
        cues[f"presented.metadata.{key}"] = str(value)[:_MAX_VALUE_CHARS]
    if encoded_size is not None:
        cues["file.size_bytes"] = float(encoded_size)
    return cues


# --------------------------------------------------------------------------------------------- files
def file_cues(path: str | Path) -> dict[str, float | str | None]:
    """Every non-visual cue of one raw image file (or DICOM series folder), as stored on disk.

    Raises
    ------
    ImageLoadError
        The file cannot be read; the message names it and says why.
    """
    from turingview.imaging.registry import sniff_format

    path = Path(path)
    name = path.name.lower()
    kind = sniff_format(path)  # by content, like the readers; raises ImageLoadError naming the file
    try:
        if kind == "dicom-series":
            cues = _dicom_series_cues(path)
        elif kind == "nifti":
            cues = _nifti_cues(path)
        elif kind == "raster":
            cues = _raster_cues(path)
        else:
            cues = _dicom_file_cues(path)
    except ImageLoadError:
        raise
    except Exception as exc:  # any reader failure becomes one clear, typed message
        raise ImageLoadError(path, f"cannot read the header: {exc}") from exc
    suffix = "".join(path.suffixes[-2:]).lower() if name.endswith(".gz") else path.suffix.lower()
    cues["file.extension"] = suffix or ABSENT
    return cues


def _file_size(path: Path) -> float:
    if path.is_dir():
        return float(sum(p.stat().st_size for p in path.iterdir() if p.is_file()))
    return float(path.stat().st_size)


# DICOM -----------------------------------------------------------------------------------------------
def _dicom_value_cues(ds) -> dict[str, float | str | None]:
    cues: dict[str, float | str | None] = {}
    private_creators: list[str] = []
    n_private = 0
    for elem in ds:
        if elem.tag.is_private:
            n_private += 1
            if elem.tag.element < 0x100 and elem.tag.element >= 0x10 and isinstance(elem.value, str):
                private_creators.append(elem.value.strip())
            continue
        keyword = elem.keyword
        if not keyword or keyword in _SKIP_KEYWORDS or elem.VR == "SQ":
            continue
        cues[f"dicom.{keyword}"] = _dicom_element_value(elem)
    cues["dicom.private.count"] = float(n_private)
    cues["dicom.private.creators"] = ";".join(sorted(set(private_creators))) or ABSENT
    image_type = [str(v).upper() for v in (ds.get("ImageType") or [])]
    cues["dicom.ImageType.derived"] = "DERIVED" if "DERIVED" in image_type else ("ORIGINAL" if image_type else ABSENT)
    cues["dicom.DerivationDescription.present"] = "present" if "DerivationDescription" in ds else ABSENT
    for key in ("StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        value = str(ds.get(key, "") or "")
        cues[f"dicom.{key}.year"] = float(value[:4]) if value[:4].isdigit() else None
    return cues


def _dicom_element_value(elem) -> float | str:
    value = elem.value
    vr = elem.VR
    if value is None or value == "" or (isinstance(value, bytes | bytearray) and not value):
        return "(empty)"
    if vr == "UI":
        return _uid_root(str(value))
    if vr in _DATE_VRS:
        return "present"
    if vr in _NUMERIC_VRS and elem.VM == 1:
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)[:_MAX_VALUE_CHARS]
    if isinstance(value, bytes | bytearray):
        return f"<{len(value)} bytes>"
    if elem.VM > 1:
        return "\\".join(str(v) for v in value)[:_MAX_VALUE_CHARS]
    return str(value).strip()[:_MAX_VALUE_CHARS]


def _uid_root(uid: str) -> str:
    """The organisation root of a UID: its first four components (``1.2.840.113619``)."""
    parts = uid.strip().split(".")
    return ".".join(parts[:4])


def _dicom_meta_cues(ds) -> dict[str, float | str | None]:
    meta = getattr(ds, "file_meta", None)
    cues: dict[str, float | str | None] = {}
    syntax = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    cues["file.compression"] = syntax.name if syntax is not None else "(no meta: implicit little endian)"
    cues["file.compressed"] = "compressed" if syntax is not None and syntax.is_compressed else "uncompressed"
    impl = getattr(meta, "ImplementationClassUID", None) if meta is not None else None
    cues["dicom.meta.ImplementationClassUID"] = _uid_root(str(impl)) if impl else ABSENT
    version = getattr(meta, "ImplementationVersionName", None) if meta is not None else None
    cues["dicom.meta.ImplementationVersionName"] = str(version).strip() if version else ABSENT
    source_ae = getattr(meta, "SourceApplicationEntityTitle", None) if meta is not None else None
    cues["dicom.meta.SourceApplicationEntityTitle"] = str(source_ae).strip() if source_ae else ABSENT
    return cues


def _dicom_pixels(ds) -> tuple[np.ndarray, np.dtype]:
    from pydicom.pixels import apply_modality_lut

    stored = ds.pixel_array
    if int(ds.get("SamplesPerPixel", 1) or 1) == 1 and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        values = apply_modality_lut(stored, ds)
    else:
        values = stored
    return np.asarray(values), stored.dtype


def _dicom_spacing(ds) -> tuple[float, float, float] | None:
    spacing = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing")
    if not spacing or len(spacing) < 2:
        return None
    thickness = ds.get("SpacingBetweenSlices") or ds.get("SliceThickness") or 0.0
    return (float(thickness or 0.0), float(spacing[0]), float(spacing[1]))


def _dicom_file_cues(path: Path) -> dict[str, float | str | None]:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path)
    except InvalidDicomError:
        ds = pydicom.dcmread(path, force=True)
        if "PixelData" not in ds and "FloatPixelData" not in ds:
            raise ImageLoadError(path, "not a DICOM, NIfTI, PNG, TIFF or JPEG image") from None
    if "PixelData" not in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds:
        raise ImageLoadError(path, "DICOM file without pixel data")
    pixels, stored = _dicom_pixels(ds)
    if (int(ds.get("SamplesPerPixel", 1) or 1) > 1 and pixels.ndim == 3) or pixels.ndim == 2:
        pixels = pixels[None]
    cues = array_cues(pixels, spacing=_dicom_spacing(ds), stored_dtype=stored)
    cues.update(_dicom_value_cues(ds))
    cues.update(_dicom_meta_cues(ds))
    cues["file.format"] = "dicom"
    cues["file.size_bytes"] = _file_size(path)
    cues["pixel.bits_stored"] = float(ds.get("BitsStored", 0) or 0) or None
    return cues


def _dicom_series_cues(folder: Path) -> dict[str, float | str | None]:
    import pydicom

    files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    if not files:
        raise ImageLoadError(folder, "empty folder: no DICOM series inside")
    headers = []
    for file in files:
        try:
            headers.append((file, pydicom.dcmread(file, stop_before_pixels=True)))
        except Exception as exc:
            raise ImageLoadError(file, f"not a readable DICOM file in series folder {folder.name}: {exc}") from exc
    headers.sort(key=lambda item: (int(item[1].get("InstanceNumber", 0) or 0), item[0].name))
    step = max(1, -(-len(headers) // MAX_SERIES_SLICES))
    picked = [pydicom.dcmread(f) for f, _ in headers[::step]]
    decoded = [_dicom_pixels(ds) for ds in picked]
    stack = np.stack([np.asarray(v).reshape(v.shape[-2:]) if v.ndim > 2 else v for v, _ in decoded])
    first = picked[0]
    cues = array_cues(stack, spacing=_dicom_spacing(first), stored_dtype=decoded[0][1])
    cues["geometry.slices"] = float(len(headers))
    cues.update(_dicom_value_cues(first))
    cues.update(_dicom_meta_cues(first))
    cues["file.format"] = "dicom-series"
    cues["file.size_bytes"] = _file_size(folder)
    cues["pixel.bits_stored"] = float(first.get("BitsStored", 0) or 0) or None
    return cues


# NIfTI -----------------------------------------------------------------------------------------------
def _nifti_cues(path: Path) -> dict[str, float | str | None]:
    import nibabel as nib

    img = nib.load(str(path))
    header = img.header
    shape = img.shape
    if len(shape) >= 3:
        # (x, y, z[, t...]) -> (slices, rows, cols): up to MAX_SERIES_SLICES evenly spaced slices of the first
        # volume are read through the array proxy (scaled as stored), never the whole 3D/4D array
        n_z = shape[2]
        picks = sorted(set(np.linspace(0, n_z - 1, min(n_z, MAX_SERIES_SLICES)).round().astype(int).tolist()))
        extra = (0,) * (len(shape) - 3)
        planes = [np.asanyarray(img.dataobj[(slice(None), slice(None), z, *extra)]) for z in picks]
        pixels = np.stack([p.T for p in planes])
    else:
        pixels = np.asanyarray(img.dataobj).T[None]
    zooms = (*(float(z) for z in header.get_zooms()[:3]), 1.0, 1.0, 1.0)
    cues = array_cues(pixels, spacing=(zooms[2], zooms[1], zooms[0]), stored_dtype=header.get_data_dtype())
    if len(shape) >= 3:
        cues["geometry.slices"] = float(shape[2])
    slope, inter = header.get_slope_inter()
    cues.update(
        {
            "file.format": "nifti2" if header.sizeof_hdr == 540 else "nifti1",
            "file.size_bytes": _file_size(path),
            "file.compression": "gzip" if path.name.lower().endswith(".gz") else "none",
            "nifti.datatype": str(header.get_data_dtype()),
            "nifti.dims": float(len(shape)),
            "nifti.descrip": _text(header["descrip"]) or ABSENT,
            "nifti.aux_file": _text(header["aux_file"]) or ABSENT,
            "nifti.intent_code": float(header["intent_code"]),
            "nifti.qform_code": str(int(header["qform_code"])),
            "nifti.sform_code": str(int(header["sform_code"])),
            "nifti.scl_slope": "unset" if slope is None else float(slope),
            "nifti.scl_inter": "unset" if inter is None else float(inter),
            "nifti.xyzt_units": str(int(header["xyzt_units"])),
            "nifti.cal_range": f"{float(header['cal_min']):g}..{float(header['cal_max']):g}",
            "nifti.magic": _text(header["magic"]) or ABSENT,
            "nifti.extensions": float(len(header.extensions)) if hasattr(header, "extensions") else 0.0,
            "nifti.vox_offset": float(header["vox_offset"]),
        }
    )
    return cues


def _text(value: object) -> str:
    raw = np.asarray(value).item() if not isinstance(value, bytes | str) else value
    if isinstance(raw, bytes):
        raw = raw.split(b"\x00", 1)[0].decode("latin-1", "replace")
    return str(raw).strip()


# PNG / TIFF / JPEG -----------------------------------------------------------------------------------
def _raster_cues(path: Path) -> dict[str, float | str | None]:
    from PIL import Image

    with Image.open(path) as img:
        fmt = (img.format or "unknown").lower()
        mode = img.mode
        info = dict(img.info)
        pixels = np.asarray(img.convert("RGB") if mode in ("P", "PA", "RGBA", "CMYK", "YCbCr", "LA") else img)
    if pixels.ndim == 3 and pixels.shape[-1] == 3:
        pixels = pixels[None]
    cues = array_cues(pixels)
    cues.update(
        {
            "file.format": fmt,
            "file.size_bytes": _file_size(path),
            "file.compression": str(info.get("compression", "lossy" if fmt == "jpeg" else "default")),
            "raster.mode": mode,
            "raster.dpi": "x".join(f"{float(v):g}" for v in info["dpi"]) if "dpi" in info else ABSENT,
            "raster.icc_profile": "present" if info.get("icc_profile") else ABSENT,
            "raster.text_keys": ";".join(sorted(k for k, v in info.items() if isinstance(v, str))) or ABSENT,
            "raster.software": str(info.get("Software", info.get("software", ABSENT)))[:_MAX_VALUE_CHARS],
        }
    )
    return cues
