"""``turingview read``, ``turingview demo`` and ``turingview console``: the graphical commands.

This module is the top-layer wiring of the reader workstation: it builds the :class:`StudyBackend` over
:mod:`turingview.study` and hands it to :mod:`turingview.ui` (which must not import the study/storage
stack itself). Heavy imports happen inside the commands, so ``turingview --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from turingview.core.errors import NotFoundError, StudyStateError, TuringViewError
from turingview.core.paths import data_dir, default_db_url, redact_url

DEMO_STUDY = "demo"
DEMO_READERS = ("demo-reader", "demo-reader-2", "demo-reader-3")
DEMO_SEED = 20260101
DEMO_OVERRIDE = "bundled demo data: synthetic sample images, no real study is run on them"
DEMO_PROTOCOL = (
    "Demonstration study. Each image is either a real scan or a synthetic (generated) one. Look at each image "
    "as you would in clinical reading (window, zoom and scroll as you like) and rate how real and anatomically "
    "plausible it looks. There is no time limit, but go with your first considered impression."
)


class StudyBackend:
    """:class:`turingview.ui.backend.ReaderBackend` over the study database and reader packages."""

    def __init__(self, db_url: str | None = None) -> None:
        self.db_url = db_url or default_db_url()

    def describe(self) -> str:
        return redact_url(self.db_url)

    def list_studies(self) -> Sequence[object]:
        from turingview.study import list_studies
        from turingview.ui.backend import StudyChoice

        return [StudyChoice(s.name, str(s.status.value if hasattr(s.status, "value") else s.status),
                            tuple(s.readers)) for s in list_studies(self.db_url)]

    def open_source(self, study_name: str, reader_id: str) -> object:
        from turingview.study import get_study, open_reading_source

        summary = get_study(self.db_url, study_name)
        status = str(getattr(summary.status, "value", summary.status))
        if status != "open":
            raise StudyStateError(f"study {study_name!r} is {status}: readers can rate only when it is open")
        if reader_id not in summary.readers:
            raise NotFoundError(f"reader {reader_id!r} is not assigned to study {study_name!r}")
        return open_reading_source(self.db_url, study_name, reader_id)

    def open_package(self, path: Path) -> object:
        from turingview import study

        opener = getattr(study, "open_reader_package", None)
        if opener is None:
            raise TuringViewError("reader packages are not available in this build")
        return opener(path)


def sample_manifest() -> Path:
    """The bundled sample data's manifest (``sample_data/manifest.csv`` beside the source tree)."""
    import turingview

    here = Path(turingview.__file__).resolve()
    for root in (here.parents[2], Path.cwd()):
        manifest = root / "sample_data" / "manifest.csv"
        if manifest.exists():
            return manifest
    raise NotFoundError("sample_data/manifest.csv not found: run `make demo` from the source checkout")


def ensure_demo_study(db_url: str, *, manifest: Path | None = None) -> str:
    """Create (once) and open the demo study in ``db_url``; returns its name.

    The blinding audit runs first; if it flags cues in the bundled sample data, the study is opened with the
    recorded override reason :data:`DEMO_OVERRIDE`.
    """
    from turingview.study import create_study, get_study
    from turingview.study.opening import open_study

    try:
        summary = get_study(db_url, DEMO_STUDY)
    except NotFoundError:
        create_study(db_url, DEMO_STUDY, manifest=manifest or sample_manifest(), readers=DEMO_READERS,
                     seed=DEMO_SEED, protocol_text=DEMO_PROTOCOL)
        summary = get_study(db_url, DEMO_STUDY)
    if str(getattr(summary.status, "value", summary.status)) == "draft":
        try:
            open_study(db_url, DEMO_STUDY)
        except StudyStateError:
            open_study(db_url, DEMO_STUDY, override_reason=DEMO_OVERRIDE)
    return DEMO_STUDY


def demo_db_url() -> str:
    """The demo's own SQLite database in the user data dir (kept apart from real studies)."""
    return f"sqlite:///{data_dir() / 'demo.db'}"


@click.command("read")
@click.option("--db", "db_url", default=None, help="Database URL (default: the local study database).")
@click.option("--study", default=None, help="Study name (with --reader: skip the start screen).")
@click.option("--reader", default=None, help="Your reader id.")
@click.option("--package", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A reader package file (air-gapped workstations).")
@click.option("--full-screen", is_flag=True, help="Open the reading screen full screen.")
def read_command(db_url: str | None, study: str | None, reader: str | None, package: Path | None,
                 full_screen: bool) -> None:
    """Open the reader workstation (start screen, or straight into a study)."""
    from turingview.ui.app import run

    argv: list[str] = []
    if study:
        argv += ["--study", study]
    if reader:
        argv += ["--reader", reader]
    if package:
        argv += ["--package", str(package)]
    if full_screen:
        argv.append("--full-screen")
    sys.exit(run(argv, backend=StudyBackend(db_url)))


@click.command("demo")
@click.option("--reader", default=DEMO_READERS[0], type=click.Choice(DEMO_READERS), show_default=True)
@click.option("--full-screen", is_flag=True)
def demo_command(reader: str, full_screen: bool) -> None:
    """Open the reader workstation on the bundled sample study (created once in the user data dir)."""
    db_url = demo_db_url()
    click.echo(f"turingview demo: study {DEMO_STUDY!r} in {db_url}, reader {reader!r}", err=True)
    ensure_demo_study(db_url)
    from turingview.ui.app import run

    argv = ["--study", DEMO_STUDY, "--reader", reader] + (["--full-screen"] if full_screen else [])
    sys.exit(run(argv, backend=StudyBackend(db_url)))


@click.command("console")
@click.option("--db", "db_url", default=None, help="Database URL (default: the local study database).")
def console_command(db_url: str | None) -> None:
    """Open the coordinator console."""
    from turingview.ui.console import run_console

    sys.exit(run_console(db_url))
