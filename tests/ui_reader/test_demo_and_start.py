"""`turingview demo` set-up, the start screen and the backend the CLI hands to the UI (real SQLite files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from turingview.cli.gui import DEMO_READERS, DEMO_STUDY, StudyBackend, ensure_demo_study, sample_manifest
from turingview.core.errors import NotFoundError, StudyStateError
from turingview.core.ports import ReadingSource

pytestmark = pytest.mark.gui


def test_demo_study_is_created_once_and_opened(tmp_path: Path) -> None:
    from turingview.study import get_study

    db_url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert ensure_demo_study(db_url, manifest=sample_manifest()) == DEMO_STUDY
    first = get_study(db_url, DEMO_STUDY)
    assert str(first.status.value) == "open" and set(DEMO_READERS) <= set(first.readers)
    ensure_demo_study(db_url)  # second start: nothing recreated
    again = get_study(db_url, DEMO_STUDY)
    assert again.uid == first.uid and again.n_cases == first.n_cases > 0


def test_backend_opens_only_assigned_readers_of_open_studies(make_study) -> None:  # type: ignore[no-untyped-def]
    from turingview.study import set_study_status

    db_url, study = make_study(training=False)
    backend = StudyBackend(db_url)
    choices = backend.list_studies()
    assert [(c.name, c.status, set(c.readers)) for c in choices] == [(study, "open", {"r1", "r2"})]
    source = backend.open_source(study, "r1")
    assert isinstance(source, ReadingSource)
    source.close()
    with pytest.raises(NotFoundError, match="'nobody' is not assigned"):
        backend.open_source(study, "nobody")
    set_study_status(db_url, study, "closed", reason="test")
    with pytest.raises(StudyStateError, match="is closed"):
        backend.open_source(study, "r1")
    assert "://" in backend.describe()
    assert StudyBackend("postgresql+psycopg://ann:secret@db.example/tv").describe() == (
        "postgresql+psycopg://ann:***@db.example/tv")


def test_start_screen_opens_the_chosen_study(qtbot, make_study) -> None:  # type: ignore[no-untyped-def]
    from turingview.ui.start_screen import StartScreen

    db_url, study = make_study(training=False)
    opened: list[ReadingSource] = []
    screen = StartScreen(StudyBackend(db_url), opened.append)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.selected_study() == study  # the only study is preselected
    screen.open_selected()
    assert not opened and "reader id" in screen.problem.text()
    qtbot.keyClicks(screen.reader, "nobody")
    screen.open_selected()
    assert not opened and "not assigned" in screen.problem.text()
    screen.reader.clear()
    qtbot.keyClicks(screen.reader, "r2")
    screen.open_selected()
    assert len(opened) == 1 and opened[0].study_info().reader_id == "r2"
    opened[0].close()


def test_reader_package_session_by_keyboard(qtbot, make_study, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An air-gapped session over a reader package file: rate, close mid-way, resume from the package."""
    from reader_helpers import activate, begin, rate_current

    from turingview.core.settings import Settings
    from turingview.study import export_reader_package
    from turingview.ui.reader_window import ReaderWindow

    db_url, study = make_study(training=False)
    package = export_reader_package(db_url, study, "r2", tmp_path / "r2.tvpkg")
    backend = StudyBackend(db_url)

    def window_over_package() -> ReaderWindow:
        window = ReaderWindow(backend.open_package(package), settings=Settings(min_view_ms=30))
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        activate(window)
        qtbot.waitUntil(window.isActiveWindow)
        return window

    window = window_over_package()
    assert str(package.name) not in window.windowTitle()
    begin(qtbot, window)
    rate_current(qtbot, window, 5)
    rate_current(qtbot, window, 1)
    window.close()
    again = window_over_package()
    assert again.session.n_rated == 2
    begin(qtbot, again)
    assert again.session.current.position == 2
    rate_current(qtbot, again, 3)
    scores = [r.score for r in sorted(again.session.source.recorded_ratings(), key=lambda r: r.position)]
    assert scores == [5, 1, 3]
    again.close()
