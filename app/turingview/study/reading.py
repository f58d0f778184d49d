"""The reader's side: :class:`~turingview.core.ports.ReadingSource` over the study database.

A reader-facing object exposes only blinded ids, positions, the training flag and decoded presented
images (:func:`turingview.study.presentation.decode_presented`); truth is reachable only for training
cases, after rating, through :meth:`training_feedback`. The package implementation lives in
:mod:`turingview.study.package_source`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from turingview.core.domain import (
    DEFAULT_ARTEFACT_FLAGS,
    BlindedCase,
    RatingInput,
    RatingScale,
    ReaderStudyInfo,
    RecordedRating,
    Truth,
)
from turingview.core.errors import BlindingError, InvalidInputError, NotFoundError
from turingview.imaging.volume import ImageVolume
from turingview.storage import RatingLog, store_scope
from turingview.study.presentation import decode_presented


def reader_info(study_name: str, reader_id: str, protocol_text: str, scale_labels: Sequence[str],
                settings: dict[str, object]) -> ReaderStudyInfo:
    """The reader-facing study description built from stored settings."""
    flags = settings.get("artefact_flags", DEFAULT_ARTEFACT_FLAGS)
    return ReaderStudyInfo(
        study_name=study_name, reader_id=reader_id, protocol_text=protocol_text,
        scale=RatingScale(tuple(scale_labels)), artefact_flags=tuple(flags),  # type: ignore[arg-type]
        allow_back=bool(settings.get("allow_back", False)), allow_changes=bool(settings.get("allow_changes", False)),
        binary_call=bool(settings.get("binary_call", False)), comments=bool(settings.get("comments", True)))


def check_rating_input(rating: RatingInput, info: ReaderStudyInfo) -> None:
    """Reject malformed submissions before they reach storage (naive times, bad elapsed time, unknown flags)."""
    unknown = [a for a in rating.artefacts if a not in info.artefact_flags]
    if unknown:
        raise InvalidInputError(f"unknown artefact flag(s) {', '.join(map(repr, unknown))}")
    for label, value in (("shown_at", rating.shown_at), ("answered_at", rating.answered_at)):
        if value.tzinfo is None:
            raise InvalidInputError(f"{label} {value!r} has no time zone: give UTC-aware times")
    if rating.elapsed_ms < 0:
        raise InvalidInputError(f"elapsed time {rating.elapsed_ms} ms is negative")


class DatabaseReadingSource:
    """One reader's session over the study database (SQLite file or PostgreSQL)."""

    def __init__(self, db_url: str | None, study_name: str, reader_id: str) -> None:
        self._db_url = db_url
        self._log = RatingLog(db_url, study_name, reader_id)
        study = self._log.study_row()
        self._info = reader_info(study.name, reader_id, study.protocol_text, json.loads(study.scale_labels),
                                 self._log.settings)
        self._order = tuple(BlindedCase(i.position, i.blinded_id, i.is_training) for i in self._log.items)
        self._cases = {i.blinded_id: i for i in self._log.items}

    def study_info(self) -> ReaderStudyInfo:
        return self._info

    def order(self) -> Sequence[BlindedCase]:
        return self._order

    def load_image(self, blinded_id: str) -> ImageVolume:
        if blinded_id not in self._cases:
            raise NotFoundError(f"case {blinded_id} is not in this reader's order")
        with store_scope(self._db_url) as store:
            image = store.presented(store.study(self._info.study_name), blinded_id)
            if image is None:
                raise NotFoundError(f"case {blinded_id} has no presented image")
            data = image.data
        return decode_presented(data, name=blinded_id)

    def recorded_ratings(self) -> Sequence[RecordedRating]:
        return self._log.recorded()

    def record_rating(self, rating: RatingInput) -> RecordedRating:
        check_rating_input(rating, self._info)
        return self._log.record(rating)

    def training_feedback(self, blinded_id: str) -> Truth:
        item = self._cases.get(blinded_id)
        if item is None or not item.is_training:
            raise BlindingError(f"case {blinded_id} is not a training case: its truth stays hidden")
        with store_scope(self._db_url) as store:
            truth = store.training_truth(item.case_id)
        if truth is None:
            raise BlindingError(f"case {blinded_id} is not a training case: its truth stays hidden")
        return Truth(truth)

    def close(self) -> None:
        self._cases = {}


def open_reading_source(db_url: str | None, study_name: str, reader_id: str) -> DatabaseReadingSource:
    """The reader workstation's session over the database: see :class:`DatabaseReadingSource`."""
    return DatabaseReadingSource(db_url, study_name, reader_id)
