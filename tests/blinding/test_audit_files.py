"""The blinding audit on real files: planted cues are flagged, clean sets are not, presentation removes header cues."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from turingview.core.domain import Truth
from turingview.core.errors import CancelledError
from turingview.imaging import load_image
from turingview.imaging.header_cues import file_cues
from turingview.study.blinding_audit import AuditItem, audit_files, audit_presented, make_study_audit
from turingview.study.presentation import decode_presented, present


def presented_items(items: list[AuditItem], modality: str | None = None) -> list[AuditItem]:
    return [AuditItem(i.case_id, i.truth, data=present(load_image(i.path), modality)) for i in items]


def test_float32_synthetic_versus_int16_real_is_flagged(make_image_set) -> None:
    images = make_image_set(8, kind="nifti", synthetic={"dtype": "float32"})
    report = audit_files(images.items)
    strong = {c.key for c in report.strong}
    assert {"pixel.dtype", "nifti.datatype", "pixel.non_integer_fraction"} <= strong
    dtype = report.cue("pixel.dtype")
    assert dtype.auc == 1.0 and "float32" in dtype.finding
    assert "int16" in dtype.remedy


def test_clean_set_has_no_strong_or_moderate_cue(make_image_set) -> None:
    images = make_image_set(10, kind="nifti")
    report = audit_files(images.items)
    assert report.strong == () and report.moderate == ()
    assert report.n_identical > 10  # header fields, dtype, matrix, file size: identical everywhere
    audit = make_study_audit("clean", report, audit_presented(presented_items(images.items), decode_presented))
    assert audit.verdict == "clean"


def test_manufacturer_only_on_real_files_is_flagged_raw_and_gone_when_presented(make_image_set) -> None:
    images = make_image_set(8, kind="dicom", real={"manufacturer": "ACME Medical"})
    raw = audit_files(images.items)
    manufacturer = raw.cue("dicom.Manufacturer")
    assert manufacturer is not None and manufacturer.strength == "strong"
    assert "ACME Medical" in manufacturer.details["real_values"]
    presented = audit_presented(presented_items(images.items, "CT"), decode_presented)
    assert presented.cue("dicom.Manufacturer") is None
    assert presented.strong == ()
    audit = make_study_audit("s", raw, presented)
    assert "dicom.Manufacturer" in [c.key for c in audit.resolved_by_presentation]
    assert audit.unresolved_strong == ()
    assert audit.to_dict()["resolved_by_presentation"]


def test_non_integer_intensities_survive_presentation_unless_rounded(make_image_set) -> None:
    images = make_image_set(8, kind="nifti", synthetic={"dtype": "float32"})
    as_mr = audit_presented(presented_items(images.items, "MR"), decode_presented)
    assert "pixel.non_integer_fraction" in {c.key for c in as_mr.strong}
    assert "survives the presentation step" in as_mr.cue("pixel.non_integer_fraction").remedy
    assert make_study_audit("s", None, as_mr).verdict == "blocked"
    as_ct = audit_presented(presented_items(images.items, "CT"), decode_presented)  # CT: whole HU for both
    assert as_ct.strong == ()


def test_derived_image_type_and_uid_root_are_flagged(make_image_set) -> None:
    images = make_image_set(
        6, kind="dicom", synthetic={"derived": True, "uid_root": "1.2.3.4444"}, real={"uid_root": "1.2.840.5555"}
    )
    raw = audit_files(images.items)
    strong = {c.key for c in raw.strong}
    assert {"dicom.ImageType.derived", "dicom.SOPInstanceUID", "dicom.StudyInstanceUID"} <= strong


def test_unreadable_file_is_a_problem_naming_it(make_image_set, tmp_path: Path) -> None:
    images = make_image_set(4, kind="nifti")
    broken = tmp_path / "broken.nii"
    broken.write_bytes(b"not an image at all" * 10)
    items = [*images.items, AuditItem("BROKEN", Truth.SYNTHETIC, broken)]
    report = audit_files(items)
    assert len(report.problems) == 1 and "BROKEN" in report.problems[0] and "broken.nii" in report.problems[0]
    assert report.n_synthetic == 4


def test_tiny_study_is_not_graded(make_image_set) -> None:
    images = make_image_set(2, kind="nifti", synthetic={"dtype": "float32"})
    report = audit_files(images.items)
    assert report.strong == ()
    assert report.cue("pixel.dtype").strength == "too few cases"


def test_progress_and_cancel(make_image_set) -> None:
    images = make_image_set(3, kind="nifti")
    seen: list[tuple[int, int]] = []
    audit_files(images.items, progress=lambda d, t, m: seen.append((d, t)))
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)
    with pytest.raises(CancelledError, match="after 2 of 6"):
        audit_files(images.items, cancel=lambda: len(seen) > 8, progress=lambda d, t, m: seen.append((d, t)))


def test_file_cues_on_shipped_test_files() -> None:
    import nibabel
    import pydicom.data

    ct = file_cues(pydicom.data.get_testdata_file("CT_small.dcm"))
    assert ct["file.format"] == "dicom" and ct["dicom.Manufacturer"] == "GE MEDICAL SYSTEMS"
    assert ct["geometry.matrix"] == "128x128" and ct["pixel.dtype"] == "int16"
    jpeg = file_cues(pydicom.data.get_testdata_file("JPEG2000.dcm"))
    assert jpeg["file.compressed"] == "compressed"
    nii = file_cues(Path(nibabel.__file__).parent / "tests" / "data" / "example4d.nii.gz")
    assert nii["file.format"] == "nifti1" and nii["file.compression"] == "gzip"
    assert np.isfinite(nii["pixel.max"])


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom warns about its deliberately odd test files
def test_every_shipped_dicom_and_nifti_file_gives_cues_or_a_typed_error() -> None:
    """No reader failure escapes untyped: the audit lists unreadable files as problems, naming them."""
    import nibabel
    import pydicom.data

    from turingview.core.errors import ImageLoadError

    folder = Path(pydicom.data.get_testdata_file("CT_small.dcm")).parent
    files = sorted(folder.glob("*.dcm")) + sorted((Path(nibabel.__file__).parent / "tests" / "data").glob("*.nii*"))
    described = refused = 0
    for path in files:
        try:
            cues = file_cues(path)
        except ImageLoadError as error:
            assert path.name in str(error)
            refused += 1
        else:
            assert cues["file.format"] in ("dicom", "nifti1", "nifti2") and cues["geometry.rows"] >= 1
            described += 1
    assert described > 40 and refused < described
