"""A small in-memory :class:`ReadingSource` for the pure state-machine unit tests only.

It honours the port's contract (append-only log, unique ``(position, revision)``, changes refused when the
study forbids them, training feedback only for training cases). Every GUI test uses the real storage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from turingview.core.domain import BlindedCase, RatingInput, ReaderStudyInfo, RecordedRating, Truth
from turingview.core.errors import BlindingError, DuplicateRatingError, StorageError, StudyStateError
from turingview.imaging.volume import ImageVolume


class MemorySource:
    """In-memory order and rating log."""

    def __init__(
        self,
        n_cases: int = 5,
        *,
        n_training: int = 0,
        allow_back: bool = False,
        allow_changes: bool = False,
        truths: Sequence[Truth] | None = None,
    ) -> None:
        self.info = ReaderStudyInfo(
            study_name="unit", reader_id="r1", protocol_text="Rate realism.",
            allow_back=allow_back, allow_changes=allow_changes,
        )
        total = n_training + n_cases
        self.cases = [BlindedCase(i, f"C-{i:04d}", is_training=i < n_training) for i in range(total)]
        self.truths = {c.blinded_id: (truths[i] if truths else Truth.REAL) for i, c in enumerate(self.cases)}
        self.log: list[RecordedRating] = []
        self.fail_next_writes = 0
        self.race_next_write = False
        self.closed = False

    def study_info(self) -> ReaderStudyInfo:
        return self.info

    def order(self) -> Sequence[BlindedCase]:
        return list(self.cases)

    def load_image(self, blinded_id: str) -> ImageVolume:
        seed = int(blinded_id.split("-")[1])
        return ImageVolume(np.random.default_rng(seed).integers(0, 1000, (1, 8, 8), dtype=np.int16))

    def recorded_ratings(self) -> Sequence[RecordedRating]:
        return list(self.log)

    def record_rating(self, rating: RatingInput) -> RecordedRating:
        if self.fail_next_writes:
            self.fail_next_writes -= 1
            raise StorageError("database is locked (simulated)")
        revisions = [r.revision for r in self.log if r.position == rating.position]
        if revisions and not self.info.allow_changes:
            raise StudyStateError(f"position {rating.position} already rated")
        revision = max(revisions, default=0) + 1
        if self.race_next_write:  # another writer recorded this very revision a moment ago
            self.race_next_write = False
            self.log.append(RecordedRating(len(self.log) + 1, revision, replace(rating, score=1)))
            raise DuplicateRatingError(f"position {rating.position} revision {revision} already recorded")
        recorded = RecordedRating(len(self.log) + 1, revision, rating)
        self.log.append(recorded)
        return recorded

    def training_feedback(self, blinded_id: str) -> Truth:
        case = next(c for c in self.cases if c.blinded_id == blinded_id)
        if not case.is_training:
            raise BlindingError(f"{blinded_id} is not a training case")
        return self.truths[blinded_id]

    def close(self) -> None:
        self.closed = True
