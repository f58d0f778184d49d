"""The reader's side over a reader package file (air-gapped workstation)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from turingview.core.domain import BlindedCase, RatingInput, ReaderStudyInfo, RecordedRating, Truth
from turingview.core.errors import BlindingError, InvalidInputError, NotFoundError, StudyStateError
from turingview.imaging.volume import ImageVolume
from turingview.storage.package import BINARY_CODES, PackageFile
from turingview.study.packages import _rating_input
from turingview.study.presentation import decode_presented
from turingview.study.reading import check_rating_input, reader_info


class PackageReadingSource:
    """:class:`~turingview.core.ports.ReadingSource` over a package: ratings go into the package file."""

    def __init__(self, path: str | Path) -> None:
        self._package = PackageFile(path)
        self._package.verify_metadata()
        info = self._package.info
        self._settings = json.loads(info.get("settings", "{}"))
        self._info = reader_info(info["study_name"], info["reader_id"], info.get("protocol_text", ""),
                                 json.loads(info["scale_labels"]), self._settings)
        self._order = tuple(BlindedCase(p, b, t) for p, b, t in self._package.cases)
        self._training = {b: a for b, a in self._package.feedback}

    def study_info(self) -> ReaderStudyInfo:
        return self._info

    def order(self) -> Sequence[BlindedCase]:
        return self._order

    def load_image(self, blinded_id: str) -> ImageVolume:
        if not any(c.blinded_id == blinded_id for c in self._order):
            raise NotFoundError(f"case {blinded_id} is not in this reader's order")
        return decode_presented(self._package.image(blinded_id), name=blinded_id)

    def recorded_ratings(self) -> Sequence[RecordedRating]:
        return [RecordedRating(int(r["id"]), int(r["revision"]), _rating_input(r)) for r in self._package.ratings()]

    def record_rating(self, rating: RatingInput) -> RecordedRating:
        check_rating_input(rating, self._info)
        if not 0 <= rating.position < len(self._order):
            raise InvalidInputError(f"position {rating.position} is outside the order 0..{len(self._order) - 1}")
        if self._order[rating.position].blinded_id != rating.blinded_id:
            raise InvalidInputError(f"position {rating.position} shows case {self._order[rating.position].blinded_id}, "
                                    f"not {rating.blinded_id}")
        self._info.scale.validate(rating.score)
        d = rating.display
        row = {"position": rating.position, "blinded_id": rating.blinded_id, "score": rating.score,
               "binary_call": None if rating.binary_call is None else BINARY_CODES[rating.binary_call.value],
               "artefacts": ";".join(rating.artefacts), "comment": rating.comment,
               "shown_at": rating.shown_at.isoformat(), "answered_at": rating.answered_at.isoformat(),
               "elapsed_ms": int(rating.elapsed_ms), "window_center": d.window_center, "window_width": d.window_width,
               "zoom": d.zoom, "pan_x": d.pan_x, "pan_y": d.pan_y, "slice_index": d.slice_index, "preset": d.preset}
        try:
            rating_id, revision = self._package.append_rating(row, allow_changes=self._info.allow_changes)
        except PermissionError as error:
            raise StudyStateError(f"this study does not allow changing an answer (position {error.args[0]} "
                                  "is already rated)") from error
        return RecordedRating(rating_id, revision, rating)

    def training_feedback(self, blinded_id: str) -> Truth:
        code = self._training.get(blinded_id)
        if code is None:
            raise BlindingError(f"case {blinded_id} is not a training case: its truth stays hidden")
        return Truth.REAL if code == BINARY_CODES["real"] else Truth.SYNTHETIC

    def close(self) -> None:
        self._package.close()
