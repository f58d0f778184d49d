"""The hash-chained audit trail of a study.

Each event stores ``body``, the canonical JSON of ``{"study": uid, "seq": n, "kind", "actor", "at",
"payload"}``, and ``hash = SHA-256(prev_hash || "\\n" || body)`` where ``prev_hash`` is the previous event's
hash (64 zeros for the first). The study row keeps the chain head and length, so dropping the last events is
detected too. Rating events carry a digest of the rating row, so :func:`verify_chain` also detects a rating
altered or inserted behind the application's back.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8, no NaN (RFC 8785 in spirit).
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from turingview.storage.models import AuditEvent, Rating, Study, utcnow

GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """Deterministic JSON text of ``value`` (sorted keys, compact separators, no NaN)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
                      default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"not JSON-serialisable in an audit event: {type(value).__name__}")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(prev_hash: str, body: str) -> str:
    return sha256_text(prev_hash + "\n" + body)


def current_actor() -> str:
    """Who is acting: the operating-system user (overridable by callers)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "unknown"


def rating_digest(rating: Any) -> str:
    """SHA-256 of a rating row's recorded content (everything except its surrogate key and recording time).

    ``rating`` is a :class:`Rating` or any object with the same attributes (the hot path passes the values
    it inserted).
    """
    fields = {
        "assignment": rating.assignment_id, "position": rating.position, "revision": rating.revision,
        "case": rating.case_id, "supersedes": rating.supersedes_id, "training": bool(rating.is_training),
        "score": rating.score, "binary_call": rating.binary_call, "artefacts": rating.artefacts,
        "comment": rating.comment, "shown_at": _utc(rating.shown_at), "answered_at": _utc(rating.answered_at),
        "elapsed_ms": int(rating.elapsed_ms), "wc": _float(rating.window_center), "ww": _float(rating.window_width),
        "zoom": _float(rating.zoom), "pan": [_float(rating.pan_x), _float(rating.pan_y)],
        "slice": rating.slice_index, "preset": rating.preset, "source": rating.source,
    }
    return sha256_text(canonical_json(fields))


_ACTOR = current_actor()


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def append_event(session: Session, study: Study, kind: str, payload: dict[str, Any], *,
                 actor: str | None = None) -> AuditEvent:
    """Append one event to ``study``'s chain inside the caller's transaction.

    The caller must hold the study row for update (PostgreSQL) or SQLite's write lock, so sequence numbers
    never race; :func:`lock_study` does this.
    """
    seq = study.audit_seq + 1
    at = utcnow()
    body = canonical_json({"study": study.uid, "seq": seq, "kind": kind, "actor": actor or current_actor(),
                           "at": at.isoformat(), "payload": payload})
    prev = study.audit_head or GENESIS
    event = AuditEvent(study_id=study.id, seq=seq, kind=kind, actor=actor or current_actor(), at=at, body=body,
                       prev_hash=prev, hash=chain_hash(prev, body))
    session.add(event)
    study.audit_seq = seq
    study.audit_head = event.hash
    study.updated_at = at
    return event


def append_event_fast(conn: Connection, study_id: int, study_uid: str, audit_seq: int, audit_head: str, kind: str,
                      payload: dict[str, Any], *, actor: str | None = None) -> str:
    """:func:`append_event` on a plain connection for the hot path (one rating); returns the new head.

    The caller holds the study row locked (or SQLite's write lock) and passes its current chain position.
    """
    seq = audit_seq + 1
    at = utcnow()
    who = actor or _ACTOR
    body = canonical_json({"study": study_uid, "seq": seq, "kind": kind, "actor": who, "at": at.isoformat(),
                           "payload": payload})
    prev = audit_head or GENESIS
    digest = chain_hash(prev, body)
    conn.execute(_INSERT_EVENT, {"study_id": study_id, "seq": seq, "kind": kind, "actor": who, "at": at,
                                 "body": body, "prev_hash": prev, "hash": digest})
    conn.execute(_UPDATE_HEAD, {"p_id": study_id, "p_seq": seq, "p_head": digest, "p_at": at})
    return digest


# Built once: the hot path only binds values.
_INSERT_EVENT = insert(AuditEvent.__table__)
_UPDATE_HEAD = (update(Study.__table__).where(Study.__table__.c.id == bindparam("p_id"))
                .values(audit_seq=bindparam("p_seq"), audit_head=bindparam("p_head"), updated_at=bindparam("p_at")))


def lock_study(session: Session, name: str) -> Study | None:
    """Load a study by name, locking its row until the transaction ends (PostgreSQL ``FOR UPDATE``)."""
    return session.scalars(select(Study).where(Study.name == name).with_for_update()).one_or_none()


@dataclass(frozen=True)
class AuditVerification:
    """Outcome of :func:`verify_chain`.

    ``ok`` is True when every link, the stored head and every rating digest check out; otherwise
    ``broken_seq`` names the first bad event (or ``None`` when the fault is not one event) and ``reason``
    says what is wrong.
    """

    study: str
    ok: bool
    event_count: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.ok:
            return f"OK: study {self.study!r}, {self.event_count} events, chain head {self.head_hash}"
        where = f"event #{self.broken_seq}" if self.broken_seq is not None else "chain"
        return f"BROKEN: study {self.study!r}, {where}: {self.reason}"


def verify_chain(session: Session, study: Study) -> AuditVerification:
    """Recompute every link of ``study``'s chain and cross-check rating rows against their events."""
    events = session.scalars(select(AuditEvent).where(AuditEvent.study_id == study.id).order_by(AuditEvent.seq))
    prev = GENESIS
    count = 0
    rating_digests: dict[int, str] = {}

    def broken(seq: int | None, reason: str) -> AuditVerification:
        return AuditVerification(study.name, False, count, prev, seq, reason)

    for event in events:
        count += 1
        if event.seq != count:
            return broken(count, f"event #{count} is missing (found #{event.seq} next)")
        if event.prev_hash != prev:
            return broken(event.seq, "previous-hash link does not match the preceding event")
        if chain_hash(prev, event.body) != event.hash:
            return broken(event.seq, "event content does not match its hash (modified after the fact)")
        try:
            body = json.loads(event.body)
        except json.JSONDecodeError:
            return broken(event.seq, "event body is not valid JSON")
        if body.get("seq") != event.seq or body.get("kind") != event.kind or body.get("study") != study.uid:
            return broken(event.seq, "event columns disagree with the hashed body")
        if event.kind == "rating_recorded":
            rating_digests[int(body["payload"]["rating_id"])] = body["payload"]["digest"]
        elif event.kind == "ratings_imported":
            for rid, digest in body["payload"].get("digests", {}).items():
                rating_digests[int(rid)] = digest
        prev = event.hash
    if count != study.audit_seq or prev != (study.audit_head or GENESIS):
        return broken(None, f"chain has {count} events ending {prev[:12]}..., but the study records "
                            f"{study.audit_seq} ending {study.audit_head[:12]}... (events removed or added)")
    from turingview.storage.models import Assignment

    ratings = session.scalars(select(Rating).join(Assignment, Rating.assignment_id == Assignment.id)
                              .where(Assignment.study_id == study.id).order_by(Rating.id))
    for rating in ratings:
        expected = rating_digests.pop(rating.id, None)
        if expected is None:
            return broken(None, f"rating #{rating.id} has no audit event (inserted behind the application)")
        if rating_digest(rating) != expected:
            return broken(None, f"rating #{rating.id} was modified after it was recorded")
    if rating_digests:
        return broken(None, f"{len(rating_digests)} audited rating(s) are missing, e.g. #{min(rating_digests)}")
    return AuditVerification(study.name, True, count, prev)
