"""Small synthetic CT slices written with the real libraries (pydicom, nibabel), shared by the test suites.

The blinding audit, coordinator console and ``analyze --study`` tests all need a few real files on disk
whose headers they control; this module is the one writer they share. Content generators (the
phantoms) stay with each suite, since their seeds pin the suites' expectations.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def write_ct_slice(
    path: Path,
    hu: np.ndarray,
    *,
    spacing: float = 0.8,
    manufacturer: str | None = None,
    uid_root: str | None = None,
    image_type: Sequence[str] | None = None,
    slice_thickness: float | None = None,
    window: tuple[float, float] | None = None,
    float_pixels: bool = False,
) -> Path:
    """Write one uncompressed CT slice with pydicom (explicit VR little endian).

    Pixels are ``round(hu)`` stored as int16 with Rescale Slope 1 and Intercept 0, or, with
    ``float_pixels``, 32-bit Float Pixel Data. ``uid_root`` prefixes every generated UID; the optional
    header values (Manufacturer, Image Type, Slice Thickness, a stored window) are written only when given.
    """
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    def uid() -> str:
        return generate_uid(prefix=f"{uid_root}.") if uid_root else generate_uid()

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CT_IMAGE_STORAGE
    meta.MediaStorageSOPInstanceUID = uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = uid(), uid()
    ds.Modality = "CT"
    if image_type is not None:
        ds.ImageType = list(image_type)
    if manufacturer:
        ds.Manufacturer = manufacturer
    ds.Rows, ds.Columns = hu.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelSpacing = [spacing, spacing]
    if slice_thickness is not None:
        ds.SliceThickness = slice_thickness
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = window
    if float_pixels:
        ds.BitsAllocated = 32
        ds.FloatPixelData = hu.astype(np.float32).tobytes()
    else:
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 1, 0
        ds.PixelData = np.round(hu).astype(np.int16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


def write_nifti_slice(
    path: Path,
    values: np.ndarray,
    *,
    dtype: str = "int16",
    spacing: float = 0.8,
    descrip: str = "",
    unit_scaling: bool = False,
) -> Path:
    """Write ``values`` (rows x cols) as a one-slice NIfTI volume with nibabel in the on-disk ``dtype``.

    Integer dtypes store ``round(values)``. ``unit_scaling`` writes scl_slope 1 / scl_inter 0 explicitly
    (otherwise nibabel leaves them unset); ``descrip`` fills the header's description field.
    """
    import nibabel as nib

    data = values.T[:, :, None]
    data = np.round(data).astype(dtype) if np.dtype(dtype).kind in "iu" else data.astype(dtype)
    image = nib.Nifti1Image(data, np.diag([spacing, spacing, 1.0, 1.0]))
    image.header.set_data_dtype(dtype)
    if unit_scaling:
        image.header.set_slope_inter(1.0, 0.0)
    if descrip:
        image.header["descrip"] = descrip.encode()
    nib.save(image, str(path))
    return path
