"""DICOM series folders sorted by geometry; NIfTI orientation, scaling and 4D volumes."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

from turingview.core.errors import ImageLoadError, UnsupportedImageError
from turingview.imaging import load_image
from turingview.imaging.display import render_slice


def _write_series(
    folder: Path, ct_small: Path, *, n: int = 6, normal_sign: float = 1.0, series_uid: str = ""
) -> list[float]:
    """Write ``n`` slices of a synthetic series with shuffled file names; return z positions in slice order."""
    folder.mkdir(parents=True, exist_ok=True)
    template = pydicom.dcmread(ct_small)
    uid = series_uid or generate_uid(entropy_srcs=["series", str(folder)])
    rng = np.random.default_rng(0)
    names = [f"{name:04d}.dcm" for name in rng.permutation(1000)[:n]]
    z_values = []
    for k in range(n):
        ds = template.copy()
        z = -50.0 + 2.5 * k * normal_sign
        z_values.append(z)
        ds.ImagePositionPatient = [-20.0, 10.0, z]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.InstanceNumber = n - k  # deliberately disagrees with geometry
        ds.SeriesInstanceUID = uid
        ds.SOPInstanceUID = generate_uid(entropy_srcs=[uid, str(k)])
        pixels = ds.pixel_array.copy()
        pixels[:8, :8] = k * 10  # marker: slice k has value 10k in its corner (stored units)
        ds.PixelData = pixels.tobytes()
        ds.save_as(folder / names[k], enforce_file_format=True)
    return z_values


def test_series_is_sorted_by_position_not_name_or_instance(tmp_path: Path, ct_small: Path) -> None:
    folder = tmp_path / "series"
    _write_series(folder, ct_small)
    volume = load_image(folder)
    assert volume.n_slices == 6
    intercept = float(pydicom.dcmread(ct_small).RescaleIntercept)
    corners = [int(volume.pixels[k, 0, 0]) for k in range(6)]
    assert corners == [int(10 * k + intercept) for k in range(6)]
    assert volume.spacing[0] == pytest.approx(2.5)
    np.testing.assert_allclose(volume.orientation[2], [0, 0, 1])


def test_series_sorting_follows_the_normal(tmp_path: Path, ct_small: Path) -> None:
    folder = tmp_path / "reverse"
    _write_series(folder, ct_small, normal_sign=-1.0)  # slice k is 2.5k mm *below* slice 0
    volume = load_image(folder)
    intercept = float(pydicom.dcmread(ct_small).RescaleIntercept)
    corners = [int(volume.pixels[k, 0, 0] - intercept) for k in range(6)]
    assert corners == [50, 40, 30, 20, 10, 0]  # ascending along +normal (inferior to superior)


def test_mixed_series_folder_is_refused_naming_the_uids(tmp_path: Path, ct_small: Path) -> None:
    folder = tmp_path / "mixed"
    _write_series(folder, ct_small, n=3, series_uid="1.2.826.0.1.3680043.8.498.1")
    other = tmp_path / "other"
    _write_series(other, ct_small, n=2, series_uid="1.2.826.0.1.3680043.8.498.2")
    for path in other.iterdir():
        shutil.copy(path, folder / f"x{path.name}")
    with pytest.raises(ImageLoadError) as info:
        load_image(folder)
    message = str(info.value)
    assert str(folder) in message and "mixed series" in message
    assert "1.2.826.0.1.3680043.8.498.1 (3 files)" in message and "1.2.826.0.1.3680043.8.498.2 (2 files)" in message


def test_bundled_dicomdir_series_folders_load(pydicom_dir: Path) -> None:
    volume = load_image(pydicom_dir / "dicomdirtests" / "98892001" / "CT5N")
    assert volume.n_slices == 5 and volume.modality == "CT"
    with pytest.raises(UnsupportedImageError, match="sub-folders"):
        load_image(pydicom_dir / "dicomdirtests" / "77654033")


def test_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedImageError, match="no DICOM files"):
        load_image(tmp_path)


def _reference_radiological(path: Path) -> np.ndarray:
    """Independent expectation: canonical RAS data, slice k, anterior up, patient's right on the left."""
    canonical = nib.as_closest_canonical(nib.load(str(path)))
    data = np.asanyarray(canonical.dataobj)
    if data.ndim == 4:
        data = data[..., 0]
    k = data.shape[2] // 2
    return np.flipud(np.fliplr(data[:, :, k].T))


def test_nifti_display_is_radiological(nibabel_dir: Path) -> None:
    path = nibabel_dir / "anatomical.nii"
    volume = load_image(path)
    np.testing.assert_array_equal(volume.pixels[volume.middle_slice], _reference_radiological(path))
    zooms = nib.load(str(path)).header.get_zooms()
    assert volume.spacing == pytest.approx((zooms[2], zooms[1], zooms[0]))


def test_standard_nifti_orientation_by_value(nibabel_dir: Path) -> None:
    # standard.nii.gz (nibabel/tests/data/gen_standard.py) is RAS with data[i, j, k] = index; check the
    # corners explicitly: row 0 is the most anterior j, column 0 the most right (largest) i.
    path = nibabel_dir / "standard.nii.gz"
    data = np.asanyarray(nib.load(str(path)).dataobj)
    volume = load_image(path)
    ni, nj, _ = data.shape
    assert volume.pixels[2, 0, 0] == data[ni - 1, nj - 1, 2]
    assert volume.pixels[2, -1, -1] == data[0, 0, 2]


@pytest.mark.parametrize("axes", [(0,), (1,), (0, 2), (0, 1, 2)])
def test_flipped_affine_copy_renders_identically(tmp_path: Path, nibabel_dir: Path, axes: tuple[int, ...]) -> None:
    original = nib.load(str(nibabel_dir / "anatomical.nii"))
    data = np.asanyarray(original.dataobj)
    affine = original.affine.copy()
    flipped = data
    for axis in axes:
        flipped = np.flip(flipped, axis=axis)
        # voxel i' = n - 1 - i: x = A[:, axis] * (n - 1 - i') + ... -> negate the column, shift the origin.
        affine[:3, 3] += affine[:3, axis] * (data.shape[axis] - 1)
        affine[:3, axis] *= -1
    copy = nib.Nifti1Image(np.ascontiguousarray(flipped), affine, original.header)
    path = tmp_path / "flipped.nii.gz"
    nib.save(copy, str(path))
    a = load_image(nibabel_dir / "anatomical.nii")
    b = load_image(path)
    assert np.array_equal(a.pixels, b.pixels)
    for k in (0, a.middle_slice, a.n_slices - 1):
        assert np.array_equal(render_slice(a, k), render_slice(b, k))


def test_4d_volume_index(nibabel_dir: Path) -> None:
    path = nibabel_dir / "example4d.nii.gz"
    full = np.asanyarray(nib.as_closest_canonical(nib.load(str(path))).dataobj)
    first = load_image(path)
    second = load_image(path, volume_index=1)
    assert first.metadata["n_volumes"] == "2" and second.metadata["volume_index"] == "1"
    k = first.middle_slice
    assert np.array_equal(first.pixels[k], np.flipud(np.fliplr(full[:, :, k, 0].T)))
    assert np.array_equal(second.pixels[k], np.flipud(np.fliplr(full[:, :, k, 1].T)))
    assert not np.array_equal(first.pixels, second.pixels)
    with pytest.raises(ImageLoadError, match=r"volume index 2 out of range 0\.\.1"):
        load_image(path, volume_index=2)


def test_nifti_scaling_is_applied_in_float32(tmp_path: Path) -> None:
    data = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    image = nib.Nifti1Image(data, np.eye(4))
    image.header.set_slope_inter(0.5, -3.0)
    path = tmp_path / "scaled.nii"
    nib.save(image, str(path))
    volume = load_image(path)
    assert volume.pixels.dtype == np.float32
    assert float(volume.pixels.max()) == pytest.approx(data.max() * 0.5 - 3.0)


def test_truncated_and_garbage_nifti_are_refused(tmp_path: Path, nibabel_dir: Path) -> None:
    raw = (nibabel_dir / "anatomical.nii").read_bytes()
    truncated = tmp_path / "truncated.nii"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ImageLoadError, match="truncated") as info:
        load_image(truncated)
    assert info.value.path == truncated
    garbage = tmp_path / "garbage.nii.gz"
    garbage.write_bytes(gzip.compress(b"not a nifti header" * 10))
    with pytest.raises(ImageLoadError) as info:
        load_image(garbage)
    assert str(garbage) in str(info.value)
    cut_gz = tmp_path / "cut.nii.gz"
    cut_gz.write_bytes((nibabel_dir / "example4d.nii.gz").read_bytes()[:5000])
    with pytest.raises(ImageLoadError):
        load_image(cut_gz)


def test_rgb24_nifti_is_shown_in_colour_in_radiological_order(tmp_path) -> None:
    """NIfTI datatype 128 (RGB24) is a structured R, G, B array: it loads as RGB, oriented like greyscale."""
    import nibabel as nib

    from turingview.imaging import load_image
    from turingview.imaging.display import render_slice

    rgb = np.zeros((6, 5, 4), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    rgb["R"] = 200
    rgb["G"][0, :, :] = 90  # the patient's left-most plane (i = 0 in RAS+, where +i points to the right) ...
    path = tmp_path / "rgb.nii"
    nib.save(nib.Nifti1Image(rgb, np.eye(4)), path)
    grey = tmp_path / "grey.nii"
    nib.save(nib.Nifti1Image(rgb["G"].astype(np.int16), np.eye(4)), grey)

    volume = load_image(path)
    assert volume.photometric == "RGB" and volume.pixels.shape == (4, 5, 6, 3)
    shown = render_slice(volume, 2)
    assert shown.dtype == np.uint8 and shown.shape == (5, 6, 3)
    assert (shown[..., 0] == 200).all() and (shown[..., 2] == 0).all()
    # ... lands on the viewer's right (radiological convention), exactly where the greyscale reader puts it
    reference = load_image(grey).pixels[2]
    assert np.array_equal(shown[..., 1] == 90, reference == 90)
    assert (shown[:, -1, 1] == 90).all() and (shown[:, :-1, 1] == 0).all()


@pytest.mark.parametrize("axes", [(0, 1, 2), (2, 0, 1), (1, 2, 0)])
@pytest.mark.parametrize("flips", [(1, 1, 1), (-1, 1, 1), (1, -1, -1), (-1, -1, -1)])
def test_reorientation_equals_as_closest_canonical(tmp_path: Path, axes: tuple[int, int, int],
                                                   flips: tuple[int, int, int]) -> None:
    """Every permutation/flip of the voxel axes shows the same as nibabel's own as_closest_canonical."""
    rng = np.random.default_rng(abs(sum(axes) + 7 * sum(flips)))
    data = rng.integers(0, 1000, size=(7, 9, 11)).astype(np.int16)
    affine = np.zeros((4, 4))
    for voxel_axis, (world_axis, flip) in enumerate(zip(axes, flips, strict=True)):
        affine[world_axis, voxel_axis] = flip * (0.5 + voxel_axis)  # distinct zooms 0.5, 1.5, 2.5
    affine[3, 3] = 1.0
    path = tmp_path / "permuted.nii"
    nib.save(nib.Nifti1Image(data, affine), str(path))
    volume = load_image(path)
    canonical = nib.as_closest_canonical(nib.load(str(path)))
    expected = np.asanyarray(canonical.dataobj).transpose(2, 1, 0)[:, ::-1, ::-1]
    np.testing.assert_array_equal(volume.pixels, expected)
    zooms = canonical.header.get_zooms()
    assert volume.spacing == pytest.approx((zooms[2], zooms[1], zooms[0]))
