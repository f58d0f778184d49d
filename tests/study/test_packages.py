"""Reader packages: nothing identifying inside, tamper-evident, idempotent import, foreign packages refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from tv_study_data import GENERATOR, GENERATOR_VERSION, INSTITUTION, PATIENT_PREFIX, StudyFiles, create_open_study

from turingview.core.errors import IntegrityError, NotFoundError, StudyStateError
from turingview.study import (
    case_records,
    export_reader_package,
    import_ratings,
    open_reader_package,
    ratings_records,
    set_study_status,
    verify_audit_chain,
)

NEUTRAL_SCALE = ("one", "two", "three", "four", "five")
NEUTRAL_PROTOCOL = "Rate each image on the scale shown."


@pytest.fixture
def neutral_study(sqlite_url: str, study_files: StudyFiles) -> str:
    """An open study whose protocol and scale wording avoid the words 'real' and 'synthetic'."""
    create_open_study(sqlite_url, study_files, "S", protocol_text=NEUTRAL_PROTOCOL, scale_labels=NEUTRAL_SCALE,
                      repeat_fraction=0.25, allow_changes=True, artefact_flags=("grid", "blur"))
    return sqlite_url


def _rate_all(path: Path, make_rating, *, start: int = 2, stop: int | None = None) -> int:
    src = open_reader_package(path)
    order = src.order()
    n = 0
    for case in order[start:stop]:
        src.record_rating(make_rating(case.position, case.blinded_id, 1 + case.position % 5, seconds=case.position))
        n += 1
    src.close()
    return n


def test_package_holds_no_truth_paths_generator_subgroups_or_uids(neutral_study: str, study_files: StudyFiles,
                                                                   tmp_path: Path) -> None:
    pkg = export_reader_package(neutral_study, "S", "r1", tmp_path / "r1.tvpkg")
    raw = pkg.read_bytes()
    cases = case_records(neutral_study, "S")
    study_cases = [c for c in cases if c["role"] == "study"]
    forbidden: list[str] = ["real", "synthetic", "Real", "Synthetic", GENERATOR, GENERATOR_VERSION, PATIENT_PREFIX,
                            INSTITUTION, "siteA", "siteB", "40-59", ".dcm", ".nii", str(study_files.root)]
    forbidden += study_files.uids
    for case in cases:
        forbidden += [case["path"], Path(case["path"]).name, case["case_id"], case["sha256"]]
    for needle in forbidden:
        assert needle.encode() not in raw, f"{needle!r} found in the package bytes"
        assert needle.encode("utf-16-le") not in raw
    # Structure: no table or column may hold those values, nor be named after them.
    conn = sqlite3.connect(pkg)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
        for table, cols in columns.items():
            for col in cols:
                assert not any(word in col.lower() for word in ("truth", "path", "generator", "sex", "age", "site",
                                                                "scanner", "patient", "repeat", "file")), (table, col)
                values = {str(v[0]) for v in conn.execute(f'SELECT "{col}" FROM {table}') if v[0] is not None}
                assert not values & {"real", "synthetic", GENERATOR, GENERATOR_VERSION}, (table, col)
                assert not values & {c["path"] for c in cases}
        # only the two training cases have feedback; no study case's class is stored in any form
        feedback = {r[0] for r in conn.execute("SELECT blinded_id FROM training_feedback")}
        assert feedback == {c["blinded_id"] for c in cases if c["role"] == "training"}
        assert not feedback & {c["blinded_id"] for c in study_cases}
        order = [r[0] for r in conn.execute("SELECT blinded_id FROM package_case ORDER BY position")]
        assert len(order) == 2 + 12 + 3
        assert set(order) == {c["blinded_id"] for c in cases}
    finally:
        conn.close()


def test_round_trip_and_idempotent_import(neutral_study: str, tmp_path: Path, make_rating) -> None:
    pkg = export_reader_package(neutral_study, "S", "r2", tmp_path / "r2.tvpkg")
    n = _rate_all(pkg, make_rating)
    first = import_ratings(neutral_study, pkg)
    assert (first.reader, first.added, first.already_present) == ("r2", n, 0)
    again = import_ratings(neutral_study, pkg)
    assert (again.added, again.already_present) == (0, n)
    records = [r for r in ratings_records(neutral_study, "S") if r["reader"] == "r2"]
    assert len(records) == n and sum(r["repeat"] for r in records) == 3
    # the reader carries on offline (a changed answer), the second import adds just that
    src = open_reader_package(pkg)
    case = src.order()[4]
    src.record_rating(make_rating(case.position, case.blinded_id, 5, seconds=999))
    src.close()
    third = import_ratings(neutral_study, pkg)
    assert (third.added, third.already_present) == (1, n)
    assert len(ratings_records(neutral_study, "S", include_superseded=True)) == n + 1
    result = verify_audit_chain(neutral_study, "S")
    assert result.ok, str(result)


def test_tampered_package_is_refused(neutral_study: str, tmp_path: Path, make_rating) -> None:
    pkg = export_reader_package(neutral_study, "S", "r1", tmp_path / "r1.tvpkg")
    _rate_all(pkg, make_rating, stop=6)
    for statement in ("UPDATE package_case SET blinded_id = 'C-XXXXXX' WHERE position = 3",
                      "UPDATE package_info SET value = 'r2' WHERE key = 'reader_id'",
                      "UPDATE package_image SET data = zeroblob(100) WHERE rowid = 1",
                      "UPDATE package_info SET value = 'Rate gently.' WHERE key = 'protocol_text'"):
        copy = tmp_path / "tampered.tvpkg"
        shutil.copy(pkg, copy)
        with sqlite3.connect(copy) as conn:
            conn.execute(statement)
        with pytest.raises(IntegrityError, match=r"modified|another reader"):
            import_ratings(neutral_study, copy)
    # re-signing the package with a recomputed hash does not help: the database remembers the export's hash
    copy = tmp_path / "resigned.tvpkg"
    shutil.copy(pkg, copy)
    from turingview.storage.package import PackageFile, content_hash

    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE package_case SET is_training = 1 WHERE position = 5")
    package = PackageFile(copy)
    forged = content_hash(package.info, package.cases, package.image_hashes, package.feedback)
    package.close()
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE package_info SET value = ? WHERE key = 'content_hash'", (forged,))
    with pytest.raises(IntegrityError, match="modified since export"):
        import_ratings(neutral_study, copy)
    assert ratings_records(neutral_study, "S") == []


def test_package_from_another_study_or_database_is_refused(neutral_study: str, study_files: StudyFiles,
                                                           tmp_path: Path) -> None:
    other_db = f"sqlite:///{tmp_path / 'other.db'}"
    create_open_study(other_db, study_files, "S")  # same name, different study
    foreign = export_reader_package(other_db, "S", "r1", tmp_path / "foreign.tvpkg")
    with pytest.raises(IntegrityError, match="not in this database"):
        import_ratings(neutral_study, foreign)
    create_open_study(neutral_study, study_files, "T")
    mine = export_reader_package(neutral_study, "T", "r1", tmp_path / "t.tvpkg")
    with pytest.raises(NotFoundError, match="no such reader package"):
        import_ratings(neutral_study, tmp_path / "nothing.tvpkg")
    (tmp_path / "junk.tvpkg").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(IntegrityError, match="not a TuringView reader package"):
        import_ratings(neutral_study, tmp_path / "junk.tvpkg")
    assert import_ratings(neutral_study, mine).added == 0


def test_export_needs_an_open_study_and_import_an_open_one(sqlite_url: str, study_files: StudyFiles,
                                                            tmp_path: Path, make_rating) -> None:
    create_open_study(sqlite_url, study_files, "S", open_it=False)
    with pytest.raises(StudyStateError, match="open it"):
        export_reader_package(sqlite_url, "S", "r1", tmp_path / "x.tvpkg")
    set_study_status(sqlite_url, "S", "open", reason="t")
    pkg = export_reader_package(sqlite_url, "S", "r1", tmp_path / "x.tvpkg")
    _rate_all(pkg, make_rating, stop=4)
    set_study_status(sqlite_url, "S", "closed", reason="t")
    with pytest.raises(StudyStateError, match="reopen"):
        import_ratings(sqlite_url, pkg)
