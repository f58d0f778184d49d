"""Ports: the interfaces the reader's side needs, implemented by storage (database or reader package).

The reader workstation talks to exactly one :class:`ReadingSource`. Two implementations exist:
one over the study database (shared PostgreSQL or local SQLite) and one over a self-contained reader
package file for air-gapped workstations. Both serve identically re-encoded, blinded images, so
nothing in the bytes, sizes or timings separates real from synthetic cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from turingview.core.domain import BlindedCase, RatingInput, ReaderStudyInfo, RecordedRating, Truth

if TYPE_CHECKING:  # imaging sits below nothing here; the type is only named for checkers
    from turingview.imaging.volume import ImageVolume


@runtime_checkable
class ReadingSource(Protocol):
    """What one reader's session reads and writes.

    Implementations must make :meth:`record_rating` durable before returning (one transaction,
    ``synchronous=FULL`` on SQLite) and must refuse a duplicate ``(position, revision)``.
    """

    def study_info(self) -> ReaderStudyInfo:
        """Protocol text, scale wording and the session rules (Back, answer changes)."""
        ...

    def order(self) -> Sequence[BlindedCase]:
        """The reader's full presentation order: training cases first, then the blinded block."""
        ...

    def load_image(self, blinded_id: str) -> ImageVolume:
        """Decode the presented (blinded, uniformly re-encoded) image of a case in this order."""
        ...

    def recorded_ratings(self) -> Sequence[RecordedRating]:
        """Every rating revision this reader has recorded in this study, oldest first."""
        ...

    def record_rating(self, rating: RatingInput) -> RecordedRating:
        """Append a rating (a new revision if the position was rated before); durable on return.

        Raises
        ------
        DuplicateRatingError
            The same position and revision was already recorded (a stale or repeated answer).
        StudyStateError
            The study does not accept this rating (closed, or changes not allowed).
        StorageError
            The database could not be written; nothing was acknowledged.
        """
        ...

    def training_feedback(self, blinded_id: str) -> Truth:
        """Truth of a *training* case, shown after it is rated.

        Raises
        ------
        BlindingError
            ``blinded_id`` is not a training case.
        """
        ...

    def close(self) -> None:
        """Release connections and files."""
        ...
