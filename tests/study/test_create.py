"""Study creation: counts, all-or-nothing import, cancel, reproducible orders, clone, status, artifacts."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from tv_study_data import (
    GENERATOR,
    StudyFiles,
    create_open_study,
    read_manifest,
    write_manifest,
    write_nifti,
    write_pngs,
)

from turingview.core.domain import StudyStatus
from turingview.core.errors import (
    CancelledError,
    ImportProblemsError,
    InvalidInputError,
    NotFoundError,
    StudyStateError,
)
from turingview.storage import store_scope
from turingview.study import (
    add_reader,
    archive_study,
    case_records,
    clone_study,
    create_study,
    get_study,
    list_studies,
    load_artifacts,
    save_artifact,
    set_study_status,
    verify_audit_chain,
)

TABLES = ("study", "case_", "presented_image", "reader", "assignment", "assignment_item", "rating", "audit_event",
          "reader_package", "artifact")


def _counts(db_url: str) -> dict[str, int]:
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def _orders(db_url: str, name: str) -> dict[str, list[tuple[str, bool, bool]]]:
    with store_scope(db_url) as store:
        study = store.study(name)
        labels = {c.id: c.label for c in store.cases(study)}
        return {code: [(labels[i.case_id], i.is_training, i.is_repeat) for i in store.order(a.id)]
                for a, code in store.assignments(study)}


def test_create_from_manifest_on_both_engines(db_url: str, study_files: StudyFiles) -> None:
    seen: list[tuple[int, int]] = []
    summary = create_study(db_url, "S", manifest=study_files.manifest, readers=["r1", "r2"], seed=9,
                           repeat_fraction=0.25, progress=lambda d, t, m: seen.append((d, t)))
    assert summary.status is StudyStatus.DRAFT
    assert (summary.n_cases, summary.n_real, summary.n_synthetic, summary.n_training) == (12, 6, 6, 2)
    assert summary.readers == ("r1", "r2") and summary.seed == 9
    assert seen and seen[-1][0] == seen[-1][1] and all(b >= a for (a, _), (b, _) in itertools.pairwise(seen))
    orders = _orders(db_url, "S")
    for order in orders.values():
        assert [t for _, t, _ in order[:2]] == [True, True]  # training block first
        assert sum(r for _, _, r in order) == 3  # round(0.25 * 12)
    records = {r["case_id"]: r for r in case_records(db_url, "S")}
    synth = next(r for r in records.values() if r["truth"] == "synthetic")
    assert synth["generator"] == GENERATOR and synth["generator_version"] == "3.1.4"
    real = records["real/real_case_001.dcm"]
    assert (real["sex"], real["age_band"], real["site"], real["patient"]) == ("F", "40-59", "siteA", "P001")
    assert verify_audit_chain(db_url, "S").ok
    assert [s.name for s in list_studies(db_url)] == ["S"]


def test_same_seed_gives_identical_orders(sqlite_url: str, study_files: StudyFiles) -> None:
    create_study(sqlite_url, "A", manifest=study_files.manifest, readers=["r1", "r2"], seed=123, repeat_fraction=0.2)
    create_study(sqlite_url, "B", manifest=study_files.manifest, readers=["r1", "r2"], seed=123, repeat_fraction=0.2)
    create_study(sqlite_url, "C", manifest=study_files.manifest, readers=["r1", "r2"], seed=124, repeat_fraction=0.2)
    a, b, c = _orders(sqlite_url, "A"), _orders(sqlite_url, "B"), _orders(sqlite_url, "C")
    assert a == b
    assert a["r1"] != a["r2"] and a != c


def _bad_copy(files: StudyFiles, tmp_path: Path) -> tuple[Path, list[dict[str, str]]]:
    root = tmp_path / "bad"
    shutil.copytree(files.root, root, ignore=shutil.ignore_patterns("*.db*"))
    return root / "manifest.csv", read_manifest(root / "manifest.csv")


def test_bad_manifest_changes_nothing_and_lists_every_problem(sqlite_url: str, study_files: StudyFiles,
                                                               tmp_path: Path) -> None:
    create_study(sqlite_url, "existing", manifest=study_files.manifest, readers=["r1"], seed=1)
    before = _counts(sqlite_url)
    manifest, rows = _bad_copy(study_files, tmp_path)
    root = manifest.parent
    (root / "real" / "broken.dcm").write_bytes(b"\0" * 128 + b"DICM" + b"\x02\x00garbage")
    shutil.copy(root / "real" / "real_case_000.dcm", root / "synthetic" / "copy_of_real.dcm")
    rows += [
        {**rows[0], "path": "real/missing.dcm"},
        {**rows[0], "path": "real/broken.dcm"},
        {**rows[0], "path": "real/real_case_002.dcm", "truth": "maybe"},
        {**rows[-1], "path": "synthetic/copy_of_real.dcm"},
        {**rows[0], "path": ""},
        {**rows[-1], "path": "synthetic/extra_a.nii.gz", "case_id": "dup"},
        {**rows[-1], "path": "synthetic/extra_b.nii.gz", "case_id": "dup"},
    ]
    write_nifti(root / "synthetic" / "extra_a.nii.gz", np.full((8, 8), 5.0))
    write_nifti(root / "synthetic" / "extra_b.nii.gz", np.full((8, 8), 7.0))
    write_manifest(manifest, rows)
    with pytest.raises(ImportProblemsError) as info:
        create_study(sqlite_url, "bad", manifest=manifest, readers=["r1", "r2"], seed=2)
    text = str(info.value)
    assert "missing.dcm: no such file" in text
    assert "unknown truth label 'maybe'" in text
    assert "copy_of_real.dcm: duplicate content (real and synthetic)" in text
    assert "missing path" in text
    assert "case_id 'dup' is used by another row" in text
    assert len(info.value.problems) == 5  # the unreadable image is found in the load phase, after these
    assert _counts(sqlite_url) == before
    rows = [r for r in rows if r["path"] not in ("real/missing.dcm", "synthetic/copy_of_real.dcm", "")
            and r["truth"] != "maybe" and r.get("case_id") != "dup"]
    write_manifest(manifest, rows)
    with pytest.raises(ImportProblemsError, match=r"broken\.dcm"):
        create_study(sqlite_url, "bad", manifest=manifest, readers=["r1"], seed=2)
    assert _counts(sqlite_url) == before
    assert [s.name for s in list_studies(sqlite_url)] == ["existing"]


def test_cancel_leaves_nothing_behind(sqlite_url: str, study_files: StudyFiles) -> None:
    create_study(sqlite_url, "keep", manifest=study_files.manifest, seed=1)
    before = _counts(sqlite_url)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 20  # during the presentation phase

    with pytest.raises(CancelledError):
        create_study(sqlite_url, "gone", manifest=study_files.manifest, readers=["r1"], cancel=cancel)
    assert _counts(sqlite_url) == before


def test_folders_without_manifest(sqlite_url: str, tmp_path: Path) -> None:
    real = write_pngs(tmp_path / "real_pngs", 5, size=16, seed=1)
    write_pngs(tmp_path / "gan_v2", 7, size=16, seed=2)
    summary = create_study(sqlite_url, "dirs", real_dirs=[real[0].parent], synthetic_dirs=[tmp_path / "gan_v2"],
                           readers=["a"])
    assert (summary.n_real, summary.n_synthetic) == (5, 7)
    gens = {r["generator"] for r in case_records(sqlite_url, "dirs") if r["truth"] == "synthetic"}
    assert gens == {"gan_v2"}


def test_validation_errors(sqlite_url: str, study_files: StudyFiles, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="repeat fraction"):
        create_study(sqlite_url, "x", manifest=study_files.manifest, repeat_fraction=0.9)
    with pytest.raises(InvalidInputError, match="listed twice"):
        create_study(sqlite_url, "x", manifest=study_files.manifest, readers=["a", "a"])
    with pytest.raises(InvalidInputError, match="study name"):
        create_study(sqlite_url, "  ", manifest=study_files.manifest)
    only_real = tmp_path / "only_real.csv"
    write_manifest(only_real, [{"path": str(p), "truth": "real"} for p in study_files.real[:2]])
    with pytest.raises(ImportProblemsError, match="no synthetic study cases"):
        create_study(sqlite_url, "x", manifest=only_real)
    create_study(sqlite_url, "x", manifest=study_files.manifest)
    with pytest.raises(InvalidInputError, match="already exists"):
        create_study(sqlite_url, "x", manifest=study_files.manifest)


def test_status_transitions_are_audited(sqlite_url: str, study_files: StudyFiles) -> None:
    create_study(sqlite_url, "S", manifest=study_files.manifest, seed=1)
    with pytest.raises(StudyStateError, match="no readers"):
        set_study_status(sqlite_url, "S", "open", reason="too early")
    add_reader(sqlite_url, "S", "late")
    assert set_study_status(sqlite_url, "S", StudyStatus.OPEN, reason="audit passed").status is StudyStatus.OPEN
    with pytest.raises(StudyStateError, match="cannot become draft"):
        set_study_status(sqlite_url, "S", "draft", reason="x")
    set_study_status(sqlite_url, "S", "closed", reason="done")
    archive_study(sqlite_url, "S")
    with pytest.raises(StudyStateError):
        add_reader(sqlite_url, "S", "another")
    with store_scope(sqlite_url) as store:
        kinds = [e.kind for e in store.events(store.study("S"))]
    assert kinds[-3:] == ["status_changed"] * 3 and "order_generated" in kinds
    with pytest.raises(NotFoundError):
        get_study(sqlite_url, "nope")


def test_clone_copies_cases_with_fresh_ids_and_orders(sqlite_url: str, study_files: StudyFiles) -> None:
    create_open_study(sqlite_url, study_files, "S", seed=5)
    clone = clone_study(sqlite_url, "S", "S2", seed=6)
    assert clone.status is StudyStatus.DRAFT and clone.readers == ("r1", "r2") and clone.n_cases == 12
    a, b = case_records(sqlite_url, "S"), case_records(sqlite_url, "S2")
    assert sorted(r["sha256"] for r in a) == sorted(r["sha256"] for r in b)
    assert not {r["blinded_id"] for r in a} & {r["blinded_id"] for r in b}
    assert verify_audit_chain(sqlite_url, "S").ok and verify_audit_chain(sqlite_url, "S2").ok


def test_artifacts_are_stored_and_audited(sqlite_url: str, study_files: StudyFiles) -> None:
    create_study(sqlite_url, "S", manifest=study_files.manifest, seed=1)
    save_artifact(sqlite_url, "S", "realism", {"auc": 0.61, "folds": [0.6, 0.62]})
    save_artifact(sqlite_url, "S", "realism", {"auc": 0.58})
    assert load_artifacts(sqlite_url, "S", "realism") == [{"auc": 0.61, "folds": [0.6, 0.62]}, {"auc": 0.58}]
    assert load_artifacts(sqlite_url, "S", "other") == []
    with pytest.raises(InvalidInputError, match="plain JSON"):
        save_artifact(sqlite_url, "S", "realism", {"bad": object()})
    assert get_study(sqlite_url, "S").audit_events == 4


def test_training_count_holds_out_balanced_cases_reproducibly(sqlite_url: str, study_files: StudyFiles) -> None:
    a = create_study(sqlite_url, "A", manifest=study_files.manifest, readers=["r"], seed=4, training_count=3)
    create_study(sqlite_url, "B", manifest=study_files.manifest, readers=["r"], seed=4, training_count=3)
    assert (a.n_cases, a.n_training, a.n_real, a.n_synthetic) == (9, 5, 4, 5)
    held = {r["case_id"] for r in case_records(sqlite_url, "A") if r["role"] == "training"}
    assert held == {r["case_id"] for r in case_records(sqlite_url, "B") if r["role"] == "training"}
    with pytest.raises(ImportProblemsError, match="cannot hold out 6 real"):
        create_study(sqlite_url, "C", manifest=study_files.manifest, seed=4, training_count=12)
