"""The reader's session: order, position and state, with no Qt and no threads of its own.

The reader workstation is a thin view over :class:`ReviewSession` (ARCHITECTURE.md points 2 and 3). The
session talks to one :class:`~turingview.core.ports.ReadingSource`, holds where the reader is, and emits
events through the tiny Qt-free :class:`Signal`. The view subscribes once and only renders.

State machine::

    IDLE --start()--> LOADING --mark_shown()--> SHOWING --rate()--> SAVING
    SAVING --(write in flight)--> LOADING (next study case, shown while the write completes)
    SAVING --write acknowledged--> FEEDBACK (training case) | LOADING (next) | FINISHED (after the last)
    write failed --> LOADING of the failed case again (nothing acknowledged; the reader answers again)
    FEEDBACK --acknowledge_feedback()--> LOADING (next case) | FINISHED
    LOADING/SHOWING/FEEDBACK --pause()--> PAUSED --resume()--> LOADING (same case, time so far kept)

A rating is accepted only in ``SHOWING``, only when no other write is in flight, and only once the image
has been on screen for ``min_view_ms`` (a key press faster than a human response cannot be about the image
just painted). The session moves to ``SAVING`` before the write starts, so a second key press of the same
intent is refused; the storage's unique ``(position, revision)`` constraint refuses a stale or repeated
answer as well. So that the next image appears at once, the next study case is shown while the write is in
flight; it cannot be rated before that write is acknowledged, and if the write fails the session returns to
the unsaved case with its viewing time so far.

Writes go through a *write runner*: ``runner(job, on_done, on_error)``. The default runs the job at once
(tests, scripts); the Qt view passes one that runs the job on its single database-writer thread and calls
back on the GUI thread. Viewing time is measured with a monotonic clock from first paint
(:meth:`ReviewSession.mark_shown`) to the answer, pauses excluded.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from turingview.core.domain import (
    BlindedCase,
    DisplayState,
    RatingInput,
    ReaderStudyInfo,
    RecordedRating,
    Truth,
)
from turingview.core.errors import DuplicateRatingError, StudyStateError, TuringViewError
from turingview.core.ports import ReadingSource
from turingview.core.session_parts import Progress, SessionState, Signal, WriteRunner, run_immediately

__all__ = [
    "Progress",
    "ReviewSession",
    "SessionState",
    "Signal",
    "WriteRunner",
    "run_immediately",
]

@dataclass(frozen=True)
class _WriteResult:
    recorded: RecordedRating
    feedback: Truth | None


class ReviewSession:
    """One reader's pass through their order.

    Parameters
    ----------
    source
        Where the order, the images' ids and the rating log live.
    write_runner
        How rating writes run (see :data:`WriteRunner`); default :func:`run_immediately`.
    monotonic
        Monotonic clock in seconds used for viewing time (default :func:`time.monotonic`).
    utcnow
        Wall clock for ``shown_at`` and ``answered_at`` (default: timezone-aware UTC now).

    Events (:class:`Signal` attributes)
    -----------------------------------
    ``case_changed(case: BlindedCase)``
        A new case became current (state ``LOADING``); the view loads and paints it.
    ``state_changed(state: SessionState)``
        After every transition.
    ``rating_recorded(recorded: RecordedRating, feedback: Truth | None)``
        A rating was acknowledged as durable; ``feedback`` is the truth of a training case, else ``None``.
    ``finished()``
        Every case of the order is rated.
    ``error(error: TuringViewError, acknowledged: bool)``
        Something failed. ``acknowledged`` is False when a rating was *not* stored (the reader may retry).
    """

    def __init__(
        self,
        source: ReadingSource,
        *,
        write_runner: WriteRunner = run_immediately,
        monotonic: Callable[[], float] = time.monotonic,
        utcnow: Callable[[], datetime] = lambda: datetime.now(UTC),
        min_view_ms: int = 0,
    ) -> None:
        if min_view_ms < 0:
            raise ValueError(f"min_view_ms {min_view_ms!r} must be >= 0")
        self.source = source
        self.min_view_ms = int(min_view_ms)
        self._in_flight: RatingInput | None = None
        self.info: ReaderStudyInfo = source.study_info()
        self.order: tuple[BlindedCase, ...] = tuple(sorted(source.order(), key=lambda c: c.position))
        if not self.order:
            raise StudyStateError(f"reader {self.info.reader_id!r} has no cases in study {self.info.study_name!r}")
        self._by_position = {case.position: case for case in self.order}
        self._runner = write_runner
        self._monotonic = monotonic
        self._utcnow = utcnow
        self._latest: dict[int, RecordedRating] = {}
        self._load_recorded(source.recorded_ratings())
        self._state = SessionState.IDLE
        self._index = 0
        self._paused_from: SessionState | None = None
        self._shown_at: datetime | None = None
        self._shown_mono: float | None = None
        self._elapsed_s = 0.0
        self.case_changed = Signal("case_changed")
        self.state_changed = Signal("state_changed")
        self.rating_recorded = Signal("rating_recorded")
        self.finished = Signal("finished")
        self.error = Signal("error")

    # ------------------------------------------------------------------ queries
    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def current(self) -> BlindedCase | None:
        """The current case, or ``None`` before :meth:`start` and after the last case."""
        if self._state in (SessionState.IDLE, SessionState.FINISHED):
            return None
        return self.order[self._index]

    @property
    def training_cases(self) -> tuple[BlindedCase, ...]:
        return tuple(c for c in self.order if c.is_training)

    @property
    def blinded_cases(self) -> tuple[BlindedCase, ...]:
        return tuple(c for c in self.order if not c.is_training)

    def latest_rating(self, position: int) -> RecordedRating | None:
        """The newest acknowledged revision for ``position``, if any."""
        return self._latest.get(position)

    def is_rated(self, position: int) -> bool:
        return position in self._latest

    @property
    def n_rated(self) -> int:
        """Blinded-block cases rated so far."""
        return sum(1 for c in self.blinded_cases if c.position in self._latest)

    @property
    def progress(self) -> Progress | None:
        """``number / total`` of the current case within its block."""
        case = self.current
        if case is None:
            return None
        block = [c for c in self.order if c.is_training == case.is_training]
        return Progress(block.index(case) + 1, len(block), case.is_training)

    @property
    def saving(self) -> bool:
        """A rating write is in flight (not yet acknowledged)."""
        return self._in_flight is not None

    @property
    def can_go_back(self) -> bool:
        """Back is allowed by the study and there is an earlier case in the same block."""
        if not self.info.allow_back or self._state not in (SessionState.SHOWING, SessionState.LOADING):
            return False
        if self._in_flight is not None:
            return False
        return self._index > 0 and self.order[self._index - 1].is_training == self.order[self._index].is_training

    @property
    def can_go_forward(self) -> bool:
        """The current case is already rated (after Back), so the reader may move on without changing it."""
        case = self.current
        return (
            case is not None
            and self._in_flight is None
            and self._state in (SessionState.SHOWING, SessionState.LOADING)
            and case.position in self._latest
        )

    @property
    def can_rate(self) -> bool:
        """A rating would be accepted now."""
        case = self.current
        if self._state is not SessionState.SHOWING or case is None or self._in_flight is not None:
            return False
        return case.position not in self._latest or self.info.allow_changes

    @property
    def resume_case(self) -> BlindedCase | None:
        """The case :meth:`start` would show: the first unrated one (``None`` when all are rated)."""
        index = self._first_unrated(after=-1)
        return None if index is None else self.order[index]

    def upcoming(self, n: int) -> tuple[BlindedCase, ...]:
        """The next ``n`` cases the reader will most likely see after the current (or resume) case."""
        case = self.current or self.resume_case
        if case is None or n <= 0:
            return ()
        start = self.order.index(case) + 1
        after = [c for c in self.order[start:] if not self._done(c.position)]
        return tuple(after[:n])

    def elapsed_ms(self) -> int:
        """Viewing time of the current case so far, in milliseconds, pauses excluded."""
        seconds = self._elapsed_s
        if self._state is SessionState.SHOWING and self._shown_mono is not None:
            seconds += self._monotonic() - self._shown_mono
        return round(seconds * 1000.0)

    # ------------------------------------------------------------------ transitions
    def start(self) -> None:
        """Leave the instructions: go to the first unrated case (resume), or finish if none is left."""
        self._require(SessionState.IDLE, "start")
        first = self._first_unrated(after=-1)
        if first is None:
            self._finish()
            return
        self._go_to(first)

    def mark_shown(self) -> None:
        """The current image was painted: start (or continue) the viewing clock and accept ratings."""
        if self._state is not SessionState.LOADING:
            return
        now = self._monotonic()
        if self._shown_at is None:
            self._shown_at = self._utcnow()
        self._shown_mono = now
        self._set_state(SessionState.SHOWING)

    def rate(
        self,
        score: int,
        *,
        display: DisplayState | None = None,
        artefacts: Sequence[str] = (),
        comment: str = "",
        binary_call: Truth | None = None,
    ) -> RatingInput | None:
        """Rate the current case and start the write.

        Returns the submitted :class:`RatingInput`, or ``None`` when the session is not ``SHOWING`` (a
        repeated key press while the previous answer is being saved, or before the image is painted), when
        another write is in flight, or when the image has been shown for less than ``min_view_ms``.

        Raises
        ------
        ValueError
            ``score`` is off the scale, or an artefact flag is not one the study offers.
        StudyStateError
            The case was already rated and the study does not allow changes.
        """
        case = self.current
        if self._state is not SessionState.SHOWING or case is None or self._in_flight is not None:
            return None
        if self.elapsed_ms() < self.min_view_ms:
            return None
        self.info.scale.validate(score)
        unknown = [flag for flag in artefacts if flag not in self.info.artefact_flags]
        if unknown:
            raise ValueError(f"unknown artefact flag(s) {unknown!r}; the study offers {list(self.info.artefact_flags)}")
        if case.position in self._latest and not self.info.allow_changes:
            raise StudyStateError(f"case {case.blinded_id} is already rated and this study does not allow changes")
        if binary_call is not None and not self.info.binary_call:
            raise ValueError("this study does not ask for a real/synthetic call")
        elapsed = self.elapsed_ms()
        assert self._shown_at is not None
        rating = RatingInput(
            position=case.position,
            blinded_id=case.blinded_id,
            score=score,
            shown_at=self._shown_at,
            answered_at=self._utcnow(),
            elapsed_ms=elapsed,
            display=display or DisplayState(),
            binary_call=binary_call,
            artefacts=tuple(artefacts),
            comment=comment.strip() if self.info.comments else "",
        )
        self._freeze_clock()
        self._in_flight = rating
        self._set_state(SessionState.SAVING)
        source = self.source

        def job() -> _WriteResult:
            recorded = source.record_rating(rating)
            feedback = source.training_feedback(case.blinded_id) if case.is_training else None
            return _WriteResult(recorded, feedback)

        if not case.is_training and self._first_unrated(after=self._index) is not None:
            # show the next study case at once; it is not ratable until this write is acknowledged
            self._advance()
        # the runner sees LOADING (next case on its way) or SAVING (training / last case: waiting on the write)
        self._runner(job, self._on_saved, lambda exc: self._on_save_failed(rating, exc))
        return rating

    def acknowledge_feedback(self) -> None:
        """Leave the training feedback and move on."""
        if self._state is SessionState.FEEDBACK:
            self._advance()

    def back(self) -> bool:
        """Go to the previous case of the block, if the study allows it. Returns whether it moved."""
        if not self.can_go_back:
            return False
        self._go_to(self._index - 1)
        return True

    def forward(self) -> bool:
        """Leave an already-rated case unchanged and go on. Returns whether it moved."""
        if not self.can_go_forward:
            return False
        self._advance()
        return True

    def pause(self) -> bool:
        """Stop the clock and hide the case. Returns whether the session paused."""
        if self._state not in (SessionState.LOADING, SessionState.SHOWING, SessionState.FEEDBACK):
            return False
        self._freeze_clock()
        self._paused_from = self._state
        self._set_state(SessionState.PAUSED)
        return True

    def resume(self) -> bool:
        """Come back from a pause: the same case is repainted (``LOADING``) and its clock continues."""
        if self._state is not SessionState.PAUSED:
            return False
        previous, self._paused_from = self._paused_from, None
        self._set_state(SessionState.FEEDBACK if previous is SessionState.FEEDBACK else SessionState.LOADING)
        return True

    def close(self) -> None:
        """Drop every subscriber (the view is going away); the source is closed by its owner."""
        for signal in (self.case_changed, self.state_changed, self.rating_recorded, self.finished, self.error):
            signal.disconnect()

    # ------------------------------------------------------------------ internals
    def _require(self, state: SessionState, what: str) -> None:
        if self._state is not state:
            raise StudyStateError(f"cannot {what} in state {self._state.value}")

    def _set_state(self, state: SessionState) -> None:
        self._state = state
        self.state_changed.emit(state)

    def _load_recorded(self, ratings: Sequence[RecordedRating]) -> None:
        for recorded in ratings:
            if recorded.position not in self._by_position:
                continue
            known = self._latest.get(recorded.position)
            if known is None or recorded.revision >= known.revision:
                self._latest[recorded.position] = recorded

    def _done(self, position: int) -> bool:
        """Rated, or being written right now."""
        return position in self._latest or (self._in_flight is not None and self._in_flight.position == position)

    def _first_unrated(self, *, after: int) -> int | None:
        """Index of the first unrated case after index ``after``, else the first unrated anywhere."""
        indices = list(range(after + 1, len(self.order))) + list(range(0, after + 1))
        for index in indices:
            if not self._done(self.order[index].position):
                return index
        return None

    def _freeze_clock(self) -> None:
        if self._state is SessionState.SHOWING and self._shown_mono is not None:
            self._elapsed_s += self._monotonic() - self._shown_mono
        self._shown_mono = None

    def _go_to(self, index: int) -> None:
        self._index = index
        self._shown_at = None
        self._shown_mono = None
        self._elapsed_s = 0.0
        self._state = SessionState.LOADING
        self.case_changed.emit(self.order[index])
        self.state_changed.emit(SessionState.LOADING)

    def _advance(self) -> None:
        nxt = self._first_unrated(after=self._index)
        if nxt is None:
            self._finish()
        elif self.info.allow_back and self._index + 1 < len(self.order) and nxt != self._index + 1:
            # after Back, walk forward through the already-rated cases in order
            self._go_to(self._index + 1)
        else:
            self._go_to(nxt)

    def _finish(self) -> None:
        self._set_state(SessionState.FINISHED)
        self.finished.emit()

    def _on_saved(self, result: _WriteResult) -> None:
        self._in_flight = None
        self._latest[result.recorded.position] = result.recorded
        self.rating_recorded.emit(result.recorded, result.feedback)
        if self._state is not SessionState.SAVING:
            # already on the next case: it becomes ratable now
            self.state_changed.emit(self._state)
        elif result.feedback is not None:
            self._set_state(SessionState.FEEDBACK)
        else:
            self._advance()

    def _on_save_failed(self, rating: RatingInput, exc: BaseException) -> None:
        self._in_flight = None
        error = exc if isinstance(exc, TuringViewError) else TuringViewError(f"unexpected error while saving: {exc!r}")
        if isinstance(exc, DuplicateRatingError):
            # another writer got there first: take the log as the truth and move on from there
            self._load_recorded(self.source.recorded_ratings())
            if rating.position in self._latest:
                self.error.emit(error, True)
                if self._state is SessionState.SAVING:
                    self._advance()
                else:
                    self.state_changed.emit(self._state)
                return
        # Not acknowledged: back to the unsaved case, its clock continuing from where it stopped.
        if self._state is SessionState.SAVING and self.current is not None and self.current.position == rating.position:
            self._shown_mono = self._monotonic()
            self._set_state(SessionState.SHOWING)
        else:
            index = next(i for i, c in enumerate(self.order) if c.position == rating.position)
            self._go_to(index)
            self._shown_at = rating.shown_at
            self._elapsed_s = rating.elapsed_ms / 1000.0
        self.error.emit(error, False)
