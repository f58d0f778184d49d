"""The reader registry and :func:`load_image`.

Each reader declares how it recognises a file (content sniffing on the first bytes, then the extension)
and how it reads it into an :class:`ImageVolume`. Readers are tried in registration order; the first whose
``sniff`` accepts the file reads it. A directory is read as a DICOM series.

Every failure leaves as :class:`~turingview.core.errors.ImageLoadError` (or its subclass
:class:`~turingview.core.errors.UnsupportedImageError`) naming the path and the reason; no pydicom, nibabel
or Pillow exception escapes.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging.volume import ImageVolume

__all__ = ["READERS", "Reader", "load_image", "register_reader", "sniff_format"]

HEAD_BYTES = 352


@dataclass(frozen=True)
class Reader:
    """A registered reader.

    Parameters
    ----------
    name
        Format name (``"dicom"``, ``"nifti"``...).
    sniff
        ``sniff(path, head) -> bool`` with the file's first :data:`HEAD_BYTES` bytes.
    read
        ``read(path, volume_index) -> ImageVolume``; raises only ImageLoadError.
    """

    name: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[Path, int | None], ImageVolume]


READERS: list[Reader] = []


def register_reader(reader: Reader) -> None:
    """Add a reader (later registrations are tried after earlier ones)."""
    READERS.append(reader)


def _is_nifti(path: Path, head: bytes) -> bool:
    name = path.name.lower()
    if name.endswith((".nii", ".nii.gz", ".hdr", ".img", ".img.gz", ".hdr.gz")):
        return True
    if len(head) >= 348 and head[344:347] in (b"n+1", b"ni1"):
        return True
    return head[4:8] in (b"n+2\x00", b"ni2\x00")


def _is_dicom(path: Path, head: bytes) -> bool:
    if len(head) >= 132 and head[128:132] == b"DICM":
        return True
    if path.suffix.lower() in (".dcm", ".dicom", ".ima", ".dic"):
        return True
    # A dataset without preamble/meta starts with a tag of group 0x0002 or 0x0008 (either byte order).
    return head[:2] in (b"\x08\x00", b"\x02\x00", b"\x00\x08", b"\x00\x02") and len(head) >= 8


def _is_raster(path: Path, head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head[:4] in (b"II*\x00", b"MM\x00*")
        or head.startswith(b"\xff\xd8\xff")
    )


def sniff_format(path: str | Path) -> str:
    """Name of the reader that would read ``path`` (``"dicom-series"`` for a folder).

    Raises
    ------
    ImageLoadError
        If the path does not exist or cannot be read.
    UnsupportedImageError
        If no reader recognises it.
    """
    path = Path(path)
    if path.is_dir():
        return "dicom-series"
    return _pick(path, _head(path)).name


def _head(path: Path) -> bytes:
    if not path.exists():
        raise ImageLoadError(path, "no such file or folder")
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError as exc:
        raise ImageLoadError(path, f"cannot read the file ({exc.strerror or exc})") from exc


def _pick(path: Path, head: bytes) -> Reader:
    _ensure_builtin_readers()
    if not head:
        raise ImageLoadError(path, "the file is empty")
    if len(head) >= 132 and head[128:132] == b"DICM":
        # Checked first: a DICOM preamble may itself hold a TIFF header (dual-personality files).
        return next(r for r in READERS if r.name == "dicom")
    for reader in READERS:
        if reader.sniff(path, head):
            return reader
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                inner = handle.read(HEAD_BYTES)
        except (OSError, EOFError):
            inner = b""
        kind = "DICOM" if inner[128:132] == b"DICM" or inner[:2] in (b"\x08\x00", b"\x02\x00") else "unknown"
        raise UnsupportedImageError(
            path, f"gzip-compressed {kind} data; only NIfTI may be gzipped (.nii.gz), decompress it first"
        )
    raise UnsupportedImageError(
        path, "not a recognised image format (expected DICOM, NIfTI/Analyze, PNG, TIFF or JPEG)"
    )


def load_image(path: str | Path, *, volume_index: int | None = None) -> ImageVolume:
    """Load an image file or DICOM series folder into an :class:`ImageVolume`.

    Parameters
    ----------
    path
        A DICOM file (single or multi-frame), a folder holding one DICOM series, a NIfTI-1/2 or Analyze
        file (``.nii``, ``.nii.gz``, ``.hdr``/``.img``), or a PNG, TIFF or JPEG file.
    volume_index
        For 4D NIfTI, which volume (default 0). Refused for other inputs when not 0/None.

    Returns
    -------
    ImageVolume
        Modality-domain pixels ``(slices, rows, cols[, 3])``; NIfTI is reoriented so a slice displays in
        radiological convention.

    Raises
    ------
    ImageLoadError
        Missing, truncated or unreadable file; mixed series in a folder.
    UnsupportedImageError
        Readable but not displayable: no pixel data, unsupported compression, unknown format.
    """
    path = Path(path)
    if volume_index is not None and volume_index < 0:
        raise ImageLoadError(path, f"volume index must be >= 0, got {volume_index}")
    if path.is_dir():
        from turingview.imaging.dicom_series import read_series

        return _guarded(path, lambda: read_series(path, volume_index))
    reader = _pick(path, _head(path))
    return _guarded(path, lambda: reader.read(path, volume_index))


def _guarded(path: Path, read: Callable[[], ImageVolume]) -> ImageVolume:
    """Run a reader; turn anything unexpected into an ImageLoadError naming the path."""
    try:
        return read()
    except ImageLoadError:
        raise
    except MemoryError as exc:
        raise ImageLoadError(path, "not enough memory to decode the image") from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # a library error on malformed input, including a decoder's Rust panic
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ImageLoadError(path, f"cannot decode the image ({type(exc).__name__}: {detail[:200]})") from exc


_builtins_loaded = False


def _ensure_builtin_readers() -> None:
    global _builtins_loaded
    if _builtins_loaded:
        return
    _builtins_loaded = True

    def read_dicom(path: Path, volume_index: int | None) -> ImageVolume:
        from turingview.imaging.dicom_reader import read_dicom_file

        return read_dicom_file(path, volume_index)

    def read_nifti(path: Path, volume_index: int | None) -> ImageVolume:
        from turingview.imaging.nifti_reader import read_nifti_file

        return read_nifti_file(path, volume_index)

    def read_raster(path: Path, volume_index: int | None) -> ImageVolume:
        from turingview.imaging.raster_reader import read_raster_file

        return read_raster_file(path, volume_index)

    READERS[:0] = [
        Reader("raster", _is_raster, read_raster),
        Reader("nifti", _is_nifti, read_nifti),
        Reader("dicom", _is_dicom, read_dicom),
    ]
