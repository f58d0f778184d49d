"""Plain-language names and remedies for every cue the blinding audit reports.

Each cue key (see :mod:`turingview.imaging.header_cues`) maps to a *label* a coordinator understands and a
*remedy*: what to do about it. Remedies first say whether the presentation step (which re-encodes both
classes identically before readers see anything) already removes the cue, then what to change in the
source files when it does not.
"""

from __future__ import annotations

__all__ = ["cue_family", "cue_label", "cue_remedy"]

_HEADER_NOTE = (
    "Readers never see file headers: the presentation step re-encodes every image without them, so this cue "
    "is removed from what readers get. It still shows the two sets were made differently; strip or harmonise "
    "the header (for example with an anonymiser run on both sets) if the files themselves will be shared."
)

_FAMILIES: dict[str, tuple[str, str]] = {
    "geometry.matrix": (
        "Image matrix size (rows x columns)",
        "Readers see the matrix size (image proportions, sharpness at the same zoom). Resample or crop one set so "
        "both use the same matrix sizes in the same proportions, or pick real cases with matching sizes.",
    ),
    "geometry.rows": ("Number of rows", "See matrix size: resample or crop so both sets share the same sizes."),
    "geometry.cols": ("Number of columns", "See matrix size: resample or crop so both sets share the same sizes."),
    "geometry.slices": (
        "Slice count",
        "Readers can scroll through the slices, so the count is visible. Crop the volumes to the same number of "
        "slices (or present single slices) in both sets.",
    ),
    "geometry.channels": ("Colour channels", "Convert both sets to the same colour model (greyscale or RGB)."),
    "geometry.spacing": (
        "Pixel / slice spacing",
        "Spacing changes the displayed aspect and the size of anatomy. Resample both sets to a common spacing, or "
        "write the real spacing into the synthetic files if they were generated at that resolution.",
    ),
    "pixel.dtype": (
        "Stored data type",
        "The presentation step converts every image to the same type; if this cue remains on the presented images, "
        "convert the synthetic files to the real files' type (for example round to whole HU and save as int16).",
    ),
    "pixel.bits": ("Bit depth", "Save both sets with the same bit depth (for example 16-bit signed integers)."),
    "pixel.bits_stored": ("Bits stored", "Save both sets with the same Bits Stored value."),
    "pixel.min": (
        "Lowest intensity value",
        "Real CT often has -1024 or -2048 (padding) as its floor; clip or pad both sets to the same floor.",
    ),
    "pixel.max": ("Highest intensity value", "Clip both sets to the same intensity range."),
    "pixel.range": ("Intensity range", "Clip both sets to the same intensity range (for example -1024..3071 HU)."),
    "pixel.non_integer_fraction": (
        "Non-integer intensities (for example fractional HU)",
        "Scanners store whole numbers; generators often produce fractions. Round the synthetic intensities to "
        "whole numbers (and to the real files' step) before import.",
    ),
    "pixel.quantisation_step": (
        "Intensity quantisation step",
        "The gap between possible intensity values differs. Quantise both sets to the same step (round to the "
        "real files' rescale step).",
    ),
    "file.format": (
        "File format",
        "Readers get re-encoded images, so the format itself is hidden; converting both sets to one format before "
        "import also removes the related size and header cues.",
    ),
    "file.extension": ("File name extension", _HEADER_NOTE),
    "file.compression": (
        "Compression / transfer syntax",
        "The presentation step decodes and re-encodes both sets losslessly. Lossy compression of one set can still "
        "leave visible artefacts: decompress both sets, or compress both the same way.",
    ),
    "file.compressed": ("Compressed or not", "Decompress both sets, or compress both the same way."),
    "file.size_bytes": (
        "File size",
        "File size follows from matrix, type and compression; on presented images it should vary with content "
        "only. If it remains, harmonise the cues above (matrix, type, compression).",
    ),
    "dicom.ImageType.derived": (
        "DICOM ImageType DERIVED vs ORIGINAL",
        _HEADER_NOTE,
    ),
    "dicom.DerivationDescription.present": ("DICOM DerivationDescription present", _HEADER_NOTE),
    "dicom.private": ("DICOM private tags", _HEADER_NOTE),
    "dicom.meta": ("DICOM file meta (writing software)", _HEADER_NOTE),
    "dicom": ("DICOM attribute", _HEADER_NOTE),
    "nifti.scl_slope": (
        "NIfTI scale slope (scl_slope)",
        "A scale slope can make stored integers non-integer after scaling. Apply the scaling and save both sets "
        "without it (scl_slope = 1 or unset).",
    ),
    "nifti.datatype": (
        "NIfTI datatype",
        "Save both sets with the same datatype (for example int16); see also the stored data type cue.",
    ),
    "nifti": ("NIfTI header field", _HEADER_NOTE),
    "raster": ("Image file metadata", _HEADER_NOTE),
    "presented": (
        "Presented image property",
        "This difference survives the presentation step, so readers could see it. Harmonise the source files "
        "(see the raw-file cue of the same kind) and re-create the study.",
    ),
}

_DICOM_LABELS = {
    "Manufacturer": "DICOM Manufacturer",
    "SoftwareVersions": "DICOM SoftwareVersions",
    "BurnedInAnnotation": "DICOM BurnedInAnnotation",
    "SOPInstanceUID": "DICOM UID root (SOP Instance)",
    "StudyInstanceUID": "DICOM UID root (Study)",
    "SeriesInstanceUID": "DICOM UID root (Series)",
    "private.count": "DICOM private tag count",
    "private.creators": "DICOM private creators",
    "meta.ImplementationClassUID": "DICOM writing software UID root",
    "meta.ImplementationVersionName": "DICOM writing software version",
}


def cue_family(key: str) -> str:
    """The most specific family key of ``key`` (``"geometry.spacing_row"`` -> ``"geometry.spacing"``)."""
    if key.startswith("geometry.spacing"):
        return "geometry.spacing"
    parts = key.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        if candidate in _FAMILIES:
            return candidate
    return parts[0]


def cue_label(key: str) -> str:
    """A coordinator-facing name of the cue."""
    if key.startswith("dicom."):
        rest = key[len("dicom.") :]
        if rest in _DICOM_LABELS:
            return _DICOM_LABELS[rest]
        if rest.endswith(".year"):
            return f"DICOM {rest[:-5]} (year)"
        if key in _FAMILIES:
            return _FAMILIES[key][0]
        return f"DICOM {rest}"
    if key.startswith("nifti.") and key not in _FAMILIES:
        return f"NIfTI {key[len('nifti.') :]}"
    if key.startswith("geometry.spacing_"):
        return f"Spacing ({key.rsplit('_', 1)[1]} direction)"
    if key.startswith("presented.metadata."):
        return f"Presented metadata {key[len('presented.metadata.') :]}"
    if key.startswith("presented."):
        return f"Presented {key[len('presented.') :]}"
    if key.startswith("raster."):
        return f"Image file {key[len('raster.') :]}"
    if key in _FAMILIES:
        return _FAMILIES[key][0]
    return key


def cue_remedy(key: str, *, presented: bool) -> str:
    """Plain-language advice for a cue found on raw files (``presented=False``) or presented images."""
    family = cue_family(key)
    text = _FAMILIES.get(family, ("", _HEADER_NOTE))[1]
    if presented and not key.startswith("presented."):
        return "Readers could see this difference: it survives the presentation step. " + text
    return text
