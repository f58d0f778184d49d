"""Fixtures for the coordinator console: real image folders, real SQLite studies with ratings, a window factory.

The window is the real :class:`ConsoleWindow` over the real top-layer backend (``ConsoleStudyBackend``): the
tests drive widgets, wait for the background tasks and assert on database rows and files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from synthetic_images import write_ct_slice, write_nifti_slice


def _slice(rng: np.random.Generator, size: int = 40) -> np.ndarray:
    yy, xx = np.mgrid[:size, :size]
    r = size * (0.3 + 0.08 * rng.random())
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < r * r
    return np.where(disc, 40.0, -1000.0) + rng.normal(0, 25, (size, size))


def write_ct(path: Path, hu: np.ndarray, *, manufacturer: str | None = None, float_pixels: bool = False) -> Path:
    """A CT slice (int16 stored; or 32-bit float pixels when ``float_pixels``), 0.8 mm pixels."""
    return write_ct_slice(path, hu, manufacturer=manufacturer, float_pixels=float_pixels)


def write_nifti(path: Path, values: np.ndarray, dtype: str) -> Path:
    """A one-slice NIfTI volume (no modality: presented as float32 on a 1/256 grid)."""
    return write_nifti_slice(path, values, dtype=dtype)


@pytest.fixture
def image_folders(tmp_path: Path) -> Callable[..., tuple[Path, Path]]:
    """Factory: ``image_folders(n, real_manufacturer=..., synthetic_manufacturer=...)`` -> (real dir, synthetic dir)."""

    def make(n: int = 6, *, real_manufacturer: str | None = None, tag: str = "a",
             float_synthetic_nifti: bool = False) -> tuple[Path, Path]:
        rng = np.random.default_rng(3)
        real, synthetic = tmp_path / f"{tag}-real", tmp_path / f"{tag}-gan"
        real.mkdir()
        synthetic.mkdir()
        for i in range(n):
            if float_synthetic_nifti:  # the planted cue: real int16, synthetic float32 (fractional values)
                write_nifti(real / f"r{i:02d}.nii", _slice(rng), "int16")
                write_nifti(synthetic / f"s{i:02d}.nii", _slice(rng), "float32")
            else:
                write_ct(real / f"r{i:02d}.dcm", _slice(rng), manufacturer=real_manufacturer)
                write_ct(synthetic / f"s{i:02d}.dcm", _slice(rng))
        return real, synthetic

    return make


def add_ratings(db_url: str, name: str, readers: list[str], *, seed: int = 5, fraction: float = 1.0) -> int:
    """Rate ``fraction`` of each reader's order through the real reading source; scores follow truth loosely."""
    from turingview.core.domain import RatingInput, Truth
    from turingview.study import case_records, open_reading_source

    truth = {r["blinded_id"]: r["truth"] for r in case_records(db_url, name)}
    rng = np.random.default_rng(seed)
    count = 0
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for reader in readers:
        source = open_reading_source(db_url, name, reader)
        try:
            order = list(source.order())
            for case in order[: round(len(order) * fraction)]:
                real = truth[case.blinded_id] == Truth.REAL.value
                score = int(np.clip(np.round(rng.normal(3.6 if real else 2.4, 1.0)), 1, 5))
                shown = start + timedelta(seconds=20 * count)
                source.record_rating(RatingInput(position=case.position, blinded_id=case.blinded_id, score=score,
                                                 shown_at=shown, answered_at=shown + timedelta(seconds=8),
                                                 elapsed_ms=8000 + int(rng.integers(0, 4000))))
                count += 1
        finally:
            source.close()
    return count


def make_rated_study(db_url: str, image_folders) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """An open study of 8 real + 8 synthetic cases, three readers; two finished, one half way."""
    from turingview.study import create_study
    from turingview.study.opening import open_study

    real, synthetic = image_folders(8, tag="rated")
    create_study(db_url, "rated", real_dirs=[real], synthetic_dirs=[synthetic], readers=["ann", "bob", "cy"],
                 seed=42, repeat_fraction=0.25)
    open_study(db_url, "rated")
    add_ratings(db_url, "rated", ["ann", "bob"])
    add_ratings(db_url, "rated", ["cy"], fraction=0.5, seed=9)
    return db_url, "rated"


@pytest.fixture
def rated_study(sqlite_url: str, image_folders) -> tuple[str, str]:
    """:func:`make_rated_study` on a fresh SQLite file."""
    return make_rated_study(sqlite_url, image_folders)


@pytest.fixture
def rated_study_postgres(postgres_url: str, image_folders) -> tuple[str, str]:
    """:func:`make_rated_study` on a fresh database of the real PostgreSQL server (the shared-site setup)."""
    return make_rated_study(postgres_url, image_folders)


@pytest.fixture
def console(qtbot) -> Iterator[Callable[[str], object]]:
    """Factory of console windows over a database; each is closed and its workers joined after the test."""
    from turingview.cli.study_audit import ConsoleStudyBackend
    from turingview.ui.console.window import ConsoleWindow

    windows = []

    def make(db_url: str) -> ConsoleWindow:
        window = ConsoleWindow(ConsoleStudyBackend(db_url))
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        wait_idle(qtbot, window)
        return window

    yield make
    for window in windows:
        window.close()
        assert window.runner.pool.activeThreadCount() == 0, "a console task outlived its window"


def wait_idle(qtbot, window, timeout: int = 60_000) -> None:
    """Wait until the window's task runner has no task left (results delivered to the GUI thread)."""
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=timeout)


def wait_task(qtbot, handle, timeout: int = 120_000) -> None:
    """Wait until one task has ended and its results reached the GUI thread.

    Polls ``handle.running`` (cleared on the GUI thread after the outcome's signals were delivered) rather than
    waiting on the cross-thread ``ended`` signal, which may already be queued when the wait starts.
    """
    if handle is None:
        raise AssertionError("no task was started")
    qtbot.waitUntil(lambda: not handle.running, timeout=timeout)


class Waits:
    """``wait.idle(window)`` and ``wait.task(handle)`` bound to one qtbot."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot

    def idle(self, window, timeout: int = 60_000) -> None:
        wait_idle(self.qtbot, window, timeout)

    def task(self, handle, timeout: int = 120_000) -> None:
        wait_task(self.qtbot, handle, timeout)


@pytest.fixture
def wait(qtbot) -> Waits:
    return Waits(qtbot)
