"""PNG, TIFF and JPEG reader (Pillow) -> :class:`ImageVolume`.

8-bit greyscale is shown as stored (the file carries an identity window ``c=128, w=256``); 16/32-bit
greyscale carries a window spanning its stored minimum to maximum; colour (RGB, palette, CMYK, with or
without alpha) becomes RGB uint8. Multi-page TIFFs become one slice per page (all pages must share size
and mode).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging.scrub import minimal_metadata
from turingview.imaging.volume import ImageVolume, Window

__all__ = ["read_raster_file"]

IDENTITY_8BIT = Window(center=128.0, width=256.0, function="LINEAR", name="stored")
_GREY_MODES = ("L", "I;16", "I;16B", "I;16L", "I;16N", "I", "F", "1", "LA")


def _page_array(image: object) -> tuple[np.ndarray, bool]:
    mode = image.mode  # type: ignore[attr-defined]
    if mode == "1":
        return np.asarray(image.convert("L")), False  # type: ignore[attr-defined]
    if mode == "LA":
        return np.asarray(image.getchannel(0)), False  # type: ignore[attr-defined]
    if mode in _GREY_MODES:
        array = np.asarray(image)
        if array.dtype.kind in "iu" and not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
        return array, False
    if mode == "P":
        converted = image.convert("RGB")  # type: ignore[attr-defined]
        rgb = np.asarray(converted)
        if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
            return np.ascontiguousarray(rgb[..., 0]), False
        return rgb, True
    return np.asarray(image.convert("RGB")), True  # type: ignore[attr-defined]


def read_raster_file(path: Path, volume_index: int | None = None) -> ImageVolume:
    """Read a PNG, TIFF or JPEG file."""
    from PIL import Image, UnidentifiedImageError

    if volume_index not in (None, 0):
        raise ImageLoadError(
            path, f"volume index {volume_index} given, but a {path.suffix or 'raster'} file has one volume"
        )
    pages: list[np.ndarray] = []
    colour_flags: list[bool] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                fmt = (image.format or "").lower()
                n_pages = int(getattr(image, "n_frames", 1) or 1)
                for page in range(n_pages):
                    image.seek(page)
                    image.load()
                    array, colour = _page_array(image)
                    pages.append(np.array(array))
                    colour_flags.append(colour)
    except UnidentifiedImageError as exc:
        raise UnsupportedImageError(path, "not a readable PNG, TIFF or JPEG image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageLoadError(path, f"truncated or corrupt image file ({str(exc).splitlines()[0][:200]})") from exc
    fmt = {"jpeg": "jpeg", "png": "png", "tiff": "tiff", "mpo": "jpeg"}.get(fmt, fmt or "raster")
    if any(colour_flags):
        pages = [p if c else np.repeat(p[..., np.newaxis], 3, axis=2) for p, c in zip(pages, colour_flags, strict=True)]
        pages = [p if p.dtype == np.uint8 else (p >> 8).astype(np.uint8) for p in pages]
    shapes = {p.shape for p in pages}
    dtypes = {p.dtype for p in pages}
    if len(shapes) != 1 or len(dtypes) != 1:
        raise UnsupportedImageError(path, f"pages differ in size or depth ({sorted(map(str, shapes))}); cannot stack")
    pixels = np.ascontiguousarray(np.stack(pages))
    photometric = "RGB" if any(colour_flags) else "MONOCHROME2"
    windows: tuple[Window, ...] = ()
    if photometric != "RGB":
        if pixels.dtype == np.uint8:
            windows = (IDENTITY_8BIT,)
        else:
            finite = pixels[np.isfinite(pixels)] if pixels.dtype.kind == "f" else pixels
            lo = float(finite.min()) if finite.size else 0.0
            hi = float(finite.max()) if finite.size else 1.0
            if pixels.dtype.kind in "iu":
                windows = (Window(center=lo + (hi - lo + 1) / 2.0, width=max(hi - lo + 1.0, 1.0), name="stored range"),)
            else:
                windows = (
                    Window(
                        center=(lo + hi) / 2.0, width=max(hi - lo, 1e-6), function="LINEAR_EXACT", name="stored range"
                    ),
                )
    bits = pixels.dtype.itemsize * 8
    metadata = minimal_metadata(
        source_format=fmt,
        modality="OT",
        photometric=photometric,
        shape=pixels.shape,
        dtype=str(pixels.dtype),
        spacing=(1.0, 1.0, 1.0),
        extra={"bits_stored": bits, "n_frames": pixels.shape[0]},
    )
    return ImageVolume(
        pixels=pixels,
        photometric=photometric,
        modality="OT",
        windows=windows,
        metadata=metadata,
        source_format=fmt,
    )
