"""Building the data set: resampling, validation, volumes rendered as readers see them, folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from turingview.core.errors import ImportProblemsError, InvalidInputError
from turingview.imaging.volume import ImageVolume, Window
from turingview.realism import RealismConfig, RealismDataset
from turingview.realism.data import normalise_robust, resize_square


def test_importing_the_package_does_not_import_torch() -> None:
    code = "import sys, turingview.realism, turingview.realism.result; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_area_downsampling_is_the_block_mean_and_square_size_is_untouched() -> None:
    x = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    np.testing.assert_allclose(resize_square(x, 16), x.reshape(16, 4, 16, 4).mean(axis=(1, 3)), rtol=1e-5)
    assert resize_square(x, 64) is x or np.array_equal(resize_square(x, 64), x)
    wide = np.ones((10, 20), dtype=np.float32)
    wide[0, 0] = 0.0
    out = resize_square(wide, 40)
    assert out.shape == (40, 40)
    assert out[:8].max() == pytest.approx(0.0)  # the padding (the image minimum) sits above and below


def test_robust_normalisation() -> None:
    x = np.arange(1000, dtype=np.float32).reshape(25, 40)
    y = normalise_robust(x)
    assert y.min() == 0.0 and y.max() == 1.0 and y.dtype == np.float32
    assert np.array_equal(normalise_robust(np.full((8, 8), 7.0)), np.zeros((8, 8)))


def test_dataset_validation_names_the_problem() -> None:
    with pytest.raises(InvalidInputError, match="synthetic images"):
        RealismDataset.from_arrays([np.zeros((16, 16))], [])
    with pytest.raises(InvalidInputError, match="2D image of at least 8x8"):
        RealismDataset.from_arrays([np.zeros((16, 16))], [np.zeros((4, 4))])
    with pytest.raises(InvalidInputError, match="device"):
        RealismConfig(device="tpu")
    with pytest.raises(InvalidInputError, match="folds"):
        RealismConfig(folds=1)


def test_from_volumes_renders_the_readers_view() -> None:
    ct = np.linspace(-1000, 1000, 3 * 32 * 32, dtype=np.float32).reshape(3, 32, 32)
    vol = ImageVolume(ct, windows=(Window(0, 400),), modality="CT")
    rgb = ImageVolume(np.full((1, 16, 16, 3), 200, np.uint8), photometric="RGB")
    ds = RealismDataset.from_volumes([(vol, 0, "p1", "c1"), (rgb, 1, "p2", "c2")])
    assert len(ds) == 2 and ds.slices.tolist() == [1, 0]
    assert ds.images[0].min() == 0.0 and ds.images[0].max() == 1.0  # the stored soft-tissue window clips
    assert ds.images[1].shape == (16, 16) and ds.images[1].mean() == pytest.approx(200 / 255, abs=1e-3)
    every = RealismDataset.from_volumes([(vol, 0, "p1", "c1"), (rgb, 1, "p2", "c2")], slices="all")
    assert every.case_ids == ("c1", "c1", "c1", "c2") and every.groups.tolist() == ["p1", "p1", "p1", "p2"]


def test_from_dirs_groups_by_patient_folder_and_refuses_bad_files(tmp_path: Path) -> None:
    from pydicom.data import get_testdata_file

    real, synth = tmp_path / "real", tmp_path / "synth"
    for k in range(2):
        (real / f"pat{k}").mkdir(parents=True)
        (real / f"pat{k}" / "ct.dcm").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes())
    synth.mkdir()
    (synth / "mr.dcm").write_bytes(Path(get_testdata_file("MR_small.dcm")).read_bytes())
    (synth / "notes.txt").write_text("ignored")
    ds = RealismDataset.from_dirs(real, synth)
    assert sorted(ds.groups.tolist()) == ["pat0", "pat1", "synthetic/mr.dcm"]
    assert "real/pat0/ct.dcm" in ds.case_ids
    # The same patient folder under both roots is one group (a synthetic image derived from that patient).
    (synth / "pat0").mkdir()
    (synth / "pat0" / "derived.dcm").write_bytes(Path(get_testdata_file("CT_small.dcm")).read_bytes())
    ds = RealismDataset.from_dirs(real, synth)
    assert sorted(ds.labels[ds.groups == "pat0"].tolist()) == [0, 1]
    (synth / "broken.dcm").write_bytes(b"not an image at all")
    with pytest.raises(ImportProblemsError, match=r"broken\.dcm"):
        RealismDataset.from_dirs(real, synth)
