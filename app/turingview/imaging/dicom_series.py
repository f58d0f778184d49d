"""A folder of single-frame DICOM files -> one :class:`ImageVolume`, sorted by geometry.

Slices are ordered by the projection of Image Position (Patient) on the slice normal
``n = row_cosines x column_cosines`` (from Image Orientation (Patient)), never by file name; files without
geometry fall back to Instance Number. A folder holding more than one Series Instance UID is refused with
the UIDs found, so the coordinator can split it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging.dicom_reader import dataset_volume, orientation_from_iop, read_dataset
from turingview.imaging.scrub import minimal_metadata
from turingview.imaging.volume import ImageVolume

__all__ = ["read_series", "slice_order"]

_SKIP_NAMES = {"dicomdir", "readme", "readme.txt", "license", "thumbs.db"}


def _candidates(folder: Path) -> list[Path]:
    try:
        entries = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        raise ImageLoadError(folder, f"cannot list the folder ({exc.strerror or exc})") from exc
    return [p for p in entries if not p.name.startswith(".") and p.name.lower() not in _SKIP_NAMES]


def _is_dicom_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(132)
    except OSError:
        return False
    if head[128:132] == b"DICM":
        return True
    return path.suffix.lower() in (".dcm", ".dicom", ".ima")


def slice_order(headers: list[Any]) -> list[int]:
    """Indices of ``headers`` sorted along the slice normal (ties and missing geometry: Instance Number).

    The position of slice ``i`` is ``d_i = IPP_i . n`` where ``n`` is the normal of the first header's
    Image Orientation (Patient).
    """
    orientation = None
    for ds in headers:
        orientation = orientation_from_iop(ds.get("ImageOrientationPatient"))
        if orientation is not None:
            break

    def instance(ds: Any) -> float:
        value = ds.get("InstanceNumber")
        try:
            return float(value)
        except (TypeError, ValueError):
            return 0.0

    keys: list[tuple[float, float]] = []
    for ds in headers:
        ipp = ds.get("ImagePositionPatient")
        if orientation is not None and ipp is not None and len(ipp) == 3:
            distance = float(np.dot(np.asarray([float(v) for v in ipp]), orientation[2]))
        else:
            distance = float("nan")
        keys.append((distance, instance(ds)))
    if any(np.isnan(d) for d, _ in keys):
        return sorted(range(len(headers)), key=lambda i: keys[i][1])
    return sorted(range(len(headers)), key=lambda i: keys[i])


def read_series(folder: Path, volume_index: int | None = None) -> ImageVolume:
    """Read the one DICOM series in ``folder`` (not recursive)."""
    if volume_index not in (None, 0):
        raise ImageLoadError(folder, f"volume index {volume_index} given, but a DICOM series is one volume")
    files = [p for p in _candidates(folder) if _is_dicom_file(p)]
    if not files:
        subfolders = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
        hint = f" (sub-folders: {', '.join(subfolders[:8])}; open one series folder)" if subfolders else ""
        raise UnsupportedImageError(folder, f"the folder holds no DICOM files{hint}")
    headers: list[Any] = []
    for path in files:
        headers.append(read_dataset(path))
    series: dict[str, list[int]] = {}
    for index, ds in enumerate(headers):
        series.setdefault(str(ds.get("SeriesInstanceUID", "") or "(no Series Instance UID)"), []).append(index)
    if len(series) > 1:
        found = ", ".join(f"{uid} ({len(members)} files)" for uid, members in sorted(series.items()))
        raise ImageLoadError(folder, f"mixed series: the folder holds {len(series)} series ({found}); split them")
    with_pixels = [i for i, ds in enumerate(headers) if "PixelData" in ds or "FloatPixelData" in ds]
    if not with_pixels:
        raise UnsupportedImageError(folder, "the folder's DICOM files hold no pixel data")
    if len(files) == 1:
        return dataset_volume(files[0], headers[0])
    order = [i for i in slice_order(headers) if i in set(with_pixels)]
    volumes: list[ImageVolume] = []
    for i in order:
        volume = dataset_volume(files[i], headers[i])
        if volume.n_slices != 1:
            raise UnsupportedImageError(
                folder, f"{files[i].name} is multi-frame ({volume.n_slices} frames): open that file on its own"
            )
        volumes.append(volume)
    first = volumes[0]
    shapes = {v.pixels.shape[1:] for v in volumes}
    kinds = {v.photometric for v in volumes}
    if len(shapes) != 1 or len(kinds) != 1:
        raise ImageLoadError(folder, f"slices differ in size or photometric ({sorted(map(str, shapes))}, {kinds})")
    dtype = np.result_type(*[v.pixels.dtype for v in volumes])
    pixels = np.stack([v.pixels[0].astype(dtype, copy=False) for v in volumes])
    spacing = first.spacing
    positions = []
    for i in order:
        ipp = headers[i].get("ImagePositionPatient")
        if first.orientation is not None and ipp is not None and len(ipp) == 3:
            positions.append(float(np.dot([float(v) for v in ipp], first.orientation[2])))
    if len(positions) == len(order) and len(positions) > 1:
        gaps = np.diff(positions)
        step = float(np.median(np.abs(gaps)))
        if step > 0:
            spacing = (step, spacing[1], spacing[2])
    metadata = dict(first.metadata)
    metadata.update(
        minimal_metadata(
            source_format="dicom-series",
            modality=first.modality,
            photometric=first.photometric,
            shape=pixels.shape,
            dtype=str(pixels.dtype),
            spacing=spacing,
            transfer_syntax=first.metadata.get("transfer_syntax", ""),
        )
    )
    metadata["n_frames"] = str(pixels.shape[0])
    return ImageVolume(
        pixels=pixels,
        spacing=spacing,
        orientation=first.orientation,
        photometric=first.photometric,
        modality=first.modality,
        windows=volumes[len(volumes) // 2].windows or first.windows,
        voi_luts=first.voi_luts,
        metadata=metadata,
        source_format="dicom",
    )
