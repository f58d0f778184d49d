"""Domain value types shared by every layer.

These are plain frozen dataclasses and enums. Storage maps them to tables, the UI renders them, the
statistics consume tables built from them. Reader-facing types (:class:`BlindedCase`,
:class:`ReaderStudyInfo`) carry nothing that reveals truth, file names, generator or source metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Truth(StrEnum):
    """Ground truth of a case. Never shown on the reader's side (except training feedback)."""

    REAL = "real"
    SYNTHETIC = "synthetic"

    @classmethod
    def parse(cls, value: str) -> Truth:
        """Parse a truth label, case-insensitively; raise ``ValueError`` naming the bad value."""
        text = str(value).strip().lower()
        for member in cls:
            if member.value == text:
                return member
        raise ValueError(f"unknown truth label {value!r}: expected 'real' or 'synthetic'")


class StudyStatus(StrEnum):
    """Life cycle of a study."""

    DRAFT = "draft"  # created, images imported, not yet open to readers
    OPEN = "open"  # orders generated, readers may rate
    CLOSED = "closed"  # no more ratings accepted
    ARCHIVED = "archived"


DEFAULT_SCALE_LABELS: tuple[str, ...] = (
    "Definitely synthetic / anatomically implausible",
    "Probably synthetic / probably implausible",
    "Cannot tell",
    "Probably real / probably plausible",
    "Definitely real / fully plausible",
)

DEFAULT_ARTEFACT_FLAGS: tuple[str, ...] = (
    "checkerboard / grid pattern",
    "anatomical implausibility",
    "blur / loss of detail",
    "unnatural noise texture",
    "other",
)


@dataclass(frozen=True)
class RatingScale:
    """An ordinal rating scale 1..K with the study's wording for every point.

    Convention: 1 = "definitely synthetic / implausible", K = "definitely real / fully plausible".
    """

    labels: tuple[str, ...] = DEFAULT_SCALE_LABELS

    def __post_init__(self) -> None:
        if len(self.labels) < 2:
            raise ValueError(f"a rating scale needs at least 2 points, got {len(self.labels)}")

    @property
    def k(self) -> int:
        """Number of scale points K."""
        return len(self.labels)

    def validate(self, score: int) -> int:
        """Return ``score`` if it lies on the scale, else raise ``ValueError`` naming it."""
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= self.k:
            raise ValueError(f"score {score!r} is outside the scale 1..{self.k}")
        return score


@dataclass(frozen=True)
class DisplayState:
    """What the reader was looking at when answering; logged with every rating.

    ``slice_index`` is 0-based into the volume (``None`` for a single 2D image).
    """

    window_center: float | None = None
    window_width: float | None = None
    zoom: float = 1.0
    pan_x: float = 0.0
    pan_y: float = 0.0
    slice_index: int | None = None
    preset: str | None = None


@dataclass(frozen=True)
class BlindedCase:
    """One entry of a reader's order, as the reader's side sees it.

    Parameters
    ----------
    position
        0-based position in the reader's presentation order (training cases first).
    blinded_id
        Opaque public id (for example ``"C-7F3K2Q"``): reveals nothing about truth or source.
    is_training
        True for training-block cases, whose ratings never enter study statistics.
    """

    position: int
    blinded_id: str
    is_training: bool = False


@dataclass(frozen=True)
class ReaderStudyInfo:
    """Everything the reader's screen needs to know about the study, and nothing more."""

    study_name: str
    reader_id: str
    protocol_text: str
    scale: RatingScale = field(default_factory=RatingScale)
    artefact_flags: tuple[str, ...] = DEFAULT_ARTEFACT_FLAGS
    allow_back: bool = False
    allow_changes: bool = False
    binary_call: bool = False
    comments: bool = True


@dataclass(frozen=True)
class RatingInput:
    """A rating as submitted by the reader's side (before storage assigns revision and id).

    Parameters
    ----------
    position, blinded_id
        Which entry of the order was rated.
    score
        Score on the study's scale, 1..K.
    binary_call
        Optional forced choice: the reader's call real/synthetic, or ``None`` when not asked.
    artefacts
        Artefact flags ticked, a subset of :attr:`ReaderStudyInfo.artefact_flags`.
    shown_at, answered_at
        UTC times the image was first painted and the answer was given.
    elapsed_ms
        Viewing time in milliseconds, measured with a monotonic clock (excludes pauses).
    display
        The display state at answer time.
    """

    position: int
    blinded_id: str
    score: int
    shown_at: datetime
    answered_at: datetime
    elapsed_ms: int
    display: DisplayState = field(default_factory=DisplayState)
    binary_call: Truth | None = None
    artefacts: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class RecordedRating:
    """A rating acknowledged by storage: durable once this object exists."""

    rating_id: int
    revision: int
    rating: RatingInput

    @property
    def position(self) -> int:
        return self.rating.position

    @property
    def score(self) -> int:
        return self.rating.score
