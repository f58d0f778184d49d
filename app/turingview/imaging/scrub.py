"""The scrubbed, minimal metadata every :class:`ImageVolume` carries.

Only technical, non-identifying facts a viewer or an audit needs are kept: no names, ids, dates, times,
UIDs, institution, device, operator, free text or file path. The whitelist is :data:`ALLOWED_KEYS`;
anything else passed in is dropped, and values that look like UIDs, dates or paths are refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

__all__ = ["ALLOWED_KEYS", "minimal_metadata"]

#: The only keys the scrubbed metadata can hold.
ALLOWED_KEYS = (
    "format",
    "modality",
    "photometric",
    "shape",
    "dtype",
    "spacing",
    "transfer_syntax",
    "bits_stored",
    "n_frames",
    "orientation",
    "windows",
    "volume_index",
    "n_volumes",
)

_UID = re.compile(r"^\d+(\.\d+){3,}$")
_PATHLIKE = re.compile(r"[/\\]")


def _fmt_float(value: float) -> str:
    return f"{float(value):.6g}"


def minimal_metadata(
    *,
    source_format: str,
    modality: str,
    photometric: str,
    shape: Sequence[int],
    dtype: str,
    spacing: Sequence[float],
    transfer_syntax: str = "",
    extra: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """Build the scrubbed metadata dict (all values strings).

    Parameters
    ----------
    source_format, modality, photometric, shape, dtype, spacing
        Facts every reader knows.
    transfer_syntax
        Transfer syntax *name* (e.g. ``"JPEG 2000 Image Compression"``), never a UID.
    extra
        Further facts; only keys in :data:`ALLOWED_KEYS` are kept, and a value that looks like a UID, a
        date or a path is dropped.
    """
    out: dict[str, str] = {
        "format": str(source_format),
        "modality": str(modality),
        "photometric": str(photometric),
        "shape": "x".join(str(int(n)) for n in shape),
        "dtype": str(dtype),
        "spacing": "x".join(_fmt_float(s) for s in spacing),
    }
    if transfer_syntax:
        out["transfer_syntax"] = str(transfer_syntax)
    for key, value in (extra or {}).items():
        if key not in ALLOWED_KEYS or key in out:
            continue
        text = str(value)
        if _UID.match(text) or _PATHLIKE.search(text) or re.match(r"^\d{8}$", text):
            continue
        out[key] = text
    return out
