"""The audit on a stored study, the guarded opening and the command line (real databases, real files)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from turingview.cli.study_audit import EXIT_STRONG_CUE, audit_command, open_command
from turingview.core.domain import StudyStatus
from turingview.core.errors import InvalidInputError, StudyStateError
from turingview.study import create_study, get_study
from turingview.study.blinding_audit_run import audit_study, blinding_summary, latest_audit
from turingview.study.opening import open_study


def make_study(db_url: str, images, name: str) -> None:
    create_study(db_url, name, real_dirs=[images.real[0].parent], synthetic_dirs=[images.synthetic[0].parent],
                 readers=["R1"], seed=11)


def events(db_url: str, name: str, kind: str) -> list[dict]:
    from turingview.storage import store_scope

    with store_scope(db_url) as store:
        return [json.loads(e.body)["payload"] for e in store.events(store.study(name), kind)]


def test_float_synthetic_blocks_opening_until_override(db_url: str, make_image_set) -> None:
    # NIfTI without a modality is presented as float32 on a 1/256 grid: fractional values survive
    images = make_image_set(6, kind="nifti", synthetic={"dtype": "float32"})
    make_study(db_url, images, "float-cue")
    audit = audit_study(db_url, "float-cue")
    assert "pixel.dtype" in {c.key for c in audit.raw.strong}
    assert "pixel.non_integer_fraction" in {c.key for c in audit.unresolved_strong}
    assert latest_audit(db_url, "float-cue")["verdict"] == "blocked"

    with pytest.raises(StudyStateError, match="Non-integer intensities"):
        open_study(db_url, "float-cue")
    assert get_study(db_url, "float-cue").status is StudyStatus.DRAFT
    with pytest.raises(InvalidInputError, match="too short"):
        open_study(db_url, "float-cue", override_reason="ok")

    reason = "pilot run: readers only see windowed 8-bit images, fractions invisible"
    outcome = open_study(db_url, "float-cue", override_reason=reason)
    assert outcome.overridden and get_study(db_url, "float-cue").status is StudyStatus.OPEN
    (override,) = events(db_url, "float-cue", "blinding_override")
    assert override["override_reason"] == reason
    assert "pixel.non_integer_fraction" in override["unresolved_strong"]
    assert reason in events(db_url, "float-cue", "status_changed")[-1]["reason"]
    summary = blinding_summary(db_url, "float-cue")
    assert summary["override_reason"] == reason and summary["verdict"] == "blocked"
    assert "Non-integer intensities (for example fractional HU)" in summary["unresolved_strong"]
    with pytest.raises(StudyStateError, match="not draft"):
        open_study(db_url, "float-cue")


def test_header_cue_is_resolved_by_presentation_and_study_opens(sqlite_url: str, make_image_set) -> None:
    images = make_image_set(6, kind="dicom", real={"manufacturer": "ACME Medical"})
    make_study(sqlite_url, images, "hdr")
    outcome = open_study(sqlite_url, "hdr")
    assert not outcome.overridden
    assert "dicom.Manufacturer" in [c.key for c in outcome.audit.resolved_by_presentation]
    assert get_study(sqlite_url, "hdr").status is StudyStatus.OPEN
    assert events(sqlite_url, "hdr", "blinding_override") == []


def test_cli_audit_json_and_text(sqlite_url: str, make_image_set) -> None:
    images = make_image_set(6, kind="dicom", real={"manufacturer": "ACME Medical"})
    make_study(sqlite_url, images, "cli")
    runner = CliRunner()
    result = runner.invoke(audit_command, ["cli", "--db", sqlite_url, "--json", "--raw"])
    assert result.exit_code == EXIT_STRONG_CUE, result.output
    content = json.loads(result.output)
    assert content["presented"] is None and content["raw"]["n_real"] == 6
    assert content["unresolved_strong"] and "dicom.Manufacturer" in content["unresolved_strong"]
    both = runner.invoke(audit_command, ["cli", "--db", sqlite_url])
    assert both.exit_code == 0, both.output
    assert "Removed by the presentation step" in both.output and "DICOM Manufacturer" in both.output
    opened = runner.invoke(open_command, ["cli", "--db", sqlite_url])
    assert opened.exit_code == 0 and "is open" in opened.output
    assert len(events(sqlite_url, "cli", "artifact_saved")) == 3  # two audits + the one at opening
    assert latest_audit(sqlite_url, "cli")["verdict"] == "clean"


def test_cli_open_refusal_is_one_clear_error(sqlite_url: str, make_image_set) -> None:
    images = make_image_set(5, kind="nifti", synthetic={"dtype": "float32"})
    make_study(sqlite_url, images, "refuse")
    with pytest.raises(StudyStateError, match="cannot open"):
        CliRunner().invoke(open_command, ["refuse", "--db", sqlite_url], standalone_mode=False,
                           catch_exceptions=False)
    result = CliRunner().invoke(open_command, ["refuse", "--db", sqlite_url, "--override", "pilot, PI approved"])
    assert result.exit_code == 0 and "override" in result.output
