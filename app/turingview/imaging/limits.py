"""Size limits checked from headers, before any pixel buffer is allocated.

A corrupt or hostile header can declare a volume of hundreds of gigabytes; decoders would try to allocate
it and the workstation would swap or die. Every reader compares the *declared* decoded size with
:func:`max_image_bytes` first and refuses with :class:`~turingview.core.errors.ImageLoadError`.
"""

from __future__ import annotations

import os
from pathlib import Path

from turingview.core.errors import ImageLoadError

__all__ = ["DEFAULT_MAX_IMAGE_BYTES", "check_declared_size", "max_image_bytes"]

#: Largest decoded volume accepted by default: 4 GiB (e.g. 512 x 512 x 4000 float32, or x 8000 int16).
DEFAULT_MAX_IMAGE_BYTES = 4 * 2**30
_ENV = "TURINGVIEW_MAX_IMAGE_BYTES"


def max_image_bytes() -> int:
    """The limit in bytes: ``TURINGVIEW_MAX_IMAGE_BYTES`` if set to a positive integer, else the default."""
    text = os.environ.get(_ENV, "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return DEFAULT_MAX_IMAGE_BYTES


def check_declared_size(path: str | Path, declared_bytes: int, what: str) -> None:
    """Refuse ``path`` if its header declares more than :func:`max_image_bytes` of decoded pixels.

    Parameters
    ----------
    path
        The file (or folder) being read, for the message.
    declared_bytes
        Decoded size implied by the header (voxels x bytes per voxel of the in-memory dtype).
    what
        The header facts, e.g. ``"65535 x 65535 x 12 frames, 16 bits"``.
    """
    limit = max_image_bytes()
    if declared_bytes > limit:
        raise ImageLoadError(
            path,
            f"the header declares {what} = {declared_bytes / 2**30:.1f} GiB of pixels, more than the "
            f"{limit / 2**30:.1f} GiB limit (corrupt header? raise {_ENV} for genuinely huge images)",
        )
