"""The append-only rating log of one reader in one study, over the study database.

:meth:`RatingLog.record` is one ``BEGIN IMMEDIATE`` (SQLite) / ``SELECT ... FOR UPDATE`` (PostgreSQL)
transaction: it checks the study is open, the position and blinded id belong to the reader's order and the
score lies on the scale, computes the next revision, inserts the row and its audit event, and commits with
``synchronous=FULL``. The returned :class:`~turingview.core.domain.RecordedRating` is durable.
A corrected answer is a new row with ``revision + 1`` that names the row it supersedes.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, exc, insert, select
from sqlalchemy.orm import Session

from turingview.core.domain import DisplayState, RatingInput, RatingScale, RecordedRating, StudyStatus, Truth
from turingview.core.errors import (
    DuplicateRatingError,
    InvalidInputError,
    NotFoundError,
    StorageError,
    StudyStateError,
)
from turingview.storage import audit
from turingview.storage.backup import maybe_backup
from turingview.storage.engine import engine_session, get_engine
from turingview.storage.models import Assignment, Rating, Reader, Study, utcnow
from turingview.storage.repository import OrderItem, StudyStore


def rating_values(rating: RatingInput, *, assignment_id: int, case_id: int, revision: int, is_training: bool,
                  supersedes_id: int | None, source: str) -> dict[str, Any]:
    """The ``rating`` row's values for a submitted rating."""
    d = rating.display
    return dict(
        assignment_id=assignment_id, position=rating.position, revision=revision, case_id=case_id,
        supersedes_id=supersedes_id, is_training=is_training, score=rating.score,
        binary_call=rating.binary_call.value if rating.binary_call is not None else None,
        artefacts=";".join(rating.artefacts), comment=rating.comment, shown_at=rating.shown_at,
        answered_at=rating.answered_at, elapsed_ms=int(rating.elapsed_ms), window_center=d.window_center,
        window_width=d.window_width, zoom=d.zoom, pan_x=d.pan_x, pan_y=d.pan_y, slice_index=d.slice_index,
        preset=d.preset, source=source, recorded_at=utcnow(),
    )


def rating_input(row: Rating, blinded_id: str) -> RatingInput:
    """Rebuild the reader-side :class:`RatingInput` of a stored row."""
    return RatingInput(
        position=row.position, blinded_id=blinded_id, score=row.score, shown_at=row.shown_at,
        answered_at=row.answered_at, elapsed_ms=row.elapsed_ms,
        display=DisplayState(window_center=row.window_center, window_width=row.window_width, zoom=row.zoom,
                             pan_x=row.pan_x, pan_y=row.pan_y, slice_index=row.slice_index, preset=row.preset),
        binary_call=Truth(row.binary_call) if row.binary_call else None,
        artefacts=tuple(a for a in row.artefacts.split(";") if a), comment=row.comment,
    )


def same_answer(row: Any, rating: RatingInput) -> bool:
    """True when ``rating`` repeats the stored answer ``row`` (same answer time and content)."""
    return (row.answered_at == rating.answered_at and row.score == rating.score
            and row.comment == rating.comment and row.artefacts == ";".join(rating.artefacts))


class RatingLog:
    """One reader's rating log in one study of the database at ``db_url``."""

    def __init__(self, db_url: str | None, study_name: str, reader_id: str) -> None:
        self.engine: Engine = get_engine(db_url)
        self.study_name = study_name
        self.reader_id = reader_id
        with engine_session(self.engine) as session:
            store = StudyStore(session)
            study = store.study(study_name)
            assignment = store.assignment(study, reader_id)
            self.study_id = study.id
            self.assignment_id = assignment.id
            self.scale = RatingScale(tuple(json.loads(study.scale_labels)))
            self.settings: dict[str, object] = json.loads(study.settings)
            self.items: list[OrderItem] = store.order(assignment.id, with_repeats=False)

    def study_row(self) -> Study:
        with engine_session(self.engine) as session:
            study = session.get(Study, self.study_id)
            if study is None:
                raise NotFoundError(f"study {self.study_name!r} was removed")
            return study

    def item(self, position: int, blinded_id: str) -> OrderItem:
        if not 0 <= position < len(self.items):
            raise InvalidInputError(f"position {position} is outside the reader's order 0..{len(self.items) - 1}")
        item = self.items[position]
        if item.blinded_id != blinded_id:
            raise InvalidInputError(f"position {position} shows case {item.blinded_id}, not {blinded_id}")
        return item

    def recorded(self) -> list[RecordedRating]:
        with engine_session(self.engine) as session:
            rows = StudyStore(session).ratings(self.assignment_id)
        return [RecordedRating(r.id, r.revision, rating_input(r, self.items[r.position].blinded_id)) for r in rows]

    def record(self, rating: RatingInput, *, source: str = "database", revision: int | None = None,
               session: Session | None = None) -> RecordedRating:
        """Append ``rating``; durable on return. See the module docstring for the checks.

        ``revision`` (used by package imports) asserts the revision to write; ``session`` joins an outer
        transaction instead of committing one of its own.
        """
        item = self.item(rating.position, rating.blinded_id)
        self.scale.validate(rating.score)
        if rating.elapsed_ms < 0:
            raise InvalidInputError(f"elapsed time {rating.elapsed_ms} ms is negative")
        if session is not None:
            session.flush()
            recorded = self._record(session.connection(), rating, item, source, revision)
            for obj in list(session.identity_map.values()):  # the chain head moved under the ORM's feet
                if isinstance(obj, Study) and obj.id == self.study_id:
                    session.expire(obj)
            return recorded
        try:
            with self.engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
                recorded = self._record(conn, rating, item, source, revision)
            maybe_backup(self.engine)  # rolling backups during long sessions, off this thread
            return recorded
        except exc.IntegrityError as error:
            raise DuplicateRatingError(
                f"reader {self.reader_id!r}, position {rating.position}: this revision was already recorded "
                "(a stale or repeated answer)") from error
        except exc.SQLAlchemyError as error:
            raise StorageError(f"the rating of position {rating.position} could not be saved "
                               f"({error.__class__.__name__}: {getattr(error, 'orig', error)}); nothing was recorded"
                               ) from error

    def _record(self, conn: Connection, rating: RatingInput, item: OrderItem, source: str,
                revision: int | None) -> RecordedRating:
        # Core statements: one locked read of the study, one read of the latest revision, two inserts, one update.
        study = conn.execute(_LOCK_STUDY, {"p_study": self.study_id}).one()
        if study.status != StudyStatus.OPEN.value:
            raise StudyStateError(f"study {study.name!r} is {study.status}: it does not accept ratings")
        latest = conn.execute(_LATEST, {"p_assignment": self.assignment_id, "p_position": rating.position}).first()
        if latest is not None:
            if same_answer(latest, rating):
                raise DuplicateRatingError(f"reader {self.reader_id!r}, position {rating.position}: "
                                           f"this answer was already recorded as revision {latest.revision}")
            if not self.settings.get("allow_changes", False) and revision is None:
                raise StudyStateError(f"study {study.name!r} does not allow changing an answer "
                                      f"(position {rating.position} is already rated)")
        next_revision = latest.revision + 1 if latest is not None else 1
        if revision is not None and revision != next_revision:
            raise DuplicateRatingError(f"reader {self.reader_id!r}, position {rating.position}: revision {revision} "
                                       f"cannot follow revision {next_revision - 1}")
        values = rating_values(rating, assignment_id=self.assignment_id, case_id=item.case_id,
                               revision=next_revision, is_training=item.is_training,
                               supersedes_id=latest.id if latest is not None else None, source=source)
        rating_id = conn.execute(_INSERT_RATING, values).scalar_one()
        audit.append_event_fast(conn, study.id, study.uid, study.audit_seq, study.audit_head, "rating_recorded", {
            "rating_id": rating_id, "reader": self.reader_id, "position": rating.position, "revision": next_revision,
            "case": item.blinded_id, "training": item.is_training, "source": source,
            "digest": audit.rating_digest(SimpleNamespace(**values))})
        return RecordedRating(rating_id, next_revision, rating)


# Built once: the hot path only binds values.
_LOCK_STUDY = (select(Study.id, Study.uid, Study.name, Study.status, Study.audit_seq, Study.audit_head)
               .where(Study.id == bindparam("p_study")).with_for_update())
_LATEST = (select(Rating.id, Rating.revision, Rating.answered_at, Rating.score, Rating.comment, Rating.artefacts)
           .where(Rating.assignment_id == bindparam("p_assignment"), Rating.position == bindparam("p_position"))
           .order_by(Rating.revision.desc()).limit(1))
_INSERT_RATING = insert(Rating.__table__).returning(Rating.__table__.c.id)


def reader_codes(session: Session, study_id: int) -> list[str]:
    query = (select(Reader.code).join(Assignment, Assignment.reader_id == Reader.id)
             .where(Assignment.study_id == study_id).order_by(Assignment.id))
    return list(session.scalars(query))
