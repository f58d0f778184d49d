"""NIfTI-1/NIfTI-2/Analyze reader -> :class:`ImageVolume` in radiological display order.

The image is reoriented to the closest canonical (RAS+) orientation, the one
:func:`nibabel.as_closest_canonical` picks (``nib.io_orientation`` applied to the array as views, without
building a second image), so array axes ``(i, j, k)`` run towards the patient's Right,
Anterior and Superior. A slice is then laid out for display in radiological convention::

    pixels[k, r, c] = data[I - 1 - c, J - 1 - r, k]

that is, axial slices from inferior to superior, anterior at the top (row 0) and the patient's right
on the viewer's left (column 0). In patient LPS the columns therefore increase towards +x (left), the
rows towards +y (posterior) and the slices towards +z (superior): the same layout as an axial DICOM
image with Image Orientation (Patient) ``1\\0\\0\\0\\1\\0``.

Scaling (``scl_slope``/``scl_inter``) is applied. Unscaled integer data keep their integer dtype;
scaled or float data become float32 (never float64).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging.limits import check_declared_size
from turingview.imaging.scrub import minimal_metadata
from turingview.imaging.volume import ImageVolume

__all__ = ["RADIOLOGICAL_LPS", "read_nifti_file", "to_display_order"]

#: Orientation of every NIfTI volume after :func:`to_display_order`, in the ImageVolume convention.
RADIOLOGICAL_LPS = np.eye(3)


def to_display_order(data: np.ndarray) -> np.ndarray:
    """Canonical RAS ``(i, j, k)`` array -> ``(k, rows, cols)`` radiological display order (a view)."""
    return data.transpose(2, 1, 0)[:, ::-1, ::-1]


def _load(path: Path) -> Any:
    import nibabel as nib
    from nibabel.filebasedimages import ImageFileError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image = nib.load(str(path), mmap=False)  # read now: no open file behind the volume
    except ImageFileError as exc:
        raise ImageLoadError(path, f"unreadable NIfTI/Analyze file ({str(exc).splitlines()[0][:200]})") from exc
    except FileNotFoundError as exc:
        raise ImageLoadError(path, f"missing file of the NIfTI/Analyze pair ({exc.filename})") from exc
    except (OSError, EOFError) as exc:
        raise ImageLoadError(path, f"unreadable NIfTI/Analyze file, truncated or corrupt ({exc})") from exc
    except Exception as exc:
        raise ImageLoadError(path, f"unreadable NIfTI/Analyze header ({type(exc).__name__}: {exc})") from exc
    if getattr(image, "affine", None) is None or not hasattr(image, "dataobj"):
        kind = type(image).__name__
        raise UnsupportedImageError(path, f"{kind} holds no spatial image (no affine); nothing to display")
    return image


def _check_sizes(path: Path, image: Any, shape: tuple[int, ...]) -> None:
    """Refuse a header declaring a huge volume, or more data than an uncompressed file holds, before reading."""
    stored = np.dtype(image.get_data_dtype())
    voxels = int(np.prod(shape[:3], dtype=np.int64))
    per_voxel = max(stored.itemsize, 4 if stored.kind == "f" else stored.itemsize)
    slope, _ = image.header.get_slope_inter() if hasattr(image.header, "get_slope_inter") else (None, None)
    if slope is not None and slope != 1:
        per_voxel = max(per_voxel, 4)  # scaled data become float32
    check_declared_size(path, voxels * per_voxel, " x ".join(str(n) for n in shape[:3]) + f" voxels of {stored}")
    data_file = Path(image.dataobj.file_like) if isinstance(getattr(image.dataobj, "file_like", None), str) else None
    if data_file is not None and data_file.suffix.lower() in (".nii", ".img") and data_file.exists():
        offset = int(getattr(image.dataobj, "offset", 0) or 0)
        needed = offset + int(np.prod(shape, dtype=np.int64)) * stored.itemsize
        available = data_file.stat().st_size
        if needed > available:
            raise ImageLoadError(
                path, f"truncated NIfTI/Analyze image data: the header needs {needed} bytes, the file has {available}"
            )


def read_nifti_file(path: Path, volume_index: int | None = None) -> ImageVolume:
    """Read a NIfTI/Analyze file; ``volume_index`` picks the volume of a 4D file (default 0)."""
    import nibabel as nib

    image = _load(path)
    shape = tuple(int(n) for n in image.shape)
    if len(shape) < 2 or min(shape) < 1:
        raise UnsupportedImageError(path, f"image shape {shape} has no displayable plane")
    extra_dims = shape[3:]
    if any(n > 1 for n in extra_dims[1:]):
        raise UnsupportedImageError(path, f"{len(shape)}D image {shape}: only 3D and 4D volumes are supported")
    n_volumes = extra_dims[0] if extra_dims else 1
    index = 0 if volume_index is None else int(volume_index)
    if not 0 <= index < n_volumes:
        raise ImageLoadError(path, f"volume index {index} out of range 0..{n_volumes - 1}")
    _check_sizes(path, image, shape)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # What nib.as_closest_canonical does, without building a second image object around the data
            # (its header copy and affine updates cost about a quarter of the read): flips and axis swaps
            # of the array are views.
            ornt = nib.io_orientation(image.affine)
            proxy = image.dataobj
            if len(shape) >= 4:
                selector = (slice(None),) * 3 + (index,) + (0,) * (len(shape) - 4)
                data = np.asanyarray(proxy[selector])
            else:
                data = np.asanyarray(proxy)
            if data.ndim == 2:
                data = data[:, :, np.newaxis]
            data = nib.orientations.apply_orientation(data, ornt)
    except FileNotFoundError as exc:
        raise ImageLoadError(path, f"image data file missing ({Path(exc.filename or '').name or 'the .img'})") from exc
    except (OSError, EOFError, ValueError) as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise ImageLoadError(path, f"truncated or corrupt NIfTI/Analyze image data ({text})") from exc
    data = np.asarray(data)
    zooms = _canonical_zooms(image, ornt)
    if data.dtype.names:  # RGB24 (datatype 128) / RGBA32 (2304): structured R, G, B[, A] fields
        return _colour_volume(path, image, ornt, zooms, data, index, n_volumes)
    if np.iscomplexobj(data):
        raise UnsupportedImageError(path, "complex-valued NIfTI data cannot be displayed as an image")
    if data.dtype.kind == "f" and data.dtype != np.float32:
        data = data.astype(np.float32)
    elif data.dtype.kind == "b":
        data = data.astype(np.uint8)
    elif data.dtype.kind in "iu" and data.dtype.itemsize > 4:
        data = data.astype(np.float32)
    if data.dtype.kind in "iu" and not data.dtype.isnative:
        data = data.astype(data.dtype.newbyteorder("="))
    elif data.dtype.kind == "f" and not data.dtype.isnative:
        data = data.astype(np.float32)
    # nibabel arrays are Fortran-ordered (i fastest), so the transpose is C-ordered and the flips are
    # negative strides: no copy of the volume is made here.
    return _volume(image, ornt, zooms, to_display_order(data), "MONOCHROME2", index, n_volumes)


def _canonical_zooms(image: Any, ornt: np.ndarray) -> tuple[float, float, float]:
    """Voxel sizes along the canonical (R, A, S) axes: input axis ``i`` becomes axis ``ornt[i, 0]``."""
    zooms = [float(z) for z in image.header.get_zooms()[:3]] + [1.0, 1.0, 1.0]
    out = [1.0, 1.0, 1.0]
    for axis, (target, _flip) in enumerate(ornt[:3]):
        if not np.isnan(target):
            out[int(target)] = zooms[axis]
    return out[0], out[1], out[2]


def _colour_volume(path: Path, image: Any, ornt: np.ndarray, zooms: tuple[float, float, float], data: np.ndarray,
                   index: int, n_volumes: int) -> ImageVolume:
    """An RGB24/RGBA32 NIfTI volume as ``(slices, rows, cols, 3)`` uint8 RGB (alpha dropped)."""
    names = data.dtype.names or ()
    if len(names) < 3 or any(data.dtype[n].kind not in "iu" for n in names[:3]):
        raise UnsupportedImageError(path, f"structured NIfTI data with fields {names} is not RGB colour")
    rgb = np.stack([np.asarray(data[n]).astype(np.uint8, copy=False) for n in names[:3]], axis=-1)
    pixels = np.ascontiguousarray(rgb.transpose(2, 1, 0, 3)[:, ::-1, ::-1])
    return _volume(image, ornt, zooms, pixels, "RGB", index, n_volumes)


def _volume(image: Any, ornt: np.ndarray, zooms: tuple[float, float, float], pixels: np.ndarray,
            photometric: str, index: int, n_volumes: int) -> ImageVolume:
    import nibabel as nib

    spacing = tuple(z if z > 0 else 1.0 for z in (zooms[2], zooms[1], zooms[0]))
    axcodes = "".join(str(code) for code in nib.orientations.ornt2axcodes(ornt))  # as nib.aff2axcodes
    kind = type(image).__name__.replace("Image", "").replace("Pair", " pair")
    metadata = minimal_metadata(
        source_format="nifti",
        modality="OT",
        photometric=photometric,
        shape=pixels.shape,
        dtype=str(pixels.dtype),
        spacing=spacing,
        extra={
            "orientation": f"{axcodes} -> RAS (radiological display)",
            "volume_index": index,
            "n_volumes": n_volumes,
            "transfer_syntax": kind,
        },
    )
    return ImageVolume(
        pixels=pixels,
        spacing=(spacing[0], spacing[1], spacing[2]),
        orientation=RADIOLOGICAL_LPS.copy(),
        photometric=photometric,
        modality="OT",
        metadata=metadata,
        source_format="nifti",
    )
