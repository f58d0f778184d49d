"""The console's task runner: every long or database-touching call runs off the GUI thread.

A screen calls :meth:`TaskRunner.submit` with a plain function of the backend. The function runs on a
:class:`QThreadPool` worker and receives ``progress(done, total, message)`` and ``cancel() -> bool``
keyword arguments when it accepts them. Results, progress and failures come back to the GUI thread as
signals of a :class:`TaskHandle` (a QObject living on the GUI thread, so the connections are queued).
Failures go to one place, the window's error boundary, unless the caller handles them itself.

Ordering guarantees: a job starts only once control is back in the event loop (what the caller connects
right after ``submit`` is in place before it can end), and :attr:`TaskHandle.running` turns ``False`` only
after every slot of :attr:`TaskHandle.ended` has run.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from turingview.core.errors import CancelledError

log = logging.getLogger("turingview.ui.console")


class TaskHandle(QObject):
    """One submitted task: its signals, its cancel flag and its state."""

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal(str)
    ended = Signal()  # after any of the three outcomes
    #: Emitted after ``ended``: its queued call is posted after every slot of ``ended``, so ``running`` turns
    #: False only once the screens have seen the end (a worker preempted half-way through emitting
    #: ``ended`` used to let ``running`` clear before a screen's task bar had noticed).
    _settled = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._cancel = threading.Event()
        self.running = True
        self.result: Any = None
        self.error: BaseException | None = None
        self.job: QRunnable | None = None

    def cancel(self) -> None:
        """Ask the task to stop at its next check; it ends with :attr:`cancelled`."""
        self._cancel.set()

    def is_cancel_requested(self) -> bool:
        return self._cancel.is_set()


class _Job(QRunnable):
    def __init__(self, handle: TaskHandle, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the handle owns it until the task ended
        self.handle = handle
        self.fn = fn
        self.kwargs = kwargs

    def run(self) -> None:  # worker thread
        handle = self.handle
        try:
            result = self.fn(**self.kwargs)
        except CancelledError as error:
            handle.cancelled.emit(str(error))
        except BaseException as error:
            handle.error = error
            handle.failed.emit(error)
        else:
            handle.result = result
            handle.succeeded.emit(result)
        finally:
            handle.ended.emit()
            handle._settled.emit()


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class TaskRunner(QObject):
    """A small pool (two workers: the machine is shared) with an error boundary.

    Parameters
    ----------
    on_error
        Called on the GUI thread with every failure whose task was submitted without its own ``on_error``.
    """

    def __init__(self, on_error: Callable[[BaseException], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._on_error = on_error
        self._active: set[TaskHandle] = set()
        self._closed = False

    def submit(
        self,
        name: str,
        fn: Callable[..., Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[str], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
    ) -> TaskHandle:
        """Run ``fn`` on a worker; callbacks run on the GUI thread. Returns the task's handle."""
        handle = TaskHandle(name)  # owned by Python: screens may keep it after it ended
        kwargs: dict[str, Any] = {}
        if _accepts(fn, "progress"):
            kwargs["progress"] = lambda done, total, message: handle.progress.emit(int(done), int(total), str(message))
        if _accepts(fn, "cancel"):
            kwargs["cancel"] = handle.is_cancel_requested
        if on_progress is not None:
            handle.progress.connect(on_progress)
        if on_done is not None:
            handle.succeeded.connect(on_done)
        handle.failed.connect(on_error if on_error is not None else self._on_error)
        if on_cancelled is not None:
            handle.cancelled.connect(on_cancelled)
        handle._settled.connect(lambda: self._finish(handle))
        self._active.add(handle)
        # keep the Python side of the runnable alive until it ended: a collected wrapper would never run
        handle.job = _Job(handle, fn, kwargs)
        # Start once control is back in the event loop, so that what the caller connects to the handle
        # right after this returns (a task bar, a button update) is connected before the job can end.
        QTimer.singleShot(0, self, lambda: self._start(handle))
        return handle

    def _start(self, handle: TaskHandle) -> None:
        if handle.job is None:
            return
        if self._closed or handle.is_cancel_requested():
            handle.cancelled.emit(f"{handle.name} was cancelled before it started")
            handle.ended.emit()
            handle._settled.emit()
            return
        self.pool.start(handle.job)

    def _finish(self, handle: TaskHandle) -> None:
        handle.running = False
        handle.job = None
        self._active.discard(handle)

    @property
    def busy(self) -> bool:
        return bool(self._active)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every task and wait for the workers; ``True`` if they all stopped in time."""
        self._closed = True
        for handle in list(self._active):
            handle.cancel()
        return self.pool.waitForDone(timeout_ms)
