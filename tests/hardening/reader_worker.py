"""A reader workstation without a screen, for the concurrency and soak tests (run as a subprocess).

Drives :class:`~turingview.core.review_session.ReviewSession` over ``open_reading_source``: every case is
painted (``mark_shown``), rated, and training feedback acknowledged. Each rating the session acknowledges
(the ``rating_recorded`` signal: durable on return) is appended to ``--ack`` as one JSON line and fsynced
*before* the next case, so the file is exactly the set of acknowledged ratings even if the process dies.
After the pass, ``--changes N`` positions are answered again (a revision), and each acknowledged rating is
re-submitted once to check the repeat is refused (``DuplicateRatingError``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--study", required=True)
    parser.add_argument("--reader", required=True)
    parser.add_argument("--ack", required=True)
    parser.add_argument("--changes", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from turingview.core.errors import DuplicateRatingError, StorageError
    from turingview.core.review_session import ReviewSession, SessionState
    from turingview.study import open_reading_source

    rng = random.Random(args.seed)
    source = open_reading_source(args.db, args.study, args.reader)
    session = ReviewSession(source)
    ack = open(args.ack, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole session
    acknowledged = []
    errors = {"retried": 0}

    def on_recorded(recorded, _feedback) -> None:  # type: ignore[no-untyped-def]
        acknowledged.append(recorded)
        ack.write(
            json.dumps(
                {
                    "reader": args.reader,
                    "rating_id": recorded.rating_id,
                    "position": recorded.position,
                    "revision": recorded.revision,
                    "score": recorded.rating.score,
                }
            )
            + "\n"
        )
        ack.flush()
        os.fsync(ack.fileno())

    def on_error(error, was_acknowledged) -> None:  # type: ignore[no-untyped-def]
        if not was_acknowledged:
            errors["retried"] += 1

    session.rating_recorded.connect(on_recorded)
    session.error.connect(on_error)
    session.start()
    while session.state is not SessionState.FINISHED:
        if session.state is SessionState.FEEDBACK:
            session.acknowledge_feedback()
            continue
        session.mark_shown()
        if session.state is SessionState.SHOWING:
            if session.rate(rng.randint(1, 5)) is None:
                time.sleep(0.01)
        elif session.state is SessionState.LOADING:
            continue
    # Corrections: new revisions of some positions, written straight through the source.
    rated = [r for r in acknowledged if not session.order[r.position].is_training]
    for recorded in rng.sample(rated, min(args.changes, len(rated))):
        import dataclasses
        from datetime import timedelta

        old = recorded.rating
        again = dataclasses.replace(old, score=old.score % 5 + 1, answered_at=old.answered_at + timedelta(seconds=5))
        on_recorded(source.record_rating(again), None)
    # A repeat of each position's latest acknowledged answer (a double key press, a retried write after a
    # lost reply) must be refused, never stored twice.
    latest = {r.position: r for r in sorted(acknowledged, key=lambda r: r.revision)}
    refused = 0
    for recorded in latest.values():
        try:
            source.record_rating(recorded.rating)
        except (DuplicateRatingError, StorageError):
            refused += 1
    source.close()
    ack.close()
    print(
        json.dumps(
            {
                "reader": args.reader,
                "acknowledged": len(acknowledged),
                "repeats_refused": refused,
                "retried": errors["retried"],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
