"""The presented image: one uniform, header-free encoding of every case, made once at study creation.

Readers never see source files. Each case is converted to a *presented image* whose bytes, size and decode
time depend only on its pixels, never on the file format, header or class it came from:

1. Pixels are taken in the modality domain (:class:`~turingview.imaging.volume.ImageVolume` convention).
   ``MONOCHROME1`` is converted to ``MONOCHROME2`` by negating the values (windowing then inverting equals
   windowing the negated values), so the photometric tag cannot separate the classes either.
2. Quantisation, the same rule for both classes of a study, chosen by modality:

   * ``CT``: Hounsfield units rounded to the nearest integer, clipped to ``int16``;
   * colour (``RGB``): ``uint8``;
   * every other greyscale modality: ``float32`` rounded to a grid of 1/256 (exact in ``float32`` below
     65536 in magnitude).

   Non-finite values become 0. Voxel spacing is rounded to 1e-4 mm (so float32 NIfTI spacing and decimal
   DICOM spacing cannot be told apart); orientation, windows, VOI LUTs and all metadata are dropped.
3. Encoding: a fixed 56-byte little-endian header followed by the zlib-compressed (level 1: fast, nearly as
   small as the default) C-order array::

       magic "TVPI" | version u8 | dtype u8 (1 int16, 2 float32, 3 uint8) | photometric u8 (1 MONOCHROME2,
       2 RGB) | ndim u8 | shape 4 x u32 | spacing 3 x f64 | modality 8 bytes ASCII, NUL-padded

:func:`decode_presented` turns the bytes back into an :class:`ImageVolume` with ``source_format="presented"``
and metadata that holds only the shape and dtype. Both reading sources (database and reader package) decode
through it, and the coordinator's blinding audit re-runs on exactly these bytes.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

import numpy as np

from turingview.core.errors import ImageLoadError
from turingview.imaging.volume import ImageVolume

MAGIC = b"TVPI"
VERSION = 1
_HEADER = struct.Struct("<4sBBBB4I3d8s")
HEADER_SIZE = _HEADER.size
_DTYPES = {1: np.dtype("<i2"), 2: np.dtype("<f4"), 3: np.dtype("u1")}
_DTYPE_CODES = {dt: code for code, dt in _DTYPES.items()}
_PHOTOMETRICS = {1: "MONOCHROME2", 2: "RGB"}
GRID = 256.0
SPACING_DECIMALS = 4
ZLIB_LEVEL = 1
MAX_BYTES = 4 * 2**30  # 4 GiB decoded: far above any real case, far below a decompression bomb's claim


def quantise(volume: ImageVolume, modality: str | None = None) -> tuple[np.ndarray, str, str]:
    """The presented pixel array, photometric and modality of ``volume`` (rules in the module docstring).

    ``modality`` overrides the volume's own (the manifest's value, so a NIfTI file gets its study modality).
    """
    modality = (modality or volume.modality or "OT").strip().upper() or "OT"
    pixels = np.asarray(volume.pixels)
    if volume.photometric == "RGB":
        data = np.clip(np.rint(pixels), 0, 255).astype(np.uint8) if pixels.dtype != np.uint8 else pixels
        return np.ascontiguousarray(data), "RGB", modality
    values = pixels.astype(np.float64, copy=False)
    if volume.photometric == "MONOCHROME1":
        values = -values
    values = np.where(np.isfinite(values), values, 0.0)
    if modality == "CT":
        data = np.clip(np.rint(values), -32768, 32767).astype("<i2")
    else:
        data = (np.rint(values * GRID) / GRID).astype("<f4")
    return np.ascontiguousarray(data), "MONOCHROME2", modality


def present(volume: ImageVolume, modality: str | None = None) -> bytes:
    """Encode ``volume`` as a presented image (see the module docstring for the exact format)."""
    data, photometric, modality = quantise(volume, modality)
    shape = list(data.shape) + [0] * (4 - data.ndim)
    spacing = tuple(round(float(s), SPACING_DECIMALS) for s in volume.spacing)
    mod = modality.encode("ascii", "replace")[:8].ljust(8, b"\0")
    header = _HEADER.pack(MAGIC, VERSION, _DTYPE_CODES[data.dtype], 1 if photometric == "MONOCHROME2" else 2,
                          data.ndim, *shape, *spacing, mod)
    return header + zlib.compress(data.tobytes(order="C"), ZLIB_LEVEL)


def decode_presented(blob: bytes, *, name: str = "presented image") -> ImageVolume:
    """Decode presented-image bytes into an :class:`ImageVolume` (``source_format="presented"``).

    Raises
    ------
    ImageLoadError
        The bytes are not a presented image or are damaged (``name`` labels the message).
    """
    if len(blob) < HEADER_SIZE:
        raise ImageLoadError(name, "truncated presented image")
    magic, version, dcode, pcode, ndim, *rest = _HEADER.unpack_from(blob)
    shape, spacing, mod = rest[:4], rest[4:7], rest[7]
    if magic != MAGIC or version != VERSION or dcode not in _DTYPES or pcode not in _PHOTOMETRICS or ndim not in (3, 4):
        raise ImageLoadError(name, "not a TuringView presented image (bad header)")
    dtype = _DTYPES[dcode]
    shape = tuple(int(s) for s in shape[:ndim])
    if min(shape) < 1 or (ndim == 4 and shape[3] != 3):
        raise ImageLoadError(name, f"presented image has an impossible shape {shape}")
    expected = int(np.prod(shape)) * dtype.itemsize
    if expected > MAX_BYTES:
        raise ImageLoadError(name, f"presented image claims {expected} bytes, more than the {MAX_BYTES} allowed")
    try:  # bounded: a small blob must never make the reader allocate more than its header announces
        inflater = zlib.decompressobj()
        raw = inflater.decompress(blob[HEADER_SIZE:], expected + 1)
    except zlib.error as error:
        raise ImageLoadError(name, f"damaged presented image: {error}") from error
    if len(raw) != expected or inflater.unconsumed_tail or not inflater.eof:
        raise ImageLoadError(name, "presented image size does not match its header")
    pixels = np.frombuffer(raw, dtype=dtype).reshape(shape)
    photometric = _PHOTOMETRICS[pcode]
    if (photometric == "RGB") != (ndim == 4):
        raise ImageLoadError(name, "presented image photometric does not match its shape")
    try:
        return ImageVolume(
            pixels=pixels, spacing=tuple(float(s) for s in spacing), photometric=photometric,
            modality=mod.rstrip(b"\0").decode("ascii", "replace") or "OT",
            metadata={"format": "presented", "shape": "x".join(map(str, shape)), "dtype": dtype.name},
            source_format="presented",
        )
    except ValueError as error:
        raise ImageLoadError(name, f"invalid presented image: {error}") from error


def sha256(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()
