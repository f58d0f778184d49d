"""The Qt-free ReviewSession state machine, against the in-memory source (pure unit tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from memory_source import MemorySource

from turingview.core.domain import DisplayState, Truth
from turingview.core.errors import StorageError, StudyStateError
from turingview.core.ports import ReadingSource
from turingview.core.review_session import ReviewSession, SessionState, Signal


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


class Recorder:
    """Collects every event a session emits, in order."""

    def __init__(self, session: ReviewSession) -> None:
        self.events: list[tuple[str, tuple[object, ...]]] = []
        for name in ("case_changed", "state_changed", "rating_recorded", "finished", "error"):
            getattr(session, name).connect(lambda *a, _n=name: self.events.append((_n, a)))

    def names(self, name: str) -> list[tuple[object, ...]]:
        return [args for n, args in self.events if n == name]


def make(source: MemorySource, **kw: object) -> tuple[ReviewSession, FakeClock, Recorder]:
    clock = FakeClock()
    wall = iter(datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i) for i in range(10_000))
    session = ReviewSession(source, monotonic=clock, utcnow=lambda: next(wall), **kw)  # type: ignore[arg-type]
    return session, clock, Recorder(session)


def show_and_rate(session: ReviewSession, score: int, **kw: object) -> None:
    session.mark_shown()
    assert session.rate(score, **kw) is not None  # type: ignore[arg-type]


def test_memory_source_satisfies_the_port() -> None:
    assert isinstance(MemorySource(), ReadingSource)


def test_signal_connect_emit_disconnect() -> None:
    seen: list[int] = []
    sig = Signal("x")
    sig.connect(seen.append)
    sig.emit(1)
    sig.disconnect(seen.append)
    sig.emit(2)
    assert seen == [1]


def test_full_pass_in_order_records_every_case_then_finishes() -> None:
    source = MemorySource(4)
    session, clock, rec = make(source)
    assert session.state is SessionState.IDLE
    session.start()
    for expected, score in zip(range(4), (5, 1, 3, 2), strict=True):
        assert session.current is not None and session.current.position == expected
        assert str(session.progress) == f"{expected + 1} / 4"
        session.mark_shown()
        clock.t += 1.5
        session.rate(score, display=DisplayState(window_center=40, window_width=400, zoom=2.0))
    assert session.state is SessionState.FINISHED
    assert [r.rating.score for r in source.log] == [5, 1, 3, 2]
    assert [r.position for r in source.log] == [0, 1, 2, 3]
    assert all(r.rating.elapsed_ms == 1500 for r in source.log)
    assert all(r.rating.display.zoom == 2.0 for r in source.log)
    assert len(rec.names("finished")) == 1
    assert [a[0].position for a in rec.names("case_changed")] == [0, 1, 2, 3]


def test_rating_only_in_showing_double_press_gives_one_rating() -> None:
    pending: list[tuple[object, object, object]] = []
    source = MemorySource(3)
    session, _, rec = make(source, write_runner=lambda job, ok, err: pending.append((job, ok, err)))
    session.start()
    assert session.rate(3) is None  # not painted yet: LOADING refuses
    session.mark_shown()
    assert session.rate(3) is not None
    states = [a[0] for a in rec.names("state_changed")]
    assert states[-2:] == [SessionState.SAVING, SessionState.LOADING]  # next case shown while saving
    assert session.saving and session.current.position == 1  # type: ignore[union-attr]
    assert session.rate(3) is None  # the second press of the same intent
    session.mark_shown()
    assert session.state is SessionState.SHOWING and not session.can_rate
    assert session.rate(3) is None  # painted, but the previous write is not acknowledged yet
    assert len(pending) == 1
    job, ok, _ = pending.pop()
    ok(job())  # type: ignore[operator]
    assert not session.saving and session.can_rate
    assert session.current.position == 1  # type: ignore[union-attr]
    assert len(source.log) == 1


def test_last_case_waits_for_the_acknowledgement_before_finishing() -> None:
    pending: list[tuple[object, object, object]] = []
    source = MemorySource(1)
    session, _, rec = make(source, write_runner=lambda job, ok, err: pending.append((job, ok, err)))
    session.start()
    session.mark_shown()
    session.rate(2)
    assert session.state is SessionState.SAVING and not rec.names("finished")
    job, ok, _ = pending.pop()
    ok(job())  # type: ignore[operator]
    assert session.state is SessionState.FINISHED and rec.names("finished")


def test_failed_write_after_moving_on_returns_to_the_unsaved_case() -> None:
    pending: list[tuple[object, object, object]] = []
    source = MemorySource(3)
    session, clock, rec = make(source, write_runner=lambda job, ok, err: pending.append((job, ok, err)))
    session.start()
    session.mark_shown()
    clock.t += 4
    session.rate(5)
    session.mark_shown()  # next case painted
    clock.t += 1
    _, _, err = pending.pop()
    err(StorageError("disk full (simulated)"))  # type: ignore[operator]
    (error, acknowledged), = rec.names("error")
    assert acknowledged is False and "disk full" in str(error)
    assert session.current.position == 0 and session.state is SessionState.LOADING  # type: ignore[union-attr]
    session.mark_shown()
    clock.t += 2
    session.rate(5)
    job, ok, _ = pending.pop()
    ok(job())  # type: ignore[operator]
    assert [(r.position, r.rating.elapsed_ms) for r in source.log] == [(0, 6000)]  # 4 s before + 2 s after


def test_min_view_time_refuses_answers_faster_than_a_human() -> None:
    source = MemorySource(2)
    session, clock, _ = make(source, min_view_ms=200)
    session.start()
    session.mark_shown()
    clock.t += 0.05
    assert session.rate(3) is None
    clock.t += 0.2
    assert session.rate(3) is not None
    with pytest.raises(ValueError, match="min_view_ms"):
        ReviewSession(source, min_view_ms=-1)


def test_elapsed_excludes_pauses_and_counts_from_first_paint() -> None:
    source = MemorySource(2)
    session, clock, _ = make(source)
    session.start()
    clock.t += 10  # decoding: not viewing time
    session.mark_shown()
    clock.t += 2
    assert session.pause()
    assert session.state is SessionState.PAUSED
    clock.t += 600  # coffee
    assert session.rate(4) is None
    assert session.resume()
    assert session.state is SessionState.LOADING
    session.mark_shown()
    clock.t += 3
    session.rate(4)
    assert source.log[0].rating.elapsed_ms == 5000
    first_paint = source.log[0].rating.shown_at
    assert source.log[0].rating.answered_at > first_paint


def test_resume_starts_at_first_unrated_case() -> None:
    source = MemorySource(5)
    session, _, _ = make(source)
    session.start()
    show_and_rate(session, 2)
    show_and_rate(session, 4)
    session.close()  # window closed mid-session
    again, _, _ = make(source)
    again.start()
    assert again.current is not None and again.current.position == 2
    assert str(again.progress) == "3 / 5"
    assert again.n_rated == 2


def test_all_rated_start_finishes_at_once() -> None:
    source = MemorySource(2)
    session, _, _ = make(source)
    session.start()
    show_and_rate(session, 1)
    show_and_rate(session, 1)
    again, _, rec = make(source)
    again.start()
    assert again.state is SessionState.FINISHED and rec.names("finished")


def test_training_block_feedback_then_blinded_block() -> None:
    source = MemorySource(3, n_training=2, truths=[Truth.SYNTHETIC, Truth.REAL, Truth.REAL, Truth.REAL, Truth.REAL])
    session, _, rec = make(source)
    session.start()
    assert str(session.progress) == "Training 1 / 2"
    show_and_rate(session, 2)
    assert session.state is SessionState.FEEDBACK
    assert rec.names("rating_recorded")[-1][1] is Truth.SYNTHETIC
    assert session.rate(3) is None
    session.acknowledge_feedback()
    show_and_rate(session, 5)
    assert rec.names("rating_recorded")[-1][1] is Truth.REAL
    session.acknowledge_feedback()
    assert str(session.progress) == "1 / 3"
    show_and_rate(session, 3)
    assert rec.names("rating_recorded")[-1][1] is None  # no truth for blinded cases
    assert session.state is SessionState.LOADING
    assert session.n_rated == 1


def test_back_forbidden_by_default() -> None:
    session, _, _ = make(MemorySource(3))
    session.start()
    show_and_rate(session, 3)
    session.mark_shown()
    assert not session.can_go_back
    assert session.back() is False
    assert session.current.position == 1  # type: ignore[union-attr]


def test_back_does_not_cross_from_blinded_into_training() -> None:
    session, _, _ = make(MemorySource(2, n_training=1, allow_back=True, allow_changes=True))
    session.start()
    show_and_rate(session, 3)
    session.acknowledge_feedback()
    session.mark_shown()
    assert not session.can_go_back


def test_back_and_change_creates_a_revision() -> None:
    source = MemorySource(3, allow_back=True, allow_changes=True)
    session, _, _ = make(source)
    session.start()
    show_and_rate(session, 2)
    session.mark_shown()
    assert session.back()
    assert session.current.position == 0  # type: ignore[union-attr]
    assert session.latest_rating(0).score == 2  # type: ignore[union-attr]
    show_and_rate(session, 4)
    assert session.current.position == 1  # type: ignore[union-attr]
    revisions = [(r.position, r.revision, r.score) for r in source.log]
    assert revisions == [(0, 1, 2), (0, 2, 4)]
    assert session.latest_rating(0).revision == 2  # type: ignore[union-attr]


def test_back_without_changes_is_view_only() -> None:
    source = MemorySource(3, allow_back=True, allow_changes=False)
    session, _, _ = make(source)
    session.start()
    show_and_rate(session, 2)
    show_and_rate(session, 3)
    session.mark_shown()
    session.back()
    session.back()
    session.mark_shown()
    assert not session.can_rate
    with pytest.raises(StudyStateError, match="does not allow changes"):
        session.rate(5)
    assert session.forward() and session.current.position == 1  # type: ignore[union-attr]
    session.mark_shown()
    assert session.forward() and session.current.position == 2  # type: ignore[union-attr]
    assert not session.forward()  # unrated: must be answered
    assert len(source.log) == 2


def test_failed_write_is_not_acknowledged_and_can_be_retried() -> None:
    source = MemorySource(2)
    source.fail_next_writes = 1
    session, clock, rec = make(source)
    session.start()
    session.mark_shown()
    clock.t += 1
    session.rate(4)
    (error, acknowledged), = rec.names("error")
    assert isinstance(error, StorageError) and acknowledged is False
    assert session.state is SessionState.LOADING and session.current.position == 0  # type: ignore[union-attr]
    assert source.log == [] and not rec.names("rating_recorded")
    session.mark_shown()
    clock.t += 1
    session.rate(4)
    assert [r.score for r in source.log] == [4]
    assert source.log[0].rating.elapsed_ms == 2000
    assert session.current.position == 1  # type: ignore[union-attr]


def test_duplicate_from_another_writer_takes_the_log_as_truth() -> None:
    source = MemorySource(2, allow_changes=True)
    source.race_next_write = True
    session, _, rec = make(source)
    session.start()
    show_and_rate(session, 4)
    (_, acknowledged), = rec.names("error")
    assert acknowledged is True
    assert session.current.position == 1  # type: ignore[union-attr]


def test_invalid_input_is_refused_without_a_state_change() -> None:
    session, _, _ = make(MemorySource(2))
    session.start()
    session.mark_shown()
    with pytest.raises(ValueError, match="outside the scale"):
        session.rate(6)
    with pytest.raises(ValueError, match="unknown artefact"):
        session.rate(3, artefacts=("sparkles",))
    assert session.state is SessionState.SHOWING
    rating = session.rate(3, artefacts=("other",), comment="  odd liver  ")
    assert rating is not None and rating.comment == "odd liver" and rating.artefacts == ("other",)


def test_start_twice_is_a_state_error() -> None:
    session, _, _ = make(MemorySource(1))
    session.start()
    with pytest.raises(StudyStateError, match="cannot start"):
        session.start()


def test_empty_order_is_refused() -> None:
    with pytest.raises(StudyStateError, match="no cases"):
        ReviewSession(MemorySource(0))


def test_resume_case_and_upcoming_skip_rated_cases() -> None:
    source = MemorySource(6)
    session, _, _ = make(source)
    assert session.resume_case.position == 0  # type: ignore[union-attr]
    assert [c.position for c in session.upcoming(3)] == [1, 2, 3]
    session.start()
    show_and_rate(session, 3)
    again, _, _ = make(source)
    assert again.resume_case.position == 1  # type: ignore[union-attr]
    assert [c.position for c in again.upcoming(10)] == [2, 3, 4, 5]
