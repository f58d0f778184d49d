"""The GUI bridge and the prefetcher: callbacks run later on the GUI thread, never inside the call that posted.

Regression: under CPU load a decode could finish before its done-callback was attached; the callback then
ran synchronously inside ``Prefetcher._start``, which re-inserted the case as "pending" after it had
finished. Once that case was evicted, going Back to it waited for ever ("Loading…"). The instant decoder
below makes that ordering certain instead of a matter of scheduling.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from turingview.study import open_reading_source
from turingview.ui.workers import GuiBridge, Prefetcher, PreparedImage, Workers

pytestmark = pytest.mark.gui


class InstantDecodeWorkers(Workers):
    """Real workers whose decode job has already finished when its callbacks are attached."""

    def decode(self, job: Callable[[], Any], on_done: Callable[[Any], None],
               on_error: Callable[[BaseException], None]) -> Future[Any] | None:
        future: Future[Any] = Future()
        try:
            future.set_result(job())
        except Exception as error:  # delivered to on_error, like a failure on the pool
            future.set_exception(error)
        self._deliver(future, on_done, on_error)
        return future


def test_post_from_the_gui_thread_runs_later(qapp) -> None:  # type: ignore[no-untyped-def]
    bridge = GuiBridge()
    calls: list[str] = []
    bridge.post(lambda: calls.append("ran"))
    assert calls == []  # not inside post()
    QApplication.processEvents()
    assert calls == ["ran"]
    bridge.close()
    bridge.post(lambda: calls.append("after close"))
    QApplication.processEvents()
    assert calls == ["ran"]


def test_case_finished_before_its_callback_is_attached_is_delivered_again_after_eviction(
        qtbot, make_study) -> None:  # type: ignore[no-untyped-def]
    db_url, study = make_study(training=False)
    source = open_reading_source(db_url, study, "r1")
    workers = InstantDecodeWorkers(GuiBridge())
    try:
        prefetcher = Prefetcher(source, workers, depth=1)
        first, second, *_ = [case.blinded_id for case in source.order() if not case.is_training]
        got: list[PreparedImage | BaseException] = []
        prefetcher.request(first, got.append)
        qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
        assert isinstance(got[0], PreparedImage) and got[0].blinded_id == first
        assert not prefetcher.busy  # nothing left "pending" once the case is ready

        prefetcher.request(second, got.append)  # move on, as the window does: the first case is evicted
        prefetcher.keep(second, [])
        qtbot.waitUntil(lambda: len(got) == 2, timeout=5000)
        assert not prefetcher.is_ready(first)

        prefetcher.request(first, got.append)  # Back: decoded again and delivered
        qtbot.waitUntil(lambda: len(got) == 3, timeout=5000)
        assert isinstance(got[2], PreparedImage) and got[2].blinded_id == first
        assert not prefetcher.busy
    finally:
        workers.shutdown()
        source.close()
