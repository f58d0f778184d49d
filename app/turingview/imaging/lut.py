"""The display pipeline's stages as pure numpy-in/numpy-out functions.

The grey-scale pipeline of DICOM PS3.3 C.11 (and PS3.4 N.2.1) is::

    stored values --Modality LUT--> modality values --VOI (window | VOI LUT)--> display values
                                                     --MONOCHROME1 inversion--> presented uint8

:class:`~turingview.imaging.volume.ImageVolume` holds modality values, so readers call
:func:`apply_modality_lut` once at load time and :mod:`turingview.imaging.display` runs the rest per slice.

Every function here returns a new array and leaves its input untouched. Float work is done in float32;
integer slices are windowed through a precomputed lookup table (:func:`window_table`) so that a slice
change costs one gather.

References
----------
DICOM PS3.3 2024b, C.11.1 (Modality LUT Module), C.11.2 (VOI LUT Module), C.11.2.1.2 (Window Center and
Window Width: the LINEAR, LINEAR_EXACT and SIGMOID functions), C.7.6.3.1.2 (Photometric Interpretation).
"""

from __future__ import annotations

import numpy as np

from turingview.imaging.volume import VoiLut, Window

__all__ = [
    "apply_modality_lut",
    "apply_voi_lut",
    "apply_window",
    "invert_monochrome1",
    "table_domain",
    "to_uint8",
    "voi_lut_table",
    "window_table",
]

_INT16_RANGE = (np.iinfo(np.int16).min, np.iinfo(np.int16).max)


def apply_modality_lut(
    stored: np.ndarray,
    *,
    slope: float = 1.0,
    intercept: float = 0.0,
    lut: np.ndarray | None = None,
    first_mapped: int = 0,
    copy: bool = True,
) -> np.ndarray:
    """Map stored pixel values to modality values (DICOM PS3.3 C.11.1).

    With a Modality LUT Sequence item (``lut``), ``out = lut[clip(x - first_mapped, 0, len(lut) - 1)]``
    (values outside the LUT's input range take its first or last entry). Otherwise the linear rescale
    ``out = slope * x + intercept``.

    The result keeps an integer dtype when the transform is integral and the range fits (int16 where
    possible, so CT Hounsfield units stay compact and LUT-friendly); otherwise it is float32.

    Parameters
    ----------
    stored
        Stored values (any numeric dtype).
    slope, intercept
        Rescale Slope (0028,1053) and Rescale Intercept (0028,1052).
    lut, first_mapped
        LUT Data (0028,3006) and the second value of LUT Descriptor (0028,3002).
    copy
        ``False`` lets the common integer rescale reuse ``stored``'s buffer (a reader passing a freshly
        decoded, writable array saves one pass); the default never touches the input.

    Returns
    -------
    numpy.ndarray
        Modality values, same shape as ``stored``.
    """
    stored = np.asarray(stored)
    if lut is not None:
        table = np.asarray(lut)
        index = np.clip(stored.astype(np.int64, copy=False) - int(first_mapped), 0, table.size - 1)
        return table[index]
    slope = float(slope)
    intercept = float(intercept)
    if slope == 1.0 and intercept == 0.0:
        return stored.copy()
    if np.issubdtype(stored.dtype, np.integer) and slope.is_integer() and intercept.is_integer():
        smin, smax = (float(stored.min()), float(stored.max())) if stored.size else (0.0, 0.0)
        lo = min(slope * smin, slope * smax) + intercept
        hi = max(slope * smin, slope * smax) + intercept
        target = np.int16 if _INT16_RANGE[0] <= lo and hi <= _INT16_RANGE[1] else np.int32
        stored_fits = np.iinfo(target).min <= smin and smax <= np.iinfo(target).max
        if slope == 1.0 and stored_fits:
            # The common CT case: add the intercept in the output dtype, one pass and no int32 temporary.
            reuse = not copy and stored.dtype == target and stored.flags.writeable
            out = stored if reuse else stored.astype(target)
            out += target(int(intercept))
            return out
        if np.iinfo(np.int32).min <= lo and hi <= np.iinfo(np.int32).max:
            out = stored.astype(np.int32)
            if slope != 1.0:
                out *= int(slope)
            out += int(intercept)
            return out.astype(target, copy=False)
    out = stored.astype(np.float32)
    if slope != 1.0:
        out *= np.float32(slope)
    if intercept != 0.0:
        out += np.float32(intercept)
    return out


def apply_window(values: np.ndarray, window: Window) -> np.ndarray:
    """Apply a VOI window to modality values; return display values in ``[0, 1]`` as float32.

    For centre ``c``, width ``w`` and input ``x`` (DICOM PS3.3 C.11.2.1.2), with output range [0, 1]:

    * ``LINEAR``: ``0`` if ``x <= c - 0.5 - (w - 1)/2``; ``1`` if ``x > c - 0.5 + (w - 1)/2``;
      else ``((x - (c - 0.5)) / (w - 1) + 0.5)`` (C.11.2.1.2.1; ``w == 1`` is a threshold at ``c - 0.5``).
    * ``LINEAR_EXACT``: ``0`` if ``x <= c - w/2``; ``1`` if ``x > c + w/2``; else ``(x - c)/w + 0.5``
      (C.11.2.1.3.2).
    * ``SIGMOID``: ``1 / (1 + exp(-4 (x - c) / w))`` (C.11.2.1.3.1).
    """
    x = np.asarray(values, dtype=np.float32)
    c = np.float32(window.center)
    w = np.float32(window.width)
    if window.function == "SIGMOID":
        out = np.subtract(x, c, dtype=np.float32)
        out *= np.float32(-4.0) / w
        np.clip(out, -80.0, 80.0, out=out)  # exp(80) fits float32; the result is 0 or 1 to 1e-34 anyway
        np.exp(out, out=out)
        out += np.float32(1.0)
        np.reciprocal(out, out=out)
        return out
    if window.function == "LINEAR_EXACT":
        out = np.subtract(x, c, dtype=np.float32)
        out /= w
        out += np.float32(0.5)
        np.clip(out, 0.0, 1.0, out=out)
        return out
    if w <= 1.0:
        return (x > c - np.float32(0.5)).astype(np.float32)
    out = np.subtract(x, c - np.float32(0.5), dtype=np.float32)
    out /= w - np.float32(1.0)
    out += np.float32(0.5)
    np.clip(out, 0.0, 1.0, out=out)
    return out


def to_uint8(unit: np.ndarray) -> np.ndarray:
    """Quantise ``[0, 1]`` display values to uint8 grey levels (round half up)."""
    out = np.multiply(unit, np.float32(255.0), dtype=np.float32)
    out += np.float32(0.5)
    np.nan_to_num(out, copy=False, nan=0.0)
    np.clip(out, 0.0, 255.0, out=out)
    return out.astype(np.uint8)


def apply_voi_lut(values: np.ndarray, voi: VoiLut) -> np.ndarray:
    """Apply a VOI LUT Sequence item; return display values in ``[0, 1]`` as float32.

    ``y = lut[clip(x - first_mapped, 0, n - 1)] / (2**bits - 1)`` (DICOM PS3.3 C.11.2.1.1: input values
    below the first mapped value take the first entry, above the last take the last entry).
    """
    table = np.asarray(voi.lut, dtype=np.float32) / np.float32(_lut_full_scale(voi))
    x = np.asarray(values)
    if not np.issubdtype(x.dtype, np.integer):
        x = np.floor(x)
    index = np.clip(x.astype(np.int64, copy=False) - int(voi.first_mapped), 0, table.size - 1)
    return np.clip(table[index], 0.0, 1.0)


def _lut_full_scale(voi: VoiLut) -> float:
    full = float(2 ** int(voi.bits) - 1) if voi.bits > 0 else 0.0
    peak = float(np.max(voi.lut)) if np.size(voi.lut) else 1.0
    # Some writers declare 16 bits for a LUT whose entries only reach 2**12 - 1; the declared depth
    # is the standard's rule, a declared depth smaller than the data is treated as the data's own.
    return max(full, peak, 1.0)


def invert_monochrome1(display: np.ndarray) -> np.ndarray:
    """MONOCHROME1 inversion after windowing: minimum value is displayed white (PS3.3 C.7.6.3.1.2)."""
    display = np.asarray(display)
    if display.dtype == np.uint8:
        return np.subtract(np.uint8(255), display, dtype=np.uint8)
    return np.float32(1.0) - display.astype(np.float32)


def table_domain(dtype: np.dtype) -> tuple[int, int] | None:
    """Input range ``(lo, hi)`` of a full lookup table for ``dtype`` (8 and 16-bit integers), else ``None``.

    A table over the full range of a <=16-bit integer type is indexed with the unsigned view of the pixels
    (``table[pixels.view(uint16)]``), which needs no temporary and no range check.
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "iu" and dtype.itemsize <= 2:
        info = np.iinfo(dtype)
        return int(info.min), int(info.max)
    return None


def _table_inputs(dtype: np.dtype) -> np.ndarray:
    """Every value of an 8/16-bit integer dtype, ordered by its unsigned bit pattern."""
    dtype = np.dtype(dtype)
    unsigned = np.dtype(f"u{dtype.itemsize}")
    return np.arange(2 ** (8 * dtype.itemsize), dtype=np.int64).astype(unsigned).view(dtype)


def window_table(dtype: np.dtype, window: Window, *, invert: bool = False) -> np.ndarray:
    """uint8 lookup table for ``window`` over every value of an 8/16-bit integer ``dtype``.

    Index it with the unsigned view of the pixels: ``table[pixels.view(f"u{itemsize}")]``.
    """
    table = to_uint8(apply_window(_table_inputs(dtype), window))
    return invert_monochrome1(table) if invert else table


def voi_lut_table(dtype: np.dtype, voi: VoiLut, *, invert: bool = False) -> np.ndarray:
    """uint8 lookup table for a VOI LUT Sequence item, laid out like :func:`window_table`."""
    table = to_uint8(apply_voi_lut(_table_inputs(dtype), voi))
    return invert_monochrome1(table) if invert else table
