"""Writing presented or modality images to disk (PNG only, on purpose: lossless, no metadata)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["save_png"]


def save_png(array: np.ndarray, path: str | Path) -> Path:
    """Write a uint8 or uint16 greyscale ``(rows, cols)`` or uint8 RGB ``(rows, cols, 3)`` array as PNG.

    The file carries no text chunks, no timestamps and no colour profile, so two identical arrays always
    give byte-identical files (nothing about where an image came from can leak through its encoding).
    The write is atomic (temporary file in the same folder, then rename).

    Raises
    ------
    ValueError
        For another dtype or shape.
    """
    from PIL import Image

    array = np.ascontiguousarray(array)
    grey8 = array.dtype == np.uint8 and array.ndim == 2
    rgb8 = array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
    if grey8 or rgb8:
        image = Image.fromarray(array)
    elif array.dtype == np.uint16 and array.ndim == 2:
        image = Image.fromarray(array.astype("<u2", copy=False))
    else:
        raise ValueError(
            f"save_png needs uint8 (rows, cols[, 3]) or uint16 (rows, cols), got {array.dtype} {array.shape}"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".png", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, format="PNG", optimize=False, compress_level=6)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
