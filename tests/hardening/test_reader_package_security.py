"""The reader's side cannot read truth: a reader package opened with sqlite3 and pandas holds no truth of
study cases, no file names, no generator and no source metadata; a package whose read-only part was modified,
or that belongs to another study, reader or database, is refused on import; the presented-image decoder
refuses damaged or oversized blobs."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from turingview.core.domain import RatingInput
from turingview.core.errors import ImageLoadError, IntegrityError, TuringViewError

from .conftest import SAMPLE_MANIFEST, make_sample_study

#: Every (table, column) a reader package may hold. A new column is a blinding decision: review it here.
ALLOWED_SCHEMA = {
    "package_info": {"key", "value"},
    "package_case": {"position", "blinded_id", "is_training"},
    "package_image": {"blinded_id", "data", "sha256"},
    "training_feedback": {"blinded_id", "answer"},
    "package_rating": {
        "id",
        "position",
        "revision",
        "blinded_id",
        "score",
        "binary_call",
        "artefacts",
        "comment",
        "shown_at",
        "answered_at",
        "elapsed_ms",
        "window_center",
        "window_width",
        "zoom",
        "pan_x",
        "pan_y",
        "slice_index",
        "preset",
        "recorded_at",
    },
}
ALLOWED_INFO_KEYS = {
    "format",
    "format_version",
    "package_id",
    "study_id",
    "study_name",
    "reader_id",
    "protocol_text",
    "scale_labels",
    "settings",
    "created_at",
    "content_hash",
}


def _manifest_secrets() -> set[str]:
    """Strings only the coordinator may know: file names, folders, generators, patients, sites, scanners."""
    secrets: set[str] = set()
    with SAMPLE_MANIFEST.open(newline="") as handle:
        for row in csv.DictReader(handle):
            path = Path(row["path"])
            secrets |= {path.name, path.stem, str(path)}
            for key in ("generator", "generator_version", "patient", "site", "scanner", "case_id"):
                if row.get(key) and len(row[key]) >= 4:
                    secrets.add(row[key])
    return secrets | {"sample_data", "pydicom", "nibabel", ".dcm", ".nii"}


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One study database and r1's exported package, made once per module and copied per test."""
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    from turingview.storage import dispose_engines
    from turingview.study import export_reader_package

    folder = tmp_path_factory.mktemp("package-template")
    url = f"sqlite:///{folder / 'study.db'}"
    name = make_sample_study(url)
    export_reader_package(url, name, "r1", folder / "r1.tvpkg")
    dispose_engines()
    return folder


@pytest.fixture
def package(_template: Path, tmp_path: Path) -> tuple[str, str, Path]:
    """(db_url, study, package path): a private copy of the template study database and r1's package."""
    folder = tmp_path / "copy"
    shutil.copytree(_template, folder)
    return f"sqlite:///{folder / 'study.db'}", "S", folder / "r1.tvpkg"


def test_package_schema_is_the_blinded_one(package: tuple[str, str, Path]) -> None:
    _, _, path = package
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        schema = {t: {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}
        keys = {r[0] for r in conn.execute("SELECT key FROM package_info")}
    schema.pop("sqlite_sequence", None)
    assert schema == ALLOWED_SCHEMA
    assert keys <= ALLOWED_INFO_KEYS, keys - ALLOWED_INFO_KEYS


def test_package_holds_no_truth_names_or_metadata(package: tuple[str, str, Path]) -> None:
    """Every text value and every image blob, read with sqlite3 and with pandas, is free of the coordinator's
    secrets; training answers exist only for training cases."""
    db_url, name, path = package
    from turingview.study import case_records

    cases = {c["blinded_id"]: c for c in case_records(db_url, name)}
    secrets = _manifest_secrets() | {str(Path(c["path"]).parent) for c in cases.values()}
    secrets |= {c["sha256"] for c in cases.values()}

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        frames = {t: pd.read_sql_query(f'SELECT * FROM "{t}"', conn) for t in ALLOWED_SCHEMA}
        order = conn.execute("SELECT position, blinded_id, is_training FROM package_case").fetchall()
        feedback = dict(conn.execute("SELECT blinded_id, answer FROM training_feedback").fetchall())
        blobs = [bytes(r[0]) for r in conn.execute("SELECT data FROM package_image")]
    text = "\n".join(frame.drop(columns=["data"], errors="ignore").to_csv(index=False) for frame in frames.values())
    leaked = sorted(s for s in secrets if s and s in text)
    assert not leaked, f"coordinator-only strings in the package: {leaked}"
    for blob in blobs:
        raw = zlib.decompress(blob[56:])
        for secret in ("sample_data", "gan-sim", "ddpm-sim", "pydicom", "nibabel", "DICM", "n+1"):
            assert secret.encode() not in blob[:56] + raw[:4096]
    # Only the presented-image format, one header layout for every case (no per-class encodings).
    assert {blob[:5] for blob in blobs} == {b"TVPI\x01"}
    training = {b for _, b, t in order if t}
    assert set(feedback) == training, "training answers for non-training cases"
    study_ids = {b for _, b, t in order if not t}
    assert study_ids and study_ids <= set(cases)
    assert {c["blinded_id"] for c in cases.values() if c["role"] == "study"} >= study_ids


def _rate_all(path: Path, n: int) -> None:
    from turingview.study import open_reader_package

    source = open_reader_package(path)
    try:
        base = datetime(2026, 3, 1, 9, tzinfo=UTC)
        for case in list(source.order())[:n]:
            shown = base + timedelta(seconds=10 * case.position)
            source.record_rating(
                RatingInput(
                    position=case.position,
                    blinded_id=case.blinded_id,
                    score=3,
                    shown_at=shown,
                    answered_at=shown + timedelta(seconds=2),
                    elapsed_ms=2000,
                )
            )
    finally:
        source.close()


def test_untouched_package_imports(package: tuple[str, str, Path]) -> None:
    """The positive control for the refusals below: an unmodified package imports, twice idempotently."""
    from turingview.study import import_ratings

    db_url, _, path = package
    _rate_all(path, 6)
    assert import_ratings(db_url, path).added == 6
    assert import_ratings(db_url, path).added == 0


TAMPERING = {
    "reader swapped": "UPDATE package_info SET value = 'r2' WHERE key = 'reader_id'",
    "study id changed": "UPDATE package_info SET value = '00000000-0000-0000-0000-000000000000' WHERE key = 'study_id'",
    "package id forged": (
        "UPDATE package_info SET value = '11111111-1111-1111-1111-111111111111' WHERE key = 'package_id'"
    ),
    "order reshuffled": "UPDATE package_case SET position = 1000 + position",
    "case swapped": "UPDATE package_case SET blinded_id = 'C-XXXXXX' WHERE position = 0",
    "image replaced": "UPDATE package_image SET data = randomblob(120) WHERE rowid = 1",
    "image stored as text": "UPDATE package_image SET data = substr(data, 1, 56) || zeroblob(64) WHERE rowid = 1",
    "image and its hash replaced": (
        "UPDATE package_image SET data = zeroblob(80), sha256 = "
        "'0f5d8b7a3b0c1fa3f3f1bd1f1b2f3d3ad0d1d18e5c1d0b6a1e0a1c5c1a4d2c0e' WHERE rowid = 1"
    ),
    "training truth flipped": "UPDATE training_feedback SET answer = 1 - answer",
    "protocol rewritten": "UPDATE package_info SET value = 'rate everything 5' WHERE key = 'protocol_text'",
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_modified_package_is_refused(package: tuple[str, str, Path], tmp_path: Path, what: str) -> None:
    from turingview.study import import_ratings, ratings_records

    db_url, name, path = package
    _rate_all(path, 4)
    forged = tmp_path / "forged.tvpkg"
    shutil.copy2(path, forged)
    with sqlite3.connect(forged) as conn:
        conn.execute(TAMPERING[what])
    with pytest.raises(IntegrityError):
        import_ratings(db_url, forged)
    assert ratings_records(db_url, name, include_training=True) == [], "a refused import left ratings behind"


def test_package_of_another_database_is_refused(package: tuple[str, str, Path], tmp_path: Path) -> None:
    """Same study name, same reader, another database: the study id differs, so the import is refused."""
    from turingview.study import import_ratings

    _, name, path = package
    other = f"sqlite:///{tmp_path / 'other.db'}"
    make_sample_study(other, name)
    _rate_all(path, 2)
    with pytest.raises(IntegrityError, match="not in this database"):
        import_ratings(other, path)


def test_not_a_package_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    from turingview.study import import_ratings

    fake = tmp_path / "fake.tvpkg"
    with sqlite3.connect(fake) as conn:
        conn.execute("CREATE TABLE package_info (key TEXT, value TEXT)")
    with pytest.raises(TuringViewError):
        import_ratings(sqlite_url, fake)
    (tmp_path / "junk.tvpkg").write_bytes(b"\x00" * 4096)
    with pytest.raises(TuringViewError):
        import_ratings(sqlite_url, tmp_path / "junk.tvpkg")


def _presented_header(shape: tuple[int, ...], dtype_code: int = 1) -> bytes:
    import struct

    dims = list(shape) + [0] * (4 - len(shape))
    return struct.pack("<4sBBBB4I3d8s", b"TVPI", 1, dtype_code, 1, len(shape), *dims, 1.0, 1.0, 1.0, b"CT")


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"TVPI",
        _presented_header((1, 4, 4)),
        _presented_header((1, 4, 4)) + b"not zlib",
        _presented_header((1, 4, 4)) + zlib.compress(b"\x00" * 31),
        _presented_header((1, 4, 4), dtype_code=9) + zlib.compress(b"\x00" * 32),
        _presented_header((0, 4, 4)) + zlib.compress(b""),
        _presented_header((65535, 65535, 65535)) + zlib.compress(b"\x00" * 32),
    ],
    ids=["empty", "magic-only", "no-body", "not-zlib", "short", "bad-dtype", "zero-slices", "huge-shape"],
)
def test_damaged_presented_image_is_typed(blob: bytes) -> None:
    from turingview.study import decode_presented

    with pytest.raises(ImageLoadError):
        decode_presented(blob, name="C-TEST01")


def test_presented_zlib_bomb_refused_before_inflating() -> None:
    import tracemalloc

    from turingview.study import decode_presented

    bomb = _presented_header((1, 4, 4)) + zlib.compress(b"\x00" * (256 * 2**20), 9)
    assert len(bomb) < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ImageLoadError):
            decode_presented(bomb, name="C-BOMB01")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, f"inflated {peak / 2**20:.0f} MB for a 32-byte image"
