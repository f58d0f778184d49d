"""The one image type every reader returns and every consumer displays.

Convention: ``pixels`` holds *modality-domain* values, that is after the Modality LUT stage (DICOM
Rescale Slope/Intercept or Modality LUT Sequence, NIfTI ``scl_slope``/``scl_inter``), so CT pixels are
Hounsfield units. The display pipeline (:mod:`turingview.imaging.display`) then applies the VOI stage
(window or VOI LUT) and, for MONOCHROME1, the inversion after windowing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

GREY_PHOTOMETRICS = ("MONOCHROME1", "MONOCHROME2")


@dataclass(frozen=True)
class Window:
    """A VOI window (DICOM PS3.3 C.11.2.1.2).

    Parameters
    ----------
    center, width
        Window Center and Window Width in modality units. ``width`` must be > 0
        (>= 1 for ``LINEAR``, as the standard requires).
    function
        ``"LINEAR"``, ``"LINEAR_EXACT"`` or ``"SIGMOID"`` (VOI LUT Function).
    name
        Optional label (a preset name or the file's Window Center & Width Explanation).
    """

    center: float
    width: float
    function: str = "LINEAR"
    name: str = ""

    def __post_init__(self) -> None:
        if self.function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
            raise ValueError(f"unknown VOI LUT function {self.function!r}")
        if not np.isfinite(self.center) or not np.isfinite(self.width) or self.width <= 0:
            raise ValueError(f"invalid window center={self.center!r} width={self.width!r}")


@dataclass(frozen=True)
class VoiLut:
    """A VOI LUT Sequence item: ``lut[i]`` maps modality value ``first_mapped + i``; ``bits`` output bits."""

    lut: np.ndarray
    first_mapped: int
    bits: int
    name: str = ""


@dataclass(frozen=True, eq=False)
class ImageVolume:
    """Decoded pixels plus the little geometry and display metadata a viewer needs.

    Parameters
    ----------
    pixels
        ``(n_slices, rows, cols)`` for greyscale, ``(n_slices, rows, cols, 3)`` uint8 for colour.
        Modality-domain values (see module docstring). Read-only.
    spacing
        ``(slice, row, col)`` spacing in mm; ``row`` is the distance between rows (vertical).
    orientation
        3x3 direction cosines (rows: column direction, row direction, slice normal) in patient LPS,
        or ``None`` when unknown.
    photometric
        ``"MONOCHROME2"``, ``"MONOCHROME1"`` (display inverted after windowing) or ``"RGB"``.
    modality
        DICOM modality (``"CT"``, ``"MR"``...) or ``"OT"`` when unknown.
    windows
        Windows stored in the file, first is the default.
    voi_luts
        VOI LUT Sequence items stored in the file (used when no window is chosen).
    metadata
        Scrubbed, minimal, non-identifying metadata (format, transfer syntax, shape, dtype...).
    source_format
        ``"dicom"``, ``"nifti"``, ``"png"``, ``"tiff"``, ``"jpeg"`` or ``"presented"``.
    """

    pixels: np.ndarray
    spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    orientation: np.ndarray | None = None
    photometric: str = "MONOCHROME2"
    modality: str = "OT"
    windows: tuple[Window, ...] = ()
    voi_luts: tuple[VoiLut, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)
    source_format: str = "presented"

    def __post_init__(self) -> None:
        pixels = np.asarray(self.pixels)
        if self.photometric == "RGB":
            if pixels.ndim != 4 or pixels.shape[-1] != 3:
                raise ValueError(f"RGB pixels must be (slices, rows, cols, 3), got {pixels.shape}")
        elif self.photometric in GREY_PHOTOMETRICS:
            if pixels.ndim != 3:
                raise ValueError(f"greyscale pixels must be (slices, rows, cols), got {pixels.shape}")
        else:
            raise ValueError(f"unsupported photometric interpretation {self.photometric!r}")
        if min(pixels.shape[:3]) < 1:
            raise ValueError(f"empty image, shape {pixels.shape}")
        if pixels.flags.writeable:
            pixels = pixels.view()
            pixels.flags.writeable = False
        object.__setattr__(self, "pixels", pixels)
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def n_slices(self) -> int:
        """Number of slices (frames) in the volume."""
        return int(self.pixels.shape[0])

    @property
    def rows(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def cols(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def is_color(self) -> bool:
        return self.photometric == "RGB"

    @property
    def middle_slice(self) -> int:
        """The slice a viewer opens on: the middle one."""
        return self.n_slices // 2

    def slice(self, index: int) -> np.ndarray:
        """Pixels of one slice (a view, no copy). Raises ``IndexError`` naming the valid range."""
        if not 0 <= index < self.n_slices:
            raise IndexError(f"slice {index} out of range 0..{self.n_slices - 1}")
        return self.pixels[index]

    @property
    def pixel_aspect(self) -> float:
        """Displayed height/width ratio of one pixel (row spacing / column spacing)."""
        _, row, col = self.spacing
        return float(row / col) if row > 0 and col > 0 else 1.0
