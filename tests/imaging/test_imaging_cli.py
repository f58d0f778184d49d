"""``turingview inspect`` and ``turingview render`` through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from turingview.cli import main
from turingview.imaging import load_image
from turingview.imaging.display import render_slice
from turingview.imaging.presets import PRESETS


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    return int(info.value.code or 0), captured.out, captured.err


def test_inspect_text_and_json(ct_small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["inspect", str(ct_small)], capsys)
    assert code == 0
    for words in (
        "format:          dicom",
        "modality:        CT",
        "1 x 128 x 128",
        "int16",
        "MONOCHROME2",
        "Explicit VR Little Endian",
        "default window",
    ):
        assert words in out
    code, out, _ = _run(["inspect", str(ct_small), "--json"], capsys)
    info = json.loads(out)
    assert info["shape"] == [1, 128, 128] and info["modality"] == "CT"
    assert info["spacing"][1] == pytest.approx(0.661468)
    assert info["windows"] == [] and info["default_window"]["name"] == "auto"


def test_inspect_nifti_4d(nibabel_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["inspect", str(nibabel_dir / "example4d.nii.gz"), "--json", "--volume", "1"], capsys)
    assert code == 0 and json.loads(out)["format"] == "nifti"


def test_render_writes_what_the_reader_sees(ct_small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "lung.png"
    code, stdout, _ = _run(["render", str(ct_small), "--out", str(out), "--preset", "ct-lung"], capsys)
    assert code == 0 and "wrote" in stdout
    expected = render_slice(load_image(ct_small), 0, PRESETS["ct-lung"])
    assert np.array_equal(np.asarray(Image.open(out)), expected)
    out2 = tmp_path / "w.png"
    assert _run(["render", str(ct_small), "--out", str(out2), "--window", "-600,1500"], capsys)[0] == 0
    assert out2.read_bytes() == out.read_bytes()  # same window, same bytes


def test_render_default_is_the_middle_slice(
    nibabel_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = nibabel_dir / "example4d.nii.gz"
    out = tmp_path / "mid.png"
    assert _run(["render", str(path), "--out", str(out)], capsys)[0] == 0
    volume = load_image(path)
    assert np.array_equal(np.asarray(Image.open(out)), render_slice(volume, volume.middle_slice))
    out3 = tmp_path / "s3.png"
    assert _run(["render", str(path), "--out", str(out3), "--slice", "3", "--volume", "1"], capsys)[0] == 0
    assert np.array_equal(np.asarray(Image.open(out3)), render_slice(load_image(path, volume_index=1), 3))


def test_render_frame_of_multiframe(pydicom_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "f.png"
    assert (
        _run(["render", str(pydicom_dir / "SC_rgb_rle_2frame.dcm"), "--out", str(out), "--frame", "1"], capsys)[0] == 0
    )
    assert np.asarray(Image.open(out)).shape == (100, 100, 3)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--window", "40"], "CENTER,WIDTH"),
        (["--window", "40,0"], "WIDTH must be >= 1"),
        (["--preset", "ct-nope"], "unknown window preset"),
        (["--preset", "ct-lung", "--window", "1,2"], "either --window or --preset"),
        (["--slice", "5"], "slice 5 out of range 0..0"),
    ],
)
def test_render_bad_options_are_one_line(
    ct_small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    code, _, err = _run(["render", str(ct_small), "--out", str(tmp_path / "x.png"), *args], capsys)
    assert code != 0 and words in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.png").exists()


def test_bad_files_exit_non_zero_without_traceback(pydicom_dir: Path, tmp_path: Path) -> None:
    for path in (pydicom_dir / "rtplan.dcm", pydicom_dir / "MR_truncated.dcm", tmp_path / "missing.dcm"):
        for argv in (["inspect", str(path)], ["render", str(path), "--out", str(tmp_path / "o.png")]):
            result = subprocess.run([sys.executable, "-m", "turingview", *argv], capture_output=True, text=True)
            assert result.returncode == 3, result.stderr
            assert result.stderr.startswith("turingview: error: ") and str(path) in result.stderr
            assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1


def test_help_on_both_commands(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("inspect", "render"):
        code, out, _ = _run([command, "--help"], capsys)
        assert code == 0 and "Usage:" in out
