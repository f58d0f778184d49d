"""The console's task runner: what a screen connects right after submitting always sees the task end."""

from __future__ import annotations

import threading

import pytest

from turingview.core.errors import CancelledError
from turingview.ui.console.tasks import TaskRunner

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qapp):  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    runner = TaskRunner(errors.append)
    runner.errors = errors  # type: ignore[attr-defined]
    yield runner
    assert runner.shutdown(10_000)


def test_an_instant_task_is_not_started_before_the_caller_has_connected(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    started = threading.Event()
    handle = runner.submit("instant", lambda: started.set() or 42)
    assert not started.wait(0.2)  # nothing runs until control is back in the event loop
    seen: list[object] = []
    handle.succeeded.connect(seen.append)
    handle.ended.connect(lambda: seen.append("ended"))
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert started.is_set() and seen == [42, "ended"] and handle.result == 42
    assert not runner.busy


def test_running_clears_only_after_every_ended_slot_ran(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    handles = [runner.submit(f"task {k}", lambda k=k: k) for k in range(20)]
    running_when_ended: list[bool] = []
    for handle in handles:
        handle.ended.connect(lambda h=handle: running_when_ended.append(h.running))
    qtbot.waitUntil(lambda: not runner.busy, timeout=10_000)
    assert running_when_ended == [True] * 20  # a waiter polling ``running`` never sees a half-ended task


def test_failures_go_to_the_error_boundary_and_still_end(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    def boom() -> None:
        raise ValueError("bad row 3")

    handle = runner.submit("fails", boom)
    ended: list[bool] = []
    handle.ended.connect(lambda: ended.append(True))
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert ended == [True] and [str(e) for e in runner.errors] == ["bad row 3"]


def test_a_task_cancelled_before_it_started_never_runs(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    ran = threading.Event()
    handle = runner.submit("never", lambda: ran.set())
    messages: list[str] = []
    handle.cancelled.connect(messages.append)
    handle.cancel()
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert not ran.is_set() and messages == ["never was cancelled before it started"]


def test_cancel_reaches_a_running_task(qtbot, runner) -> None:  # type: ignore[no-untyped-def]
    inside = threading.Event()

    def long_task(cancel) -> None:  # type: ignore[no-untyped-def]
        inside.set()
        while not cancel():
            threading.Event().wait(0.01)
        raise CancelledError("stopped by the coordinator")

    handle = runner.submit("long", long_task)
    messages: list[str] = []
    handle.cancelled.connect(messages.append)
    qtbot.waitUntil(inside.is_set, timeout=5000)
    handle.cancel()
    qtbot.waitUntil(lambda: not handle.running, timeout=5000)
    assert messages == ["stopped by the coordinator"] and runner.errors == []
