"""``turingview realism`` end to end: folders of real files, a stored study (artifact), typed errors."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import torch

from turingview.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
TINY = ["--device", "cpu", "--folds", "2", "--size", "32", "--epochs", "1", "--no-controls", "-q"]


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def _sample_rows() -> list[dict[str, str]]:
    if not (SAMPLE / "manifest.csv").exists():
        pytest.skip("sample_data is not in this checkout")
    with open(SAMPLE / "manifest.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["role"] == "study"]


def test_folders_of_real_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for row in _sample_rows():  # one sub-folder per patient, as the command expects
        dest = tmp_path / row["truth"] / row["patient"] / Path(row["path"]).name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / row["path"], dest)
    out_dir = tmp_path / "out"
    argv = [
        "realism",
        "--real",
        str(tmp_path / "real"),
        "--synthetic",
        str(tmp_path / "synthetic"),
        "--out",
        str(out_dir),
    ]
    code, _, err = _run([*argv, *TINY], capsys)
    assert code == 0, err
    content = json.loads((out_dir / "realism.json").read_text())
    assert content["n_test"] == 32 and content["device"]["type"] == "cpu"
    assert content["verdict"] in ("detectable", "inconclusive")  # 32 images: never "realistic"
    assert {r["case_id"].split("/")[0] for r in content["per_image"]} == {"real", "synthetic"}
    # Patient folders of the same name under both roots are one patient: folds keep its twins together.
    assert {r["group"] for r in content["per_image"]} == {r["patient"] for r in _sample_rows()}
    assert (out_dir / "roc.png").exists() and (out_dir / "spectrum.png").exists()


def test_stored_study_gets_a_realism_artifact(sqlite_url: str, tmp_path: Path, capsys) -> None:
    _sample_rows()
    from turingview.study import create_study, load_artifacts

    create_study(sqlite_url, "S", manifest=SAMPLE / "manifest.csv", readers=("r1",), seed=7)
    code, out, err = _run(
        ["realism", "--study", "S", "--db", sqlite_url, "--out", str(tmp_path / "o"), *TINY[:-1]], capsys
    )
    assert code == 0, err
    assert "device: cpu" in out and "verdict:" in out
    stored = load_artifacts(sqlite_url, "S", "realism")
    assert len(stored) == 1
    content = stored[0]
    assert content["study"] == "S" and content["n_test"] == 32
    rows = content["per_image"]
    assert {r["case_id"] for r in rows} == {r["case_id"] for r in _sample_rows()}
    assert all(r["blinded_id"] and "generator" in r for r in rows)
    assert {r["group"] for r in rows} == {r["patient"] for r in _sample_rows()}  # folds split by patient
    written = json.loads((tmp_path / "o" / "realism.json").read_text())
    assert written["per_image"] == rows and written["study"] == "S"  # the file and the artifact agree


def test_typed_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["realism", "--out", str(tmp_path)], capsys)
    assert code == 2 and "either --study NAME or both --real DIR and --synthetic DIR" in err
    code, _, err = _run(["realism", "--real", str(tmp_path), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "together" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _run(
        [
            "realism",
            "--real",
            str(tmp_path / "empty"),
            "--synthetic",
            str(tmp_path / "empty"),
            "--out",
            str(tmp_path / "o"),
            *TINY,
        ],
        capsys,
    )
    assert code == 2 and "no image files found" in err
    if not torch.cuda.is_available():
        code, _, err = _run(
            [
                "realism",
                "--real",
                str(tmp_path),
                "--synthetic",
                str(tmp_path),
                "--out",
                str(tmp_path / "o"),
                "--device",
                "cuda",
            ],
            capsys,
        )
        assert code == 2 and "CUDA" in err


def test_without_torch_the_command_says_which_extra_to_install(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import turingview.realism

    monkeypatch.setattr(turingview.realism, "torch_available", lambda: False)
    code, _, err = _run(
        ["realism", "--real", str(tmp_path), "--synthetic", str(tmp_path), "--out", str(tmp_path)], capsys
    )
    assert code == 1 and "turingview[realism]" in err


def test_study_artifact_carries_the_plots_as_png(sqlite_url: str, tmp_path: Path) -> None:
    _sample_rows()
    import base64

    from turingview.cli.realism import run_study_realism
    from turingview.realism import RealismConfig
    from turingview.study import create_study, load_artifacts

    create_study(sqlite_url, "F", manifest=SAMPLE / "manifest.csv", readers=("r1",), seed=3)
    config = RealismConfig(device="cpu", folds=2, size=32, epochs=1, controls=False)
    returned = run_study_realism(sqlite_url, "F", config=config, out_dir=tmp_path / "o")
    stored = load_artifacts(sqlite_url, "F", "realism")[-1]
    assert set(stored["figures"]) == {"roc", "saliency", "spectrum"} and "figure_notes" not in stored
    for kind, text in stored["figures"].items():
        data = base64.b64decode(text, validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert data == (tmp_path / "o" / f"{kind}.png").read_bytes()  # the very file written next to the JSON
    assert returned["figures"] == stored["figures"]
    written = json.loads((tmp_path / "o" / "realism.json").read_text())
    assert "figures" not in written and written["per_image"] == stored["per_image"]


def test_oversized_or_missing_plots_are_left_out_with_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from turingview.cli import realism as cli_realism

    small, big = tmp_path / "roc.png", tmp_path / "spectrum.png"
    small.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 400)
    monkeypatch.setattr(cli_realism, "MAX_FIGURE_BYTES", 300)
    figures, notes = cli_realism.encode_figures({"json": tmp_path / "realism.json", "roc": small, "spectrum": big})
    assert set(figures) == {"roc"}
    assert len(notes) == 1 and "spectrum.png" in notes[0] and str(big) in notes[0]
