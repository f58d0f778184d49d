"""PNG/TIFF/JPEG 8 and 16 bit, presets, scrubbed metadata, PNG encoding, file-level errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging import Window, load_image
from turingview.imaging.display import default_window, render_slice
from turingview.imaging.encode import save_png
from turingview.imaging.presets import PRESETS, preset
from turingview.imaging.registry import sniff_format
from turingview.imaging.scrub import ALLOWED_KEYS, minimal_metadata


def _gradient(dtype: type, top: int) -> np.ndarray:
    rows = np.linspace(0, top, 48 * 64).reshape(48, 64)
    return rows.astype(dtype)


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_8bit_grey_is_shown_as_stored(tmp_path: Path, fmt: str) -> None:
    array = _gradient(np.uint8, 255)
    path = tmp_path / f"grey8.{fmt}"
    Image.fromarray(array).save(path)
    volume = load_image(path)
    assert volume.source_format == fmt and volume.pixels.shape == (1, 48, 64)
    assert np.array_equal(render_slice(volume, 0), array)


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_16bit_grey_keeps_depth_and_spans_its_range(tmp_path: Path, fmt: str) -> None:
    array = (_gradient(np.uint16, 4095) + 100).astype(np.uint16)  # 12-bit data in a 16-bit container
    path = tmp_path / f"grey16.{fmt}"
    Image.fromarray(array).save(path)
    volume = load_image(path)
    assert volume.pixels.dtype == np.uint16
    assert np.array_equal(volume.pixels[0], array)
    shown = render_slice(volume, 0)
    assert shown.min() == 0 and shown.max() == 255  # stored range window, not the 0..65535 container


def test_jpeg_grey_and_colour(tmp_path: Path) -> None:
    grey = _gradient(np.uint8, 255)
    Image.fromarray(grey).save(tmp_path / "g.jpg", quality=95)
    volume = load_image(tmp_path / "g.jpg")
    assert volume.source_format == "jpeg" and volume.photometric == "MONOCHROME2"
    assert np.abs(render_slice(volume, 0).astype(int) - grey).max() <= 4
    rgb = np.dstack([grey, grey[::-1], np.full_like(grey, 128)])
    Image.fromarray(rgb).save(tmp_path / "c.jpeg", quality=95)
    colour = load_image(tmp_path / "c.jpeg")
    assert colour.photometric == "RGB" and render_slice(colour, 0).shape == (48, 64, 3)


def test_rgba_palette_and_multipage(tmp_path: Path) -> None:
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 255
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    assert load_image(tmp_path / "a.png").pixels[0, 0, 0].tolist() == [200, 0, 0]
    Image.fromarray(_gradient(np.uint8, 255)).convert("P").save(tmp_path / "p.png")
    assert load_image(tmp_path / "p.png").photometric == "MONOCHROME2"  # grey palette stays grey
    pages = [Image.fromarray(np.full((8, 8), v, np.uint8)) for v in (10, 20, 30)]
    pages[0].save(tmp_path / "m.tif", save_all=True, append_images=pages[1:])
    stack = load_image(tmp_path / "m.tif")
    assert stack.n_slices == 3 and [int(stack.pixels[k, 0, 0]) for k in range(3)] == [10, 20, 30]


def test_presets_are_sourced_values() -> None:
    required = {"ct-lung", "ct-mediastinum", "ct-soft-tissue", "ct-bone", "ct-brain", "ct-abdomen", "ct-liver"}
    assert required <= set(PRESETS)
    assert PRESETS["ct-lung"] == Window(-600, 1500, name="ct-lung")
    assert PRESETS["ct-mediastinum"] == Window(50, 350, name="ct-mediastinum")
    assert PRESETS["ct-soft-tissue"] is PRESETS["ct-mediastinum"]
    assert (PRESETS["ct-bone"].center, PRESETS["ct-bone"].width) == (400, 1800)
    assert (PRESETS["ct-brain"].center, PRESETS["ct-brain"].width) == (40, 80)
    assert (PRESETS["ct-liver"].center, PRESETS["ct-liver"].width) == (30, 150)
    assert preset("CT_Lung") is PRESETS["ct-lung"]
    with pytest.raises(KeyError, match="unknown window preset 'ct-nope'"):
        preset("ct-nope")
    with pytest.raises(TypeError):
        PRESETS["x"] = Window(0, 1)  # type: ignore[index]


def test_lung_preset_on_ct_shows_air_dark_and_bone_white(ct_small: Path) -> None:
    volume = load_image(ct_small)
    lung = render_slice(volume, 0, PRESETS["ct-lung"])
    bone = render_slice(volume, 0, PRESETS["ct-bone"])
    hu = volume.pixels[0]
    assert lung[hu < -1300].size == 0 or lung[hu < -1300].max() == 0
    assert lung[hu > 200].min() == 255  # soft tissue and bone saturate in the lung window
    assert bone[hu > 1300].size == 0 or bone[hu > 1300].min() == 255
    assert bone[(hu > 0) & (hu < 100)].max() < 100  # soft tissue is dark grey in the bone window


def test_minimal_metadata_keeps_only_the_whitelist() -> None:
    meta = minimal_metadata(
        source_format="dicom",
        modality="CT",
        photometric="MONOCHROME2",
        shape=(1, 2, 3),
        dtype="int16",
        spacing=(1.0, 0.5, 0.5),
        transfer_syntax="JPEG Baseline (Process 1)",
        extra={
            "PatientName": "Doe^Jane",
            "bits_stored": 12,
            "n_frames": "1.2.840.113619.2.1.2.411",  # a UID never survives, even under an allowed key
            "orientation": "/home/site/patient01/file.dcm",
            "windows": "20240131",
        },
    )
    assert set(meta) <= set(ALLOWED_KEYS)
    assert meta["shape"] == "1x2x3" and meta["bits_stored"] == "12"
    text = repr(meta)
    assert "Doe" not in text and "1.2.840" not in text and "/home" not in text and "20240131" not in text


def test_loaded_metadata_reveals_no_identity(ct_small: Path) -> None:
    import pydicom

    ds = pydicom.dcmread(ct_small)
    volume = load_image(ct_small)
    text = repr(dict(volume.metadata)) + repr(volume)
    for value in (
        ds.PatientName,
        ds.PatientID,
        ds.StudyInstanceUID,
        ds.SeriesInstanceUID,
        ds.StudyDate,
        ds.get("InstitutionName", "~"),
        ds.get("Manufacturer", "~"),
        ct_small.name,
        str(ct_small.parent),
    ):
        assert str(value) not in text


def test_save_png_roundtrip_and_determinism(tmp_path: Path) -> None:
    grey = _gradient(np.uint8, 255)
    deep = _gradient(np.uint16, 60000)
    rgb = np.dstack([grey] * 3)
    for name, array in (("g.png", grey), ("d.png", deep), ("c.png", rgb)):
        path = save_png(array, tmp_path / name)
        assert np.array_equal(np.asarray(Image.open(path)), array)
    save_png(grey, tmp_path / "again.png")
    assert (tmp_path / "again.png").read_bytes() == (tmp_path / "g.png").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    with pytest.raises(ValueError, match="float32"):
        save_png(grey.astype(np.float32), tmp_path / "bad.png")


def test_file_errors_are_typed_and_name_the_file(tmp_path: Path, ct_small: Path) -> None:
    missing = tmp_path / "nope.dcm"
    with pytest.raises(ImageLoadError, match="no such file") as info:
        load_image(missing)
    assert info.value.path == missing
    empty = tmp_path / "empty.dcm"
    empty.write_bytes(b"")
    with pytest.raises(ImageLoadError, match="empty"):
        load_image(empty)
    raw = ct_small.read_bytes()
    for cut in (100, 700, len(raw) - 5000):
        truncated = tmp_path / f"cut{cut}.dcm"
        truncated.write_bytes(raw[:cut])
        with pytest.raises(ImageLoadError) as info:
            load_image(truncated)
        assert info.value.path == truncated and str(truncated) in str(info.value)
        if cut > 132:  # past the preamble and DICM: recognised as DICOM, refused as truncated
            assert "truncated" in info.value.reason
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsupportedImageError, match="not a recognised image format"):
        load_image(text)
    broken_png = tmp_path / "b.png"
    broken_png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    with pytest.raises(ImageLoadError):
        load_image(broken_png)
    with pytest.raises(ImageLoadError, match="volume index"):
        load_image(ct_small, volume_index=1)


def test_sniffing_by_content(tmp_path: Path, ct_small: Path) -> None:
    # CT_small's preamble holds a TIFF header; content (DICM at 128) must win over it and over the name.
    renamed = tmp_path / "image.bin"
    renamed.write_bytes(ct_small.read_bytes())
    assert sniff_format(renamed) == "dicom"
    assert sniff_format(tmp_path) == "dicom-series"


def test_slice_index_errors_and_default_window_for_colour(ct_small: Path, pydicom_dir: Path) -> None:
    volume = load_image(ct_small)
    with pytest.raises(IndexError, match=r"0\.\.0"):
        render_slice(volume, 1)
    colour = load_image(pydicom_dir / "SC_rgb_rle.dcm")
    assert np.array_equal(render_slice(colour, 0, Window(0, 10)), colour.pixels[0])
    assert default_window(volume).width > 0
