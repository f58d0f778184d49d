"""The rating log on both engines: append-only, unique (assignment, position, revision), supersession."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from turingview.core.domain import DisplayState, RatingInput
from turingview.core.errors import DuplicateRatingError, InvalidInputError
from turingview.storage import RatingLog, get_engine
from turingview.study import open_reading_source, ratings_records

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _rating(position: int, blinded_id: str, score: int, minute: int = 0) -> RatingInput:
    at = T0 + timedelta(minutes=minute)
    return RatingInput(position=position, blinded_id=blinded_id, score=score, shown_at=at,
                       answered_at=at + timedelta(seconds=4), elapsed_ms=4000,
                       display=DisplayState(window_center=40, window_width=400, zoom=2.0, slice_index=0))


def test_rating_row_holds_everything(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    log = RatingLog(db_url, name, "r1")
    item = log.items[0]
    recorded = log.record(_rating(0, item.blinded_id, 4))
    with get_engine(db_url).connect() as conn:
        row = conn.execute(text("SELECT * FROM rating WHERE id = :i"), {"i": recorded.rating_id}).mappings().one()
    assert (row["position"], row["revision"], row["score"], row["elapsed_ms"]) == (0, 1, 4, 4000)
    assert (row["window_center"], row["window_width"], row["zoom"], row["slice_index"]) == (40, 400, 2.0, 0)
    assert row["case_id"] == item.case_id and row["supersedes_id"] is None and row["source"] == "database"
    assert log.recorded()[0].rating.answered_at == T0 + timedelta(seconds=4)


def test_changed_answer_supersedes_and_keeps_history(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    log = RatingLog(db_url, name, "r1")
    bid = log.items[1].blinded_id
    first = log.record(_rating(1, bid, 2))
    second = log.record(_rating(1, bid, 5, minute=3))
    assert (first.revision, second.revision) == (1, 2)
    with get_engine(db_url).connect() as conn:
        sup = conn.execute(text("SELECT supersedes_id FROM rating WHERE id = :i"), {"i": second.rating_id}).scalar()
    assert sup == first.rating_id
    latest = ratings_records(db_url, name)
    assert [(r["position"], r["score"], r["revision"]) for r in latest] == [(1, 5, 2)]
    history = ratings_records(db_url, name, include_superseded=True)
    assert [(r["score"], r["revision"]) for r in history] == [(2, 1), (5, 2)]


def test_unique_constraint_refuses_a_duplicate_revision(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    log = RatingLog(db_url, name, "r1")
    bid = log.items[2].blinded_id
    log.record(_rating(2, bid, 3))
    with pytest.raises(DuplicateRatingError, match="position 2"):
        log.record(_rating(2, bid, 4, minute=1), revision=1)  # a stale writer that still believes revision 1 is free
    # and at the database level, bypassing the application
    engine = get_engine(db_url)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO rating (assignment_id, position, revision, case_id, is_training, score, artefacts, comment,"
            " shown_at, answered_at, elapsed_ms, zoom, pan_x, pan_y, source, recorded_at) SELECT assignment_id,"
            " position, revision, case_id, is_training, 1, '', '', shown_at, answered_at, 1, 1, 0, 0, 'x', recorded_at"
            " FROM rating WHERE position = 2"))


def test_rating_log_is_append_only_in_the_database(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    log = RatingLog(db_url, name, "r1")
    log.record(_rating(0, log.items[0].blinded_id, 3))
    engine = get_engine(db_url)
    for statement in ("UPDATE rating SET score = 5", "DELETE FROM rating", "UPDATE audit_event SET kind = 'x'",
                      "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    assert ratings_records(db_url, name)[0]["score"] == 3


def test_bad_submissions_are_refused(open_study: tuple[str, str]) -> None:
    db_url, name = open_study
    source = open_reading_source(db_url, name, "r2")
    bid = source.order()[0].blinded_id
    naive = RatingInput(position=0, blinded_id=bid, score=3, shown_at=datetime(2026, 1, 1),
                        answered_at=datetime(2026, 1, 1), elapsed_ms=5)
    with pytest.raises(InvalidInputError, match="time zone"):
        source.record_rating(naive)
    with pytest.raises(InvalidInputError, match="outside the reader's order"):
        source.record_rating(_rating(999, bid, 3))
    with pytest.raises(InvalidInputError, match="negative"):
        source.record_rating(RatingInput(position=0, blinded_id=bid, score=3, shown_at=T0, answered_at=T0,
                                         elapsed_ms=-1))
    assert source.recorded_ratings() == []


def test_reader_side_queries_never_touch_blinding_columns(open_study: tuple[str, str]) -> None:
    """The reader's order omits the repeat flag; training truth comes from a view that holds only training cases."""
    from turingview.storage import store_scope

    db_url, name = open_study
    log = RatingLog(db_url, name, "r1")
    assert {item.is_repeat for item in log.items} == {None}
    with store_scope(db_url) as store:
        study = store.study(name)
        cases = store.case_keys(study)
        assert all(store.training_truth(case_id) is None for case_id, *_ in cases)  # no training cases here
        coordinator = store.order(log.assignment_id)
    assert {item.is_repeat for item in coordinator} == {False}
