"""Small Qt-free building blocks of the review session: the observer, the states, the write runner.

Split from :mod:`turingview.core.review_session`, which re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

__all__ = ["Progress", "SessionState", "Signal", "WriteRunner", "run_immediately"]

T = TypeVar("T")


class Signal:
    """A minimal observer list: ``connect(callback)``, ``disconnect(callback)``, ``emit(*args)``.

    Callbacks run synchronously, in connection order, on the thread that emits (the session only
    emits from the thread that drives it: the GUI thread in the workstation).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._callbacks: list[Callable[..., Any]] = []

    def connect(self, callback: Callable[..., Any]) -> None:
        """Call ``callback(*args)`` on every :meth:`emit`."""
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[..., Any] | None = None) -> None:
        """Remove one callback, or all of them when ``callback`` is ``None``."""
        if callback is None:
            self._callbacks.clear()
        else:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        """Call every connected callback with ``args``."""
        for callback in list(self._callbacks):
            callback(*args)

    def __repr__(self) -> str:
        return f"Signal({self.name!r}, {len(self._callbacks)} callback(s))"


class SessionState(StrEnum):
    """Where the session is."""

    IDLE = "idle"  # built, not started (the instructions page is showing)
    LOADING = "loading"  # a case is current; its image is not painted yet
    SHOWING = "showing"  # painted: the only state that accepts a rating
    SAVING = "saving"  # a rating is being written; nothing else is accepted
    FEEDBACK = "feedback"  # training case rated: truth is shown until acknowledged
    PAUSED = "paused"
    FINISHED = "finished"


@dataclass(frozen=True)
class Progress:
    """Counter shown to the reader: ``number / total`` within the current block (training or blinded)."""

    number: int
    total: int
    training: bool

    def __str__(self) -> str:
        prefix = "Training " if self.training else ""
        return f"{prefix}{self.number} / {self.total}"


#: ``runner(job, on_done, on_error)``: run ``job()`` somewhere, then ``on_done(result)`` or ``on_error(exc)``.
WriteRunner = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[BaseException], None]], None]


def run_immediately(
    job: Callable[[], T], on_done: Callable[[T], None], on_error: Callable[[BaseException], None]
) -> None:
    """The default :data:`WriteRunner`: run the job now, on the calling thread."""
    try:
        result = job()
    except Exception as error:
        on_error(error)
        return
    on_done(result)
