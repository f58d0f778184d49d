"""Presentation: modality values -> the uint8 image a reader sees.

:func:`render_slice` applies the VOI stage (a :class:`Window`, else the file's first window, else its first
VOI LUT, else :func:`default_window`) and the MONOCHROME1 inversion to one slice of an
:class:`ImageVolume`. For 8/16-bit integer volumes the window is folded into a 256/65,536-entry uint8 table,
built once per (dtype, window) and cached, so a slice change is a single gather with no temporary
(well under a millisecond for 512x512). Other dtypes go through float32 arithmetic.

Colour (RGB) volumes are displayed as stored; a window does not apply to them.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

import numpy as np

from turingview.imaging import lut as _lut
from turingview.imaging.volume import ImageVolume, VoiLut, Window

__all__ = ["default_window", "render_slice", "robust_window"]

#: Percentiles of the robust default window (Window from the 0.5th to the 99.5th percentile).
ROBUST_PERCENTILES = (0.5, 99.5)
#: At most this many voxels are sampled (deterministic stride) for the robust default window.
ROBUST_SAMPLE = 262_144

_TABLES_PER_VOLUME = 4
_SHARED_TABLES = 32  # 32 x 64 KiB
_window_tables: OrderedDict[tuple[object, ...], np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()
_table_cache: weakref.WeakKeyDictionary[ImageVolume, OrderedDict[tuple[object, ...], np.ndarray]] = (
    weakref.WeakKeyDictionary()
)
_default_cache: weakref.WeakKeyDictionary[ImageVolume, Window] = weakref.WeakKeyDictionary()


def _subsample(values: np.ndarray) -> np.ndarray:
    """At most about ``ROBUST_SAMPLE`` voxels: every ``s``-th slice, then every ``t``-th row if still too many.

    Whole slices and whole rows are contiguous, so the sample reads a fraction of the memory (a fine grid
    over all voxels would touch every cache line of the volume).
    """
    array = np.asarray(values)
    factor = array.size / ROBUST_SAMPLE
    if factor <= 1 or array.ndim < 3:
        return array.reshape(-1)
    slice_step = int(min(np.ceil(factor), max(1, array.shape[0] // 8)))  # keep at least ~8 slices
    sample = array[::slice_step]
    row_step = int(np.ceil(sample.size / ROBUST_SAMPLE))
    if row_step > 1:
        sample = sample[:, ::row_step]
    return np.asarray(sample).reshape(-1)


def _integer_percentiles(sample: np.ndarray, percentiles: tuple[float, float]) -> tuple[float, float] | None:
    """Exact ``numpy.percentile`` (linear method) of integer data from a histogram; ``None`` if the range is huge."""
    lo, hi = int(sample.min()), int(sample.max())
    if hi - lo > 1 << 22:
        return None
    counts = np.bincount(np.subtract(sample, lo, dtype=np.intp), minlength=hi - lo + 1)
    cumulative = np.cumsum(counts)
    n = int(cumulative[-1])
    out = []
    for p in percentiles:
        position = p / 100.0 * (n - 1)
        below, above = int(np.floor(position)), int(np.ceil(position))
        v_below = lo + int(np.searchsorted(cumulative, below, side="right"))
        v_above = lo + int(np.searchsorted(cumulative, above, side="right"))
        out.append(v_below + (position - below) * (v_above - v_below))
    return out[0], out[1]


def robust_window(values: np.ndarray, *, percentiles: tuple[float, float] = ROBUST_PERCENTILES) -> Window:
    """A window spanning the ``percentiles`` of the finite ``values`` (sampled deterministically).

    The sample (:func:`_subsample`: every ``s``-th slice, then every ``t``-th row, at most about
    ``ROBUST_SAMPLE`` voxels) depends only on the data, so the window is deterministic.

    Integer data: ``LINEAR`` window from ``floor(lo)`` to ``ceil(hi)`` inclusive (``width = hi - lo + 1``;
    percentiles from an exact histogram). Float data: ``LINEAR_EXACT`` with ``center = (lo + hi) / 2``
    and ``width = hi - lo``.
    """
    sample = _subsample(values)
    integer = np.issubdtype(sample.dtype, np.integer)
    if not integer:
        sample = sample[np.isfinite(sample)]
    if sample.size == 0:
        return Window(center=0.5, width=1.0, name="auto")
    found = _integer_percentiles(sample, percentiles) if integer else None
    if found is None:
        found = tuple(np.percentile(sample.astype(np.float64), percentiles))
    lo, hi = float(found[0]), float(found[1])
    if integer:
        lo, hi = float(np.floor(lo)), float(np.ceil(hi))
        width = hi - lo + 1.0
        return Window(center=lo + width / 2.0, width=max(width, 1.0), name="auto")
    width = hi - lo
    if not width > 0 or not np.isfinite(width):
        # constant data, or values so large (~2**53) that lo + 1 == lo: any positive width shows them
        width = max(1.0, abs(lo) * 2.0**-20)
    center = lo + width / 2.0
    if not np.isfinite(center):
        return Window(center=0.0, width=1.0, function="LINEAR_EXACT", name="auto")
    return Window(center=float(center), width=float(width), function="LINEAR_EXACT", name="auto")


def default_window(volume: ImageVolume) -> Window:
    """The window a reader first sees.

    The file's first window if it has one; else, when the file has a VOI LUT, a window spanning the
    LUT's input range (``render_slice`` with ``window=None`` still applies the LUT itself); else the robust
    window of the whole volume (:func:`robust_window`, 0.5-99.5 percentiles on a deterministic subsample).
    """
    if volume.windows:
        return volume.windows[0]
    cached = _default_cache.get(volume)
    if cached is not None:
        return cached
    if volume.voi_luts:
        voi = volume.voi_luts[0]
        width = float(max(np.size(voi.lut), 2))
        window = Window(center=voi.first_mapped + width / 2.0, width=width, function="LINEAR_EXACT", name="voi-lut")
    else:
        window = robust_window(volume.pixels)
    with _cache_lock:
        _default_cache[volume] = window
    return window


def _presentation(volume: ImageVolume, window: Window | None) -> Window | VoiLut:
    if window is not None:
        return window
    if volume.windows:
        return volume.windows[0]
    if volume.voi_luts:
        return volume.voi_luts[0]
    return default_window(volume)


def _cached_table(volume: ImageVolume, stage: Window | VoiLut) -> np.ndarray:
    """The uint8 lookup table for ``stage`` on ``volume``'s dtype.

    Window tables depend only on (dtype, window, inversion), so they are shared by every volume (a study
    whose cases all open at 40/400 builds the table once); VOI LUT tables are kept per volume.
    """
    invert = volume.photometric == "MONOCHROME1"
    dtype = volume.pixels.dtype
    if isinstance(stage, Window):
        key: tuple[object, ...] = (dtype.str, stage.center, stage.width, stage.function, invert)
        with _cache_lock:
            table = _window_tables.get(key)
            if table is not None:
                _window_tables.move_to_end(key)
                return table
        table = _lut.window_table(dtype, stage, invert=invert)
        table.flags.writeable = False
        with _cache_lock:
            _window_tables[key] = table
            while len(_window_tables) > _SHARED_TABLES:
                _window_tables.popitem(last=False)
        return table
    key = ("v", id(stage), invert)
    with _cache_lock:
        tables = _table_cache.get(volume)
        if tables is None:
            tables = OrderedDict()
            _table_cache[volume] = tables
        table = tables.get(key)
        if table is not None:
            return table
    table = _lut.voi_lut_table(dtype, stage, invert=invert)
    table.flags.writeable = False
    with _cache_lock:
        tables[key] = table
        while len(tables) > _TABLES_PER_VOLUME:
            tables.popitem(last=False)
    return table


def render_slice(volume: ImageVolume, index: int, window: Window | None = None) -> np.ndarray:
    """Render slice ``index`` of ``volume`` as the uint8 image a reader sees.

    Parameters
    ----------
    volume
        The loaded volume (modality values).
    index
        Slice (frame) index, ``0 <= index < volume.n_slices``.
    window
        The VOI window; ``None`` uses the file's first window, else its first VOI LUT, else
        :func:`default_window`. Ignored for colour volumes.

    Returns
    -------
    numpy.ndarray
        C-contiguous uint8, ``(rows, cols)`` for greyscale or ``(rows, cols, 3)`` for colour.

    Raises
    ------
    IndexError
        If ``index`` is out of range (the message names the valid range).
    """
    pixels = volume.slice(index)
    if volume.is_color:
        if pixels.dtype == np.uint8:
            return np.ascontiguousarray(pixels).copy()
        return _lut.to_uint8(_lut.apply_window(pixels, robust_window(pixels)))
    stage = _presentation(volume, window)
    if _lut.table_domain(pixels.dtype) is not None:
        table = _cached_table(volume, stage)
        unsigned = pixels.view(np.dtype(f"u{pixels.dtype.itemsize}"))
        return np.take(table, unsigned)
    unit = _lut.apply_window(pixels, stage) if isinstance(stage, Window) else _lut.apply_voi_lut(pixels, stage)
    out = _lut.to_uint8(unit)
    if volume.photometric == "MONOCHROME1":
        out = _lut.invert_monochrome1(out)
    return out
