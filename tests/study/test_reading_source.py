"""Both ReadingSource implementations: blinded orders, identical decoded images, durable rating log."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from tv_study_data import StudyFiles, create_open_study

from turingview.core.domain import BlindedCase, DisplayState, Truth
from turingview.core.errors import (
    BlindingError,
    DuplicateRatingError,
    InvalidInputError,
    NotFoundError,
    StudyStateError,
)
from turingview.core.ports import ReadingSource
from turingview.study import (
    export_reader_package,
    open_reader_package,
    open_reading_source,
    ratings_records,
    set_study_status,
    study_progress,
)


@pytest.fixture(params=["database", "package"])
def source(request: pytest.FixtureRequest, db_url: str, study_files: StudyFiles, tmp_path: Path):
    create_open_study(db_url, study_files, "S", allow_changes=True, repeat_fraction=0.25)
    if request.param == "database":
        src = open_reading_source(db_url, "S", "r1")
    else:
        src = open_reader_package(export_reader_package(db_url, "S", "r1", tmp_path / "r1.tvpkg"))
    yield src
    src.close()


def test_sources_satisfy_the_port(source) -> None:
    assert isinstance(source, ReadingSource)
    info = source.study_info()
    assert info.study_name == "S" and info.reader_id == "r1" and info.allow_changes and info.scale.k == 5


def test_order_carries_only_blinded_fields(source) -> None:
    order = source.order()
    assert len(order) == 2 + 12 + 3
    assert all(isinstance(c, BlindedCase) for c in order)
    assert {f.name for f in dataclasses.fields(BlindedCase)} == {"position", "blinded_id", "is_training"}
    assert [c.position for c in order] == list(range(len(order)))
    assert all(c.is_training for c in order[:2]) and not any(c.is_training for c in order[2:])
    assert all(c.blinded_id.startswith("C-") and len(c.blinded_id) == 8 for c in order)


def test_images_decode_identically_for_both_classes(source) -> None:
    dtypes, keys, formats = set(), set(), set()
    for case in source.order():
        volume = source.load_image(case.blinded_id)
        dtypes.add(volume.pixels.dtype)
        keys.add(tuple(sorted(volume.metadata)))
        formats.add((volume.source_format, volume.photometric, volume.modality, volume.spacing))
    assert dtypes == {np.dtype("int16")}
    assert keys == {("dtype", "format", "shape")}
    assert formats == {("presented", "MONOCHROME2", "CT", (1.0, 0.7, 0.7))}
    with pytest.raises(NotFoundError):
        source.load_image("C-NOTHERE")


def test_training_feedback_only_for_training_cases(source, make_rating) -> None:
    order = source.order()
    assert {source.training_feedback(c.blinded_id) for c in order[:2]} == {Truth.REAL, Truth.SYNTHETIC}
    with pytest.raises(BlindingError):
        source.training_feedback(order[5].blinded_id)


def test_rating_revisions_and_refusals(source, make_rating) -> None:
    order = source.order()
    first = source.record_rating(make_rating(2, order[2].blinded_id, 4,
                                             display=DisplayState(40.0, 400.0, 1.5, slice_index=0)))
    assert first.revision == 1
    with pytest.raises(DuplicateRatingError):
        source.record_rating(make_rating(2, order[2].blinded_id, 4))  # the same answer again
    changed = source.record_rating(make_rating(2, order[2].blinded_id, 2, seconds=30))
    assert changed.revision == 2 and changed.rating_id != first.rating_id
    with pytest.raises(InvalidInputError, match="shows case"):
        source.record_rating(make_rating(3, order[4].blinded_id, 3))
    with pytest.raises(ValueError, match="outside the scale"):
        source.record_rating(make_rating(3, order[3].blinded_id, 6))
    with pytest.raises(InvalidInputError, match="unknown artefact flag"):
        source.record_rating(make_rating(3, order[3].blinded_id, 3, artefacts=("sparkles",)))
    history = source.recorded_ratings()
    assert [(r.position, r.revision, r.score) for r in history] == [(2, 1, 4), (2, 2, 2)]
    assert history[0].rating.display.window_center == 40.0 and history[0].rating.display.zoom == 1.5


def test_database_source_refuses_unless_open_and_changes_allowed(db_url: str, study_files: StudyFiles,
                                                                make_rating) -> None:
    create_open_study(db_url, study_files, "S", open_it=False)
    src = open_reading_source(db_url, "S", "r1")
    bid = src.order()[3].blinded_id
    with pytest.raises(StudyStateError, match="draft"):
        src.record_rating(make_rating(3, bid))
    set_study_status(db_url, "S", "open", reason="t")
    src.record_rating(make_rating(3, bid))
    with pytest.raises(StudyStateError, match="does not allow changing"):
        src.record_rating(make_rating(3, bid, 5, seconds=9))
    set_study_status(db_url, "S", "closed", reason="t")
    with pytest.raises(StudyStateError, match="closed"):
        src.record_rating(make_rating(4, src.order()[4].blinded_id))


def test_records_and_progress(db_url: str, study_files: StudyFiles, make_rating) -> None:
    create_open_study(db_url, study_files, "S", allow_changes=True, repeat_fraction=0.25)
    src = open_reading_source(db_url, "S", "r1")
    order = src.order()
    src.record_rating(make_rating(0, order[0].blinded_id, 1))  # training
    for pos in range(2, len(order)):
        src.record_rating(make_rating(pos, order[pos].blinded_id, 3, artefacts=("blur / loss of detail", "other"),
                                      binary_call=Truth.REAL, comment="ok"))
    src.record_rating(make_rating(5, order[5].blinded_id, 5, seconds=60))
    records = ratings_records(db_url, "S")
    assert len(records) == len(order) - 2
    assert sum(r["repeat"] for r in records) == 3
    assert {r["truth"] for r in records} == {"real", "synthetic"}
    row5 = next(r for r in records if r["position"] == 5)
    assert row5["score"] == 5 and row5["revision"] == 2 and row5["artefacts"] == ""
    row6 = next(r for r in records if r["position"] == 6)
    assert row6["artefacts"] == "blur / loss of detail;other" and row6["binary_call"] == "real"
    assert row6["comment"] == "ok" and row6["elapsed_ms"] == 1500
    assert len(ratings_records(db_url, "S", include_superseded=True)) == len(order) - 1
    assert len(ratings_records(db_url, "S", include_training=True)) == len(order) - 1
    progress = {p.reader: p for p in study_progress(db_url, "S")}
    assert progress["r1"].finished and progress["r1"].done == progress["r1"].total == 15
    assert progress["r1"].median_seconds == 1.5 and progress["r1"].training_done == 1
    assert not progress["r2"].finished and progress["r2"].done == 0 and progress["r2"].last_activity is None
