"""The study and audit commands, run as a user would: ``python -m turingview ...`` in a subprocess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tv_study_data import StudyFiles, read_manifest, write_manifest

from turingview.study import open_reader_package, set_study_status


def tv(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "turingview", *args], capture_output=True, text=True, timeout=120)


def test_study_commands_end_to_end(sqlite_url: str, study_files: StudyFiles, tmp_path: Path, make_rating) -> None:
    protocol = tmp_path / "protocol.txt"
    protocol.write_text("Rate realism.\n")
    created = tv("study", "create", "Chest CT", "--manifest", str(study_files.manifest), "--readers", "ann,bob",
                 "--seed", "77", "--repeat-fraction", "0.25", "--protocol", str(protocol), "--allow-changes",
                 "--db", sqlite_url)
    assert created.returncode == 0, created.stderr
    assert "created study 'Chest CT' (draft): 12 cases (6 real, 6 synthetic, 2 training)" in created.stdout
    assert "seed 77" in created.stdout

    listed = tv("study", "list", "--db", sqlite_url)
    assert listed.returncode == 0 and "Chest CT" in listed.stdout and "draft" in listed.stdout
    shown = tv("study", "show", "Chest CT", "--db", sqlite_url)
    assert shown.returncode == 0 and "readers:      ann, bob" in shown.stdout and "allow_changes=True" in shown.stdout

    set_study_status(sqlite_url, "Chest CT", "open", reason="test")
    pkg = tmp_path / "ann.tvpkg"
    exported = tv("study", "export-reader", "Chest CT", "--reader", "ann", "--out", str(pkg), "--db", sqlite_url)
    assert exported.returncode == 0, exported.stderr
    src = open_reader_package(pkg)
    for case in src.order()[2:6]:
        src.record_rating(make_rating(case.position, case.blinded_id, 2, seconds=case.position))
    src.close()
    imported = tv("study", "import-ratings", str(pkg), "--db", sqlite_url)
    assert imported.returncode == 0, imported.stderr
    assert "4 rating(s) added, 0 already present" in imported.stdout

    progress = tv("study", "progress", "Chest CT", "--db", sqlite_url)
    assert progress.returncode == 0
    ann = next(line for line in progress.stdout.splitlines() if line.startswith("ann"))
    assert "4/15" in ann and "1.5" in ann and ann.endswith("no")

    verified = tv("audit", "verify", "Chest CT", "--db", sqlite_url)
    assert verified.returncode == 0 and verified.stdout.startswith("OK: study 'Chest CT'")


def test_bad_manifest_is_one_line_on_stderr(sqlite_url: str, study_files: StudyFiles, tmp_path: Path) -> None:
    rows = read_manifest(study_files.manifest)
    rows[3]["truth"] = "fake"
    rows[5]["path"] = "real/nowhere.dcm"
    manifest = tmp_path / "bad.csv"
    for row in rows:
        row["path"] = str(study_files.root / row["path"])
    write_manifest(manifest, rows)
    result = tv("study", "create", "Bad", "--manifest", str(manifest), "--db", sqlite_url)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("turingview: error: study 'Bad' import refused, nothing was written: 2 problem(s)")
    assert "unknown truth label 'fake'" in lines[0] and "nowhere.dcm: no such file" in lines[0]
    assert "Traceback" not in result.stderr
    listed = tv("study", "show", "Bad", "--db", sqlite_url)
    assert listed.returncode == 5 and "no study named 'Bad'" in listed.stderr
