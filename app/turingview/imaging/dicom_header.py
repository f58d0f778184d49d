"""Display-relevant DICOM header values: windows, VOI/Modality LUTs, rescale, spacing and orientation.

Enhanced multi-frame objects keep these in functional groups (shared or per frame); every reader goes
through these helpers so the two layouts are handled alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from turingview.imaging.volume import VoiLut, Window

__all__ = [
    "decimal_values",
    "first_item",
    "lut_array",
    "orientation",
    "orientation_from_iop",
    "rescale_pairs",
    "spacing",
    "voi_luts",
    "windows",
]


def decimal_values(owner: Any, keyword: str) -> list[float] | None:
    """The numbers of a DS (decimal string) element, or ``None`` when absent; ``[]`` when empty.

    Parses the element's raw bytes (``"0.5\\0.5"``) directly: pydicom's general DS conversion (one
    validated ``DSfloat`` object per value) is the largest part of reading the display header of a slice.
    Values are the same floats as pydicom's (a test compares them on pydicom's corpus). Anything unusual
    (not plain ASCII numbers, already converted, a non-DS VR) goes through pydicom's own conversion.
    """
    from pydicom.datadict import tag_for_keyword

    tag = tag_for_keyword(keyword)
    if owner is None or tag is None or tag not in owner:
        return None
    element = owner.get_item(tag)
    raw = getattr(element, "value", None)
    if isinstance(raw, bytes) and getattr(element, "VR", "DS") in ("DS", None):
        text = raw.decode("ascii", "replace").strip(" \x00")
        if not text:
            return []
        try:
            return [float(part) for part in text.split("\\")]
        except ValueError:
            pass  # a malformed value: pydicom's conversion decides (and may warn)
    value = owner.get(keyword)
    if value is None or value == "":
        return None if value is None else []
    values = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        return None


def first_item(sequence_owner: Any, *keywords: str) -> Any:
    """Walk nested first items: ``first_item(ds, 'SharedFunctionalGroupsSequence', 'PixelMeasuresSequence')``."""
    node = sequence_owner
    for keyword in keywords:
        seq = node.get(keyword) if node is not None else None
        if not seq:
            return None
        node = seq[0]
    return node


def rescale_pairs(ds: Any, n_frames: int) -> list[tuple[float, float]]:
    """Per-frame (slope, intercept) from the top level or the functional groups."""
    shared = first_item(ds, "SharedFunctionalGroupsSequence", "PixelValueTransformationSequence")
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    pairs: list[tuple[float, float]] = []
    for index in range(n_frames):
        item = None
        if per_frame is not None and index < len(per_frame):
            item = first_item(per_frame[index], "PixelValueTransformationSequence")
        source = item or shared or ds
        slope = decimal_values(source, "RescaleSlope")
        intercept = decimal_values(source, "RescaleIntercept")
        pairs.append((slope[0] if slope else 1.0, intercept[0] if intercept else 0.0))
    return pairs


def lut_array(item: Any, *, signed_first: bool) -> tuple[np.ndarray, int, int]:
    """(table, first_mapped, bits) of a LUT item (Modality or VOI LUT Sequence)."""
    descriptor = [int(v) for v in item.LUTDescriptor]
    n_entries, first, bits = descriptor[0] or 65536, descriptor[1], descriptor[2]
    if signed_first and first >= 2**15:
        first -= 2**16
    data = item.LUTData
    if isinstance(data, bytes | bytearray):
        dtype = "<u1" if bits <= 8 and len(data) == n_entries else "<u2"
        table = np.frombuffer(data, dtype=dtype)
    else:
        table = np.asarray(data if isinstance(data, Sequence) else [data])
    table = table.astype(np.int64)[:n_entries]
    return table, first, bits


def windows(ds: Any) -> tuple[Window, ...]:
    source = ds
    if "WindowCenter" not in ds:
        source = first_item(ds, "SharedFunctionalGroupsSequence", "FrameVOILUTSequence")
        if source is None:
            per_frame = ds.get("PerFrameFunctionalGroupsSequence")
            source = first_item(per_frame[0], "FrameVOILUTSequence") if per_frame else None
        if source is None or "WindowCenter" not in source:
            return ()

    def values(keyword: str) -> list[Any]:
        value = source.get(keyword)
        if value is None or value == "":
            return []
        return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]

    centers = decimal_values(source, "WindowCenter") or []
    widths = decimal_values(source, "WindowWidth") or []
    names = values("WindowCenterWidthExplanation")
    function = str(source.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
        function = "LINEAR"
    out: list[Window] = []
    for index, (center, width) in enumerate(zip(centers, widths, strict=False)):
        try:
            c, w = float(center), float(width)
            if function == "LINEAR" and w < 1:
                continue
            out.append(
                Window(center=c, width=w, function=function, name=str(names[index]) if index < len(names) else "")
            )
        except (TypeError, ValueError):
            continue
    return tuple(out)


def voi_luts(ds: Any, signed: bool) -> tuple[VoiLut, ...]:
    out: list[VoiLut] = []
    for item in ds.get("VOILUTSequence") or ():
        try:
            table, first, bits = lut_array(item, signed_first=signed)
        except (AttributeError, TypeError, ValueError):
            continue
        if table.size:
            out.append(VoiLut(lut=table, first_mapped=first, bits=bits, name=str(item.get("LUTExplanation", ""))))
    return tuple(out)


def spacing(ds: Any) -> tuple[float, float, float]:
    measures = first_item(ds, "SharedFunctionalGroupsSequence", "PixelMeasuresSequence")
    pixel = None
    for source in (measures, ds):  # functional groups first (Enhanced objects)
        pixel = decimal_values(source, "PixelSpacing")
        if pixel:
            break
    if not pixel:
        pixel = decimal_values(ds, "ImagerPixelSpacing")
    row, col = (pixel[0], pixel[1]) if pixel and len(pixel) >= 2 else (1.0, 1.0)
    thickness = None
    for source in (measures, ds):  # functional groups first (Enhanced objects)
        for keyword in ("SpacingBetweenSlices", "SliceThickness"):
            value = decimal_values(source, keyword)
            if value:
                thickness = value[0]
                break
        if thickness:
            break
    slice_spacing = thickness if thickness and thickness > 0 else 1.0
    return (slice_spacing, row if row > 0 else 1.0, col if col > 0 else 1.0)


def orientation_from_iop(iop: Sequence[float] | None) -> np.ndarray | None:
    """3x3 (increasing-column direction, increasing-row direction, normal) from Image Orientation (Patient).

    ``normal = row x col`` normalised; ``None`` for a missing, short, non-finite or degenerate orientation.
    """
    if iop is None or len(iop) != 6:
        return None
    try:
        rx, ry, rz, cx, cy, cz = (float(v) for v in iop)
    except (TypeError, ValueError):
        return None
    nx, ny, nz = ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx  # plain floats: no numpy per slice
    norm = math.sqrt(nx * nx + ny * ny + nz * nz)
    if not math.isfinite(norm) or norm < 1e-6:
        return None
    return np.array([[rx, ry, rz], [cx, cy, cz], [nx / norm, ny / norm, nz / norm]])


def orientation(ds: Any) -> np.ndarray | None:
    iop = decimal_values(ds, "ImageOrientationPatient")
    if iop is None:
        plane = first_item(ds, "SharedFunctionalGroupsSequence", "PlaneOrientationSequence")
        iop = decimal_values(plane, "ImageOrientationPatient")
    return orientation_from_iop(iop)
