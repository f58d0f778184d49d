"""Work off the GUI thread: one database-writer thread, a small decode pool, and the image prefetcher.

Results come back to the GUI thread through :class:`GuiBridge`, a QObject living on the GUI thread whose
signal is emitted from worker threads (a queued connection), so callbacks always run on the GUI thread.
Everything is shut down, joined, by :meth:`Workers.shutdown` (the window calls it when it closes).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QImage

from turingview.core.errors import ImageLoadError, TuringViewError
from turingview.core.ports import ReadingSource
from turingview.imaging.display import default_window, render_slice
from turingview.imaging.presets import PRESETS
from turingview.imaging.volume import ImageVolume, Window


class GuiBridge(QObject):
    """Runs callables on the GUI thread when asked from any thread."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Queued even when posted from the GUI thread itself: a callback never runs inside the call that
        # posted it (a decode that finished before its done-callback was attached used to re-enter the
        # prefetcher half-way through its bookkeeping and leave the case "pending" for ever).
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def post(self, fn: Callable[[], None]) -> None:
        """Queue ``fn()`` to run on the GUI thread's event loop, later (dropped once the bridge is closed)."""
        if not self._closed:
            self._call.emit(fn)

    def close(self) -> None:
        self._closed = True

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        if not self._closed:
            fn()


def to_qimage(array: np.ndarray) -> QImage:
    """A deep-copied QImage of a uint8 ``(rows, cols)`` or ``(rows, cols, 3)`` array."""
    array = np.ascontiguousarray(array)
    rows, cols = array.shape[:2]
    if array.ndim == 2:
        image = QImage(array.data, cols, rows, array.strides[0], QImage.Format.Format_Grayscale8)
    else:
        image = QImage(array.data, cols, rows, array.strides[0], QImage.Format.Format_RGB888)
    return image.copy()


#: The window every CT case opens with: soft tissue (W 350, L 50), the same for every case of both classes.
CT_DEFAULT_PRESET = "ct-soft-tissue"


@dataclass
class PreparedImage:
    """A case ready to paint: the decoded volume, its initial window and the first slice rendered."""

    blinded_id: str
    volume: ImageVolume
    window: Window | None
    slice_index: int
    image: QImage
    preset: str | None = None
    scaled: QImage | None = None  # ``image`` already scaled to the view's fitted size (a 1:1 blit to paint)


def initial_window(volume: ImageVolume) -> tuple[Window | None, str | None]:
    """The window a case opens with, by one rule for every case of a modality (blinding).

    CT opens on the soft-tissue preset, as on a PACS; other modalities on
    :func:`~turingview.imaging.display.default_window` (the robust percentile window of the presented
    pixels); colour images are shown as stored.
    """
    if volume.is_color:
        return None, None
    if volume.modality.upper() == "CT":
        return PRESETS[CT_DEFAULT_PRESET], CT_DEFAULT_PRESET
    return default_window(volume), None


#: Black margin (px) around the fitted image, so its edges stay visible.
FIT_MARGIN = 6


def fitted_size(volume: ImageVolume, width: int, height: int) -> tuple[int, int]:
    """On-screen size of ``volume``'s slices fitted (zoom 1) into a ``width`` x ``height`` view.

    The displayed aspect comes from the pixel spacing (:attr:`ImageVolume.pixel_aspect`).
    """
    phys_w, phys_h = float(volume.cols), float(volume.rows) * volume.pixel_aspect
    scale = max(min((width - 2 * FIT_MARGIN) / phys_w, (height - 2 * FIT_MARGIN) / phys_h), 1e-3)
    return max(1, round(phys_w * scale)), max(1, round(phys_h * scale))


def prepare(source: ReadingSource, blinded_id: str, view_size: tuple[int, int] | None = None) -> PreparedImage:
    """Decode and render the first view of a case, scaled to the view when its size is known (decode thread)."""
    volume = source.load_image(blinded_id)
    window, preset = initial_window(volume)
    index = volume.middle_slice
    image = to_qimage(render_slice(volume, index, window))
    scaled = None
    if view_size is not None and min(view_size) > 2 * FIT_MARGIN:
        w, h = fitted_size(volume, *view_size)
        scaled = image.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return PreparedImage(blinded_id, volume, window, index, image, preset, scaled)


class Workers:
    """The writer thread, the decode pool and the GUI bridge of one reading window."""

    def __init__(self, bridge: GuiBridge, *, decode_threads: int = 2) -> None:
        self.bridge = bridge
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tv-db-writer")
        self._decoder = ThreadPoolExecutor(max_workers=decode_threads, thread_name_prefix="tv-decode")
        self._closed = False

    def _deliver(
        self, future: Future[Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> None:
        def callback(done: Future[Any]) -> None:
            if done.cancelled():
                return
            error = done.exception()
            if error is not None:
                self.bridge.post(lambda: on_error(error))
            else:
                result = done.result()
                self.bridge.post(lambda: on_done(result))

        future.add_done_callback(callback)

    def write(
        self, job: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> None:
        """A :data:`~turingview.core.review_session.WriteRunner` on the single writer thread."""
        if self._closed:
            on_error(TuringViewError("the reading window is closing; the answer was not saved"))
            return
        self._deliver(self._writer.submit(job), on_done, on_error)

    def decode(
        self, job: Callable[[], Any], on_done: Callable[[Any], None], on_error: Callable[[BaseException], None]
    ) -> Future[Any] | None:
        """Run ``job`` on the decode pool; callbacks on the GUI thread."""
        if self._closed:
            return None
        future = self._decoder.submit(job)
        self._deliver(future, on_done, on_error)
        return future

    def shutdown(self) -> None:
        """Cancel queued decodes, let a running write finish (it is durable or not, never half), join all."""
        if self._closed:
            return
        self._closed = True
        self._decoder.shutdown(wait=True, cancel_futures=True)
        self._writer.shutdown(wait=True)
        self.bridge.close()


class Prefetcher:
    """Keeps the current case and the next ``depth`` cases decoded *and* rendered.

    ``request(blinded_id, callback)`` calls ``callback(prepared_or_error)`` on the GUI thread as soon as the
    case is ready (at once when it already is). Cases outside the window are evicted.
    """

    def __init__(self, source: ReadingSource, workers: Workers, *, depth: int = 3) -> None:
        self.source = source
        self.workers = workers
        self.depth = depth
        self._ready: OrderedDict[str, PreparedImage] = OrderedDict()
        self._pending: dict[str, Future[Any] | None] = {}
        self._waiters: dict[str, list[Callable[[PreparedImage | BaseException], None]]] = {}
        self._lock = threading.Lock()
        #: Size of the image view; set by the window so prepared cases come pre-scaled.
        self.view_size: tuple[int, int] | None = None

    def request(self, blinded_id: str, callback: Callable[[PreparedImage | BaseException], None]) -> None:
        """Deliver the prepared case to ``callback`` (now if ready, else when decoded)."""
        ready = self._ready.get(blinded_id)
        if ready is not None:
            callback(ready)
            return
        self._waiters.setdefault(blinded_id, []).append(callback)
        self._start(blinded_id)

    def is_ready(self, blinded_id: str) -> bool:
        return blinded_id in self._ready

    @property
    def busy(self) -> bool:
        """Some case is being decoded."""
        return bool(self._pending)

    def keep(self, current: str, upcoming: Sequence[str]) -> None:
        """Prefetch ``upcoming[:depth]``; evict everything but those and ``current``."""
        wanted = [current, *list(upcoming)[: self.depth]]
        for blinded_id in list(self._ready):
            if blinded_id not in wanted:
                del self._ready[blinded_id]
        for blinded_id in wanted[1:]:
            self._start(blinded_id)

    def _start(self, blinded_id: str) -> None:
        if blinded_id in self._ready or blinded_id in self._pending:
            return
        source, size = self.source, self.view_size
        self._pending[blinded_id] = None
        future = self.workers.decode(
            lambda: prepare(source, blinded_id, size),
            lambda prepared: self._finish(blinded_id, prepared),
            lambda error: self._finish(blinded_id, error),
        )
        if future is None:  # the window is closing: nothing will ever finish this case
            self._pending.pop(blinded_id, None)
        elif blinded_id in self._pending:  # not already finished (callbacks are queued, but be sure)
            self._pending[blinded_id] = future

    def _finish(self, blinded_id: str, result: PreparedImage | BaseException) -> None:
        self._pending.pop(blinded_id, None)
        if isinstance(result, PreparedImage):
            self._ready[blinded_id] = result
        elif not isinstance(result, TuringViewError):
            result = ImageLoadError(blinded_id, f"the image could not be prepared ({type(result).__name__}: {result})")
        for callback in self._waiters.pop(blinded_id, []):
            callback(result)
