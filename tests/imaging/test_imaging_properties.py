"""Properties of the VOI stage over random windows (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from turingview.imaging import Window
from turingview.imaging import lut as stages
from turingview.imaging.display import render_slice, robust_window
from turingview.imaging.volume import ImageVolume

windows = st.builds(
    Window,
    center=st.floats(-3000, 3000, allow_nan=False),
    width=st.floats(1, 5000, allow_nan=False),
    function=st.sampled_from(["LINEAR", "LINEAR_EXACT", "SIGMOID"]),
)
PIXELS = np.arange(-2048, 4096, 7, dtype=np.int16).reshape(1, 1, -1)


@settings(max_examples=60, deadline=None)
@given(window=windows)
def test_window_is_monotone_and_in_range(window: Window) -> None:
    x = np.linspace(-5000, 5000, 2001, dtype=np.float32)
    y = stages.apply_window(x, window)
    assert y.min() >= 0.0 and y.max() <= 1.0
    assert np.all(np.diff(y) >= -1e-6)


@settings(max_examples=40, deadline=None)
@given(window=windows, mono1=st.booleans())
def test_table_path_equals_float_path(window: Window, mono1: bool) -> None:
    photometric = "MONOCHROME1" if mono1 else "MONOCHROME2"
    as_int = ImageVolume(pixels=PIXELS, photometric=photometric)
    as_float = ImageVolume(pixels=PIXELS.astype(np.float32), photometric=photometric)
    a = render_slice(as_int, 0, window)
    b = render_slice(as_float, 0, window)
    assert np.array_equal(a, b)
    expected = stages.to_uint8(stages.apply_window(PIXELS[0], window))
    assert np.array_equal(a, 255 - expected if mono1 else expected)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(-32768, 32767), min_size=1, max_size=400),
    low=st.floats(0, 49),
    high=st.floats(51, 100),
)
def test_robust_window_matches_numpy_percentiles(values: list[int], low: float, high: float) -> None:
    data = np.array(values, dtype=np.int16).reshape(1, 1, -1)
    window = robust_window(data, percentiles=(low, high))
    lo, hi = np.percentile(data.astype(np.float64), (low, high))
    assert window.center - window.width / 2 == np.floor(lo)
    assert window.center + window.width / 2 == np.ceil(hi) + 1
