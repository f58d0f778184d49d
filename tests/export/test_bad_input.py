"""Bad ratings input: one typed error naming the row, one line on stderr, a non-zero exit, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import run_cli

from turingview.core.errors import InvalidInputError
from turingview.export.analysis import run_analysis

HEADER = "reader,case,score,truth\n"
GOOD = ["R1,C1,1,synthetic", "R1,C2,5,real", "R2,C1,2,synthetic", "R2,C2,4,real"]


def _csv(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "header", "expected"),
    [
        ([*GOOD[:2], "R2,C1,2,fake", *GOOD[3:]], HEADER, ["line 4", "unknown truth label 'fake'"]),
        ([*GOOD[:3], "R2,C2,6,real"], HEADER, ["line 5", "score 6 is outside the scale 1..5"]),
        ([*GOOD[:1], "R1,C2,0,real", *GOOD[2:]], HEADER, ["line 3", "score 0 is outside the scale 1..5"]),
        ([*GOOD[:1], "R1,C2,4.5,real", *GOOD[2:]], HEADER, ["line 3", "'4.5' is not an integer"]),
        ([*GOOD[:1], "R1,C2,high,real", *GOOD[2:]], HEADER, ["line 3", "'high' is not an integer"]),
        ([*GOOD, "R1,C1,3,synthetic"], HEADER, ["line 6", "duplicate rating of reader 'R1' and case 'C1'",
                                                "first at bad.csv line 2", "repeat=1"]),
        (["R1,C1,1", "R1,C2,5"], "reader,case,rating\n", ["line 1", "missing required column(s) score"]),
        ([*GOOD[:3], "R2,C2,4,synthetic"], HEADER, ["line 5", "case 'C2' has truth 'synthetic'",
                                                     "'real' at bad.csv line 3"]),
        ([*GOOD[:1], ",C2,4,real"], HEADER, ["line 3", "empty reader id"]),
        ([*GOOD[:1], "R1,C2,4,"], HEADER, ["line 3", "missing truth label"]),
        (["R1,C1,1,synthetic,0", "R1,C1,2,synthetic,2"], "reader,case,score,truth,repeat\n",
         ["line 3", "repeat '2' must be 0"]),
    ],
    ids=["unknown-truth", "score-above", "score-zero", "score-fraction", "score-text", "duplicate",
         "missing-column", "truth-conflict", "empty-reader", "empty-truth", "bad-repeat"],
)
def test_bad_rows_give_one_line_naming_the_row(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                               lines: list[str], header: str, expected: list[str]) -> None:
    path = _csv(tmp_path, lines, header)
    out = tmp_path / "out"
    code, _, err = run_cli(["analyze", str(path), "--out", str(out)], capsys)
    assert code == InvalidInputError.exit_code != 0
    assert err.count("\n") == 1 and err.startswith("turingview: error: bad.csv line")
    for fragment in expected:
        assert fragment in err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_repeat_marker_makes_a_second_read_legal(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["R1,C1,1,synthetic,0", "R1,C2,5,real,0", "R1,C1,2,synthetic,1"],
                "reader,case,score,truth,repeat\n")
    results = run_analysis(path, out_dir=tmp_path / "out", report=False)
    assert results["data"]["n_repeat_reads"] == 1


def test_records_errors_name_the_record(tmp_path: Path) -> None:
    records = [{"reader": "R1", "case": "C1", "score": 2, "truth": "real"},
               {"reader": "R1", "case": "C2", "score": 9, "truth": "synthetic"}]
    with pytest.raises(InvalidInputError, match=r"record 2: score 9 is outside the scale 1\.\.5"):
        run_analysis(records, out_dir=tmp_path / "out", report=False)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--threshold", "5"], "threshold 5 must be an integer in 1..4"),
    (["--margin", "0.7"], "margin 0.7 must lie strictly between 0 and 0.5"),
    (["--scale", "0-5"], "the scale must start at 1"),
    (["--scale", "1-x"], "is not a scale like 1-5"),
])
def test_bad_options_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                  fragment: str) -> None:
    path = _csv(tmp_path, GOOD)
    code, _, err = run_cli(["analyze", str(path), "--out", str(tmp_path / "o"), *args], capsys)
    assert code == 2 and fragment in err and err.count("\n") == 1


def test_missing_file_and_both_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["analyze", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "nope.csv: cannot read the ratings file" in err
    code, _, err = run_cli(["analyze", "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and "give either RATINGS.csv or --study NAME" in err


def test_scale_option_changes_the_valid_range(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["R1,C1,1,synthetic", "R1,C2,7,real", "R2,C1,2,synthetic", "R2,C2,6,real"])
    results = run_analysis(path, out_dir=tmp_path / "out", scale_k=7, report=False)
    assert results["conventions"]["scale"] == [1, 7]
    with pytest.raises(InvalidInputError, match=r"line 3: score 7 is outside the scale 1\.\.5"):
        run_analysis(path, out_dir=tmp_path / "out2", report=False)


def test_output_folder_that_is_a_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _csv(tmp_path, GOOD)
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    code, _, err = run_cli(["analyze", str(path), "--out", str(blocker)], capsys)
    assert code == 2 and "the output folder is a file" in err and err.count("\n") == 1
