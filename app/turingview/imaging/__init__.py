"""turingview.imaging: readers (DICOM, NIfTI/Analyze, PNG/TIFF/JPEG) -> ImageVolume, and the display pipeline.

This is the only package that imports pydicom, nibabel and Pillow, and it imports them lazily, on the
first load. Public entry points:

- :func:`load_image` (registry of readers, :mod:`turingview.imaging.registry`)
- :func:`turingview.imaging.display.render_slice`, :func:`~turingview.imaging.display.default_window`
- :data:`turingview.imaging.presets.PRESETS`
"""

from __future__ import annotations

from turingview.imaging.registry import load_image
from turingview.imaging.volume import ImageVolume, VoiLut, Window

__all__ = ["ImageVolume", "VoiLut", "Window", "load_image"]
