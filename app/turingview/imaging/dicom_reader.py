"""DICOM file reader: single-frame and multi-frame images -> :class:`ImageVolume`.

Pixel data are decoded by pydicom with the pylibjpeg plugins (JPEG baseline/extended/lossless, JPEG-LS,
JPEG 2000, RLE) or Pillow; deflated and big-endian transfer syntaxes are handled by pydicom itself.
YBR colour is converted to RGB, palette colour is expanded through its LUTs, and greyscale goes through
the Modality LUT stage here (Rescale Slope/Intercept, the Enhanced multi-frame Pixel Value Transformation,
or a Modality LUT Sequence), so ``pixels`` hold modality values.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging import dicom_header as header
from turingview.imaging.dicom_header import first_item, lut_array, orientation_from_iop, rescale_pairs
from turingview.imaging.limits import check_declared_size
from turingview.imaging.lut import apply_modality_lut
from turingview.imaging.scrub import minimal_metadata
from turingview.imaging.volume import ImageVolume, VoiLut, Window

__all__ = ["dataset_volume", "native_greyscale_pixels", "orientation_from_iop", "read_dataset", "read_dicom_file"]

_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_DICOMDIR_SOP = "1.2.840.10008.1.3.10"


def read_dataset(path: Path, *, stop_before_pixels: bool = False) -> Any:
    """Parse a DICOM file with pydicom (headers, optionally without pixels), mapping errors to ours."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return pydicom.dcmread(path, stop_before_pixels=stop_before_pixels)
            except InvalidDicomError:
                ds = pydicom.dcmread(path, stop_before_pixels=stop_before_pixels, force=True)
                if len(ds) == 0 or not any(elem.tag.group in (0x0008, 0x0010, 0x0020, 0x0028) for elem in ds):
                    raise ImageLoadError(path, "not a DICOM file (no DICOM preamble or data elements)") from None
                return ds
    except ImageLoadError:
        raise
    except EOFError as exc:
        raise ImageLoadError(path, "truncated DICOM file (ended inside a data element)") from exc
    except OSError as exc:
        raise ImageLoadError(path, f"cannot read the file ({exc.strerror or exc})") from exc
    except Exception as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if "end of file" in reason.lower() or "truncat" in reason.lower():
            raise ImageLoadError(path, f"truncated DICOM file ({reason})") from exc
        raise ImageLoadError(path, f"malformed DICOM file ({type(exc).__name__}: {reason})") from exc


def _sop_class_name(ds: Any) -> str:
    uid = ds.get("SOPClassUID") or getattr(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", None)
    if uid is None:
        return "unknown SOP class"
    name = getattr(uid, "name", "") or str(uid)
    return str(name)


def _transfer_syntax(ds: Any) -> Any:
    import pydicom.uid

    meta = getattr(ds, "file_meta", None)
    uid = getattr(meta, "TransferSyntaxUID", None) if meta is not None else None
    if uid is None:
        big = not getattr(ds, "is_little_endian", True)
        implicit = getattr(ds, "is_implicit_VR", False)
        if big:
            return pydicom.uid.ExplicitVRBigEndian
        return pydicom.uid.ImplicitVRLittleEndian if implicit else pydicom.uid.ExplicitVRLittleEndian
    return uid


_NO_PLUGIN_HINTS = {
    "video": "video pixel data (no pydicom plugin decodes it); export the frames with ffmpeg or dcmtk first",
    "jpip": "the pixel data live on a JPIP server, not in the file; retrieve them first",
    "jpegxl": "JPEG XL has no pydicom plugin yet; transcode with dcmtk or GDCM",
}


def _syntax_family(name: str) -> str:
    lowered = name.lower()
    if any(word in lowered for word in ("mpeg", "h.264", "hevc", "h.265")):
        return "video"
    if "jpip" in lowered:
        return "jpip"
    if "jpeg xl" in lowered:
        return "jpegxl"
    return ""


def _check_displayable(path: Path, ds: Any) -> None:
    meta = getattr(ds, "file_meta", None)
    if getattr(meta, "MediaStorageSOPClassUID", None) == _DICOMDIR_SOP or "DirectoryRecordSequence" in ds:
        raise UnsupportedImageError(path, "DICOMDIR media directory, not an image: open the series folder instead")
    if not any(keyword in ds for keyword in _PIXEL_KEYWORDS):
        sop = _sop_class_name(ds)
        if "Image Storage" in sop:
            # pydicom stops quietly at the end of a cut file: an image object without pixels is one.
            raise UnsupportedImageError(
                path, f"DICOM without pixel data ({sop}): the image object is truncated or had its pixels stripped"
            )
        raise UnsupportedImageError(path, f"DICOM without pixel data ({sop}): nothing to display")
    tsyntax = _transfer_syntax(ds)
    if tsyntax.is_compressed:
        from pydicom.pixels import get_decoder

        try:
            decoder = get_decoder(tsyntax)
        except NotImplementedError:
            hint = _NO_PLUGIN_HINTS.get(_syntax_family(str(tsyntax.name)), "no pydicom pixel-data plugin exists for it")
            raise UnsupportedImageError(
                path, f"unsupported compression: transfer syntax {tsyntax.name} ({tsyntax}); {hint}"
            ) from None
        if not decoder.is_available:
            missing = "; ".join(decoder.missing_dependencies) or "a pixel-data plugin"
            raise UnsupportedImageError(
                path, f"unsupported compression: transfer syntax {tsyntax.name} needs a decoder plugin ({missing})"
            )


def _int_attribute(path: Path, ds: Any, keyword: str, default: int) -> int:
    """An integer header value, or a typed error naming the attribute and the bad value."""
    value = ds.get(keyword, default)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ImageLoadError(path, f"invalid {keyword} value {str(value)[:40]!r} in the header") from None


#: Native (uncompressed) little-endian transfer syntaxes whose greyscale pixels are read directly.
_NATIVE_LITTLE_ENDIAN = ("1.2.840.10008.1.2", "1.2.840.10008.1.2.1")


def native_greyscale_pixels(ds: Any) -> np.ndarray | None:
    """Greyscale pixels of a native little-endian dataset read straight from its buffer, else ``None``.

    The common case of CT and MR (uncompressed, one sample, 8/16/32 bits allocated) needs none of
    pydicom's decoder machinery: the pixel data are ``rows x cols x frames`` little-endian integers. The
    result equals ``ds.pixel_array`` exactly (dtype, shape and values, a test compares them on pydicom's
    corpus), including pydicom's unused-bits correction: with Bits Stored < Bits Allocated the high bits are
    shifted out (``(x << s) >> s``, sign-extending signed data). Anything else (compressed, big-endian,
    deflated, colour, float, odd sizes) returns ``None`` and goes through pydicom.
    """
    meta = getattr(ds, "file_meta", None)
    if meta is None or str(meta.get("TransferSyntaxUID", "")) not in _NATIVE_LITTLE_ENDIAN:
        return None
    data = ds.get("PixelData")
    if not isinstance(data, bytes):
        return None
    try:
        samples = int(ds.get("SamplesPerPixel", 1) or 1)
        photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
        bits_allocated = int(ds.BitsAllocated)
        bits_stored = int(ds.get("BitsStored", bits_allocated) or bits_allocated)
        signed = int(ds.get("PixelRepresentation", 0) or 0)
        rows, cols = int(ds.Rows), int(ds.Columns)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return None
    if (samples != 1 or photometric not in ("MONOCHROME1", "MONOCHROME2") or bits_allocated not in (8, 16, 32)
            or not 0 < bits_stored <= bits_allocated or signed not in (0, 1) or min(rows, cols, frames) < 1):
        return None
    itemsize = bits_allocated // 8
    count = rows * cols * frames
    if len(data) not in (count * itemsize, count * itemsize + 1):  # +1: the even-length pad byte
        return None
    dtype = np.dtype(f"<{'i' if signed else 'u'}{itemsize}")
    shape = (frames, rows, cols) if frames > 1 else (rows, cols)
    array = np.frombuffer(data, dtype=dtype, count=count).reshape(shape).copy()
    shift = bits_allocated - bits_stored
    if shift:
        np.left_shift(array, shift, out=array)
        np.right_shift(array, shift, out=array)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _decode(path: Path, ds: Any) -> np.ndarray:
    native = native_greyscale_pixels(ds)
    if native is not None:
        return native
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(ds.pixel_array)
    except (ValueError, EOFError) as exc:
        text = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        if "less than expected" in text or "truncat" in text.lower() or "insufficient" in text.lower():
            raise ImageLoadError(path, f"truncated pixel data ({text})") from exc
        raise ImageLoadError(path, f"cannot decode the pixel data ({text})") from exc
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # also Rust panics (pyo3 PanicException) from a corrupt stream
        tsyntax = _transfer_syntax(ds)
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        text = "; ".join(lines[1:] if len(lines) > 1 else lines)[:400] or type(exc).__name__
        raise UnsupportedImageError(
            path, f"cannot decode transfer syntax {tsyntax.name} with the installed plugins ({text})"
        ) from exc


def _colour_to_uint8(array: np.ndarray, bits_stored: int) -> np.ndarray:
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.integer):
        shift = max(int(bits_stored) - 8, 0)
        return (array.astype(np.uint32) >> shift).clip(0, 255).astype(np.uint8)
    lo, hi = float(np.nanmin(array)), float(np.nanmax(array))
    scaled = (array.astype(np.float32) - lo) * (255.0 / max(hi - lo, 1e-6))
    return np.nan_to_num(scaled).round().clip(0, 255).astype(np.uint8)


def dataset_volume(path: Path, ds: Any, volume_index: int | None = None) -> ImageVolume:
    """Decode a parsed dataset (with pixels) into an :class:`ImageVolume`."""
    if volume_index not in (None, 0):
        raise ImageLoadError(
            path, f"volume index {volume_index} given, but a DICOM file has one volume (use the slice/frame)"
        )
    _check_displayable(path, ds)
    for keyword in ("Rows", "Columns"):
        if not ds.get(keyword):
            raise ImageLoadError(path, f"DICOM image without {keyword}: cannot lay out the pixels")
    n_frames = _int_attribute(path, ds, "NumberOfFrames", 1)
    rows, cols = _int_attribute(path, ds, "Rows", 0), _int_attribute(path, ds, "Columns", 0)
    samples_declared = _int_attribute(path, ds, "SamplesPerPixel", 1)
    bits_allocated = _int_attribute(path, ds, "BitsAllocated", 16)
    # decoded size: at least 2 bytes per grey value (modality output), 1 byte x 3 for colour
    per_value = max(bits_allocated // 8, 1 if samples_declared == 3 else 2)
    check_declared_size(
        path,
        rows * cols * max(n_frames, 1) * max(samples_declared, 1) * per_value,
        f"{rows} x {cols} x {n_frames} frame(s) x {samples_declared} sample(s), {bits_allocated} bits",
    )
    array = _decode(path, ds)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip().upper()
    samples = int(ds.get("SamplesPerPixel", 1) or 1)
    bits_stored = int(ds.get("BitsStored", ds.get("BitsAllocated", 8)) or 8)
    colour = samples == 3 or photometric == "PALETTE COLOR"
    frames_axis = n_frames > 1
    if frames_axis and array.ndim == (3 if samples == 1 else 4) and array.shape[0] != n_frames:
        raise ImageLoadError(path, f"pixel data hold {array.shape[0]} frames but Number of Frames is {n_frames}")
    if not frames_axis:
        array = array[np.newaxis]
    windows: tuple[Window, ...] = ()
    voi_luts: tuple[VoiLut, ...] = ()
    if photometric == "PALETTE COLOR":
        from pydicom.pixels import apply_color_lut

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rgb = np.asarray(apply_color_lut(array, ds))
        pixels = _colour_to_uint8(rgb, 16 if rgb.dtype != np.uint8 else 8)
        out_photometric = "RGB"
    elif colour:
        if array.ndim != 4 or array.shape[-1] != 3:
            raise ImageLoadError(path, f"colour image with unexpected pixel layout {array.shape}")
        pixels = _colour_to_uint8(array, bits_stored)
        out_photometric = "RGB"
    else:
        if array.ndim != 3:
            raise UnsupportedImageError(path, f"{samples}-sample {photometric} images are not supported")
        if photometric not in ("MONOCHROME1", "MONOCHROME2"):
            photometric = "MONOCHROME2"
        pixels = _modality(ds, array)
        signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
        windows = header.windows(ds)
        voi_luts = header.voi_luts(ds, signed or pixels.dtype.kind == "i")
        out_photometric = photometric
    tsyntax = _transfer_syntax(ds)
    spacing = header.spacing(ds)
    modality = str(ds.get("Modality", "") or "OT").strip().upper() or "OT"
    metadata = minimal_metadata(
        source_format="dicom",
        modality=modality,
        photometric=out_photometric if out_photometric != "RGB" else f"RGB (stored {photometric})",
        shape=pixels.shape,
        dtype=str(pixels.dtype),
        spacing=spacing,
        transfer_syntax=str(tsyntax.name),
        extra={"bits_stored": bits_stored, "n_frames": n_frames},
    )
    return ImageVolume(
        pixels=np.ascontiguousarray(pixels),
        spacing=spacing,
        orientation=header.orientation(ds),
        photometric=out_photometric,
        modality=modality,
        windows=windows,
        voi_luts=voi_luts,
        metadata=metadata,
        source_format="dicom",
    )


def _modality(ds: Any, array: np.ndarray) -> np.ndarray:
    """Modality LUT stage for a (frames, rows, cols) stored array."""
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32, copy=False)  # Float Pixel Data carries modality values already
    item = first_item(ds, "ModalityLUTSequence")
    if item is not None and "LUTDescriptor" in item and "LUTData" in item:
        signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
        table, first, _bits = lut_array(item, signed_first=signed)
        out = apply_modality_lut(array, lut=table, first_mapped=first)
        return out.astype(np.uint16 if out.min() >= 0 and out.max() < 2**16 else np.int32)
    pairs = rescale_pairs(ds, array.shape[0])
    if len(set(pairs)) <= 1:
        slope, intercept = pairs[0] if pairs else (1.0, 0.0)
        return apply_modality_lut(array, slope=slope, intercept=intercept, copy=False)  # array is ours
    frames = [apply_modality_lut(frame, slope=s, intercept=i) for frame, (s, i) in zip(array, pairs, strict=True)]
    dtype = np.result_type(*frames)
    return np.stack([f.astype(dtype, copy=False) for f in frames])


def read_dicom_file(path: Path, volume_index: int | None = None) -> ImageVolume:
    """Read one DICOM file (single or multi-frame)."""
    ds = read_dataset(path)
    return dataset_volume(path, ds, volume_index)
