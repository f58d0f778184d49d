"""The display pipeline against pydicom's own modality/VOI implementation, and MONOCHROME1 inversion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut as pd_modality
from pydicom.pixels import apply_voi_lut as pd_voi
from pydicom.sequence import Sequence

from turingview.imaging import Window, load_image
from turingview.imaging import lut as stages
from turingview.imaging.display import default_window, render_slice
from turingview.imaging.volume import ImageVolume, VoiLut


def _pydicom_reference(ds: Dataset) -> np.ndarray:
    """Independent presentation: pydicom's modality + VOI, normalised to 0..255 by the output extremes.

    pydicom returns VOI output in its own range (for windows: the stored bit depth, shifted by the
    rescale); two sentinel pixels far outside the window give that range's ends, so normalising by them
    needs no knowledge of pydicom's convention.
    """
    stored = ds.pixel_array.astype(np.int32)
    modality = pd_modality(stored, ds).astype(np.float64)
    sentinels = np.array([modality.min() - 1e5, modality.max() + 1e5])
    values = np.concatenate([modality.ravel(), sentinels])
    out = pd_voi(values, ds, prefer_lut=True).astype(np.float64)
    lo, hi = out[-2], out[-1]
    unit = (out[:-2] - lo) / (hi - lo)
    return np.floor(unit * 255.0 + 0.5).reshape(stored.shape)


def _write(ds: Dataset, tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize(
    ("center", "width", "function"),
    [
        (40, 400, "LINEAR"),
        (-600, 1500, "LINEAR"),
        (300, 1, "LINEAR"),
        (40, 400, "LINEAR_EXACT"),
        (50.5, 0.5, "LINEAR_EXACT"),
        (40, 400, "SIGMOID"),
        (900, 700, "SIGMOID"),
    ],
)
def test_windowed_ct_matches_pydicom(
    ct_small: Path, tmp_path: Path, center: float, width: float, function: str
) -> None:
    ds = pydicom.dcmread(ct_small)
    ds.WindowCenter = center
    ds.WindowWidth = width
    ds.VOILUTFunction = function
    path = _write(ds, tmp_path, "windowed.dcm")
    volume = load_image(path)
    assert volume.windows[0] == Window(center, width, function)
    ours = render_slice(volume, 0).astype(np.int16)
    reference = _pydicom_reference(pydicom.dcmread(path))
    assert np.abs(ours - reference).max() <= 1
    # An explicit window gives the same result as the file's window.
    assert np.array_equal(render_slice(volume, 0, Window(center, width, function)), ours.astype(np.uint8))


def test_voi_lut_sequence_matches_pydicom(ct_small: Path, tmp_path: Path) -> None:
    ds = pydicom.dcmread(ct_small)
    modality = pd_modality(ds.pixel_array, ds)
    first = int(modality.min()) + 200
    n = 1200
    curve = np.round(4095 * (np.linspace(0, 1, n) ** 0.6)).astype(np.uint16)  # a gamma-like VOI LUT
    item = Dataset()
    item.add_new((0x0028, 0x3002), "SS" if first < 0 else "US", [n, first, 12])
    item.add_new((0x0028, 0x3006), "US", curve.tolist())
    item.LUTExplanation = "gamma"
    ds.VOILUTSequence = Sequence([item])
    path = _write(ds, tmp_path, "voilut.dcm")
    volume = load_image(path)
    assert len(volume.voi_luts) == 1 and volume.voi_luts[0].first_mapped == first
    ours = render_slice(volume, 0).astype(np.int16)
    ref_ds = pydicom.dcmread(path)
    reference = np.floor(pd_voi(pd_modality(ref_ds.pixel_array, ref_ds).astype(np.int32), ref_ds) / 4095 * 255 + 0.5)
    assert np.abs(ours - reference).max() <= 1
    # Below and above the LUT's range the first and last entries apply.
    assert ours[modality < first].max() == 0
    assert ours[modality >= first + n - 1].min() == 255


def test_modality_lut_sequence_matches_pydicom(mr_small: Path, tmp_path: Path) -> None:
    ds = pydicom.dcmread(mr_small)
    stored = ds.pixel_array
    item = Dataset()
    first = int(stored.min())
    n = int(stored.max()) - first + 1
    item.add_new((0x0028, 0x3002), "US", [n, first, 16])
    item.ModalityLUTType = "US"
    item.add_new((0x0028, 0x3006), "US", (np.sqrt(np.arange(n)) * 50).astype(np.uint16).tolist())
    ds.ModalityLUTSequence = Sequence([item])
    path = _write(ds, tmp_path, "mlut.dcm")
    volume = load_image(path)
    expected = pd_modality(pydicom.dcmread(path).pixel_array, pydicom.dcmread(path))
    assert np.array_equal(volume.pixels[0], expected)


def test_rescale_gives_hounsfield_units(ct_small: Path) -> None:
    ds = pydicom.dcmread(ct_small)
    volume = load_image(ct_small)
    assert volume.modality == "CT"
    assert volume.pixels.dtype == np.int16  # integral rescale keeps the compact, LUT-friendly dtype
    assert np.array_equal(volume.pixels[0], pd_modality(ds.pixel_array, ds))
    assert not volume.pixels.flags.writeable


def test_fractional_rescale_is_float32(ct_small: Path, tmp_path: Path) -> None:
    ds = pydicom.dcmread(ct_small)
    ds.RescaleSlope = 0.5
    ds.RescaleIntercept = -10.25
    volume = load_image(_write(ds, tmp_path, "frac.dcm"))
    assert volume.pixels.dtype == np.float32
    np.testing.assert_allclose(volume.pixels[0], ds.pixel_array * 0.5 - 10.25, rtol=0, atol=1e-3)


def test_monochrome1_is_inverted_after_windowing(ct_small: Path, tmp_path: Path) -> None:
    ds = pydicom.dcmread(ct_small)
    ds.WindowCenter, ds.WindowWidth = 40, 400
    mono2 = load_image(_write(ds, tmp_path, "m2.dcm"))
    ds.PhotometricInterpretation = "MONOCHROME1"
    path = _write(ds, tmp_path, "m1.dcm")
    mono1 = load_image(path)
    assert mono1.photometric == "MONOCHROME1"
    # Same modality values; the presentation is the windowed image inverted (not a window on inverted data).
    assert np.array_equal(mono1.pixels, mono2.pixels)
    presented = render_slice(mono1, 0)
    assert np.array_equal(presented, 255 - render_slice(mono2, 0))
    reference = 255 - _pydicom_reference(pydicom.dcmread(path))
    assert np.abs(presented.astype(np.int16) - reference).max() <= 1
    # Air (lowest HU) is white in MONOCHROME1.
    assert presented[mono1.pixels[0] < -500].min() == 255


def test_window_formulas_at_the_edges() -> None:
    # PS3.3 C.11.2.1.2.1 LINEAR: x <= c - 0.5 - (w-1)/2 -> min; x > c - 0.5 + (w-1)/2 -> max.
    w = Window(center=100, width=101)
    x = np.array([49, 49.5, 50, 100, 149, 149.5, 150], dtype=np.float32)
    y = stages.apply_window(x, w)
    assert y[0] == 0 and y[1] == 0 and y[5] == 1 and y[6] == 1
    assert y[2] == pytest.approx(0.005, abs=1e-6) and y[4] == pytest.approx(0.995, abs=1e-6)
    assert y[3] == pytest.approx(0.505, abs=1e-6)
    exact = stages.apply_window(np.array([-1, 0, 1, 2], np.float32), Window(0.5, 2.0, "LINEAR_EXACT"))
    np.testing.assert_allclose(exact, [0, 0.25, 0.75, 1.0])
    sig = stages.apply_window(np.array([40.0], np.float32), Window(40, 80, "SIGMOID"))
    assert sig[0] == pytest.approx(0.5)


def test_integer_table_path_equals_float_path() -> None:
    rng = np.random.default_rng(3)
    pixels = rng.integers(-1024, 3000, size=(3, 64, 64)).astype(np.int16)
    volume = ImageVolume(pixels=pixels, modality="CT")
    for window in (Window(40, 400), Window(-600, 1500, "LINEAR_EXACT"), Window(40, 80, "SIGMOID")):
        table_path = render_slice(volume, 1, window)
        float_path = stages.to_uint8(stages.apply_window(pixels[1], window))
        assert np.array_equal(table_path, float_path)
        as_float = ImageVolume(pixels=pixels.astype(np.float32), modality="CT")
        assert np.array_equal(render_slice(as_float, 1, window), table_path)


def test_voi_lut_out_of_range_and_scaling() -> None:
    voi = VoiLut(lut=np.array([0, 100, 255]), first_mapped=10, bits=8)
    out = stages.apply_voi_lut(np.array([0, 10, 11, 12, 50]), voi)
    np.testing.assert_allclose(out, [0, 0, 100 / 255, 1, 1])


def test_default_window_prefers_file_then_voi_then_robust(ct_small: Path) -> None:
    volume = load_image(ct_small)
    assert not volume.windows
    window = default_window(volume)
    assert window.name == "auto"
    values = np.sort(volume.pixels.ravel())
    lo, hi = np.percentile(values, [0.5, 99.5])
    assert window.center - window.width / 2 == pytest.approx(np.floor(lo))
    assert window.center + window.width / 2 == pytest.approx(np.ceil(hi) + 1)
    assert default_window(volume) is window  # deterministic and cached
    with_file_window = ImageVolume(pixels=volume.pixels, windows=(Window(1, 2),))
    assert default_window(with_file_window) == Window(1, 2)


def test_default_window_is_robust_to_outliers() -> None:
    pixels = np.zeros((4, 100, 100), dtype=np.int16)
    pixels[:, :, 50:] = 100
    pixels[0, 0, 0] = 30000  # a single hot pixel must not set the window
    window = default_window(ImageVolume(pixels=pixels))
    assert window.center + window.width / 2 <= 102
    shown = render_slice(ImageVolume(pixels=pixels), 1)
    assert shown[:, :50].max() == 0 and shown[:, 50:].min() == 255


def test_nan_values_render_black() -> None:
    pixels = np.full((1, 8, 8), np.nan, dtype=np.float32)
    pixels[0, :4] = 1.0
    image = render_slice(ImageVolume(pixels=pixels), 0, Window(0.5, 1.0, "LINEAR_EXACT"))
    assert image.dtype == np.uint8 and image[4:].max() == 0
