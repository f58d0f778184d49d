"""The frozen reader workstation (PyInstaller, packaging/build-reader.sh) builds, carries no torch and no
analysis stack, starts offscreen and opens a reader package and a study database (running the migrations
from inside the bundle).

The build takes a few minutes on the 2-core CI machine: `make test` (and so CI) runs it by setting
``TURINGVIEW_BUILD_PACKAGE=1``; a bare ``pytest`` skips it (the unfrozen entry point's smoke tests always run).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import REPO, SAMPLE_MANIFEST, make_sample_study

ENTRY = REPO / "packaging" / "pyinstaller" / "reader_entry.py"
BUILD = REPO / "packaging" / "build-reader.sh"


def _smoke(cmd: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        TURINGVIEW_DATA_DIR=str(tmp_path / "data"),
        TURINGVIEW_CONFIG_DIR=str(tmp_path / "config"),
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "app"), env.get("PYTHONPATH")]))
    return subprocess.run([*cmd, "--smoke-test"], capture_output=True, text=True, env=env, timeout=180)


@pytest.fixture
def reader_package(sqlite_url: str, tmp_path: Path) -> Path:
    if not SAMPLE_MANIFEST.exists():
        pytest.skip("sample_data/manifest.csv is not in this checkout")
    from turingview.storage import dispose_engines
    from turingview.study import export_reader_package

    make_sample_study(sqlite_url, readers=("r1",))
    path = export_reader_package(sqlite_url, "S", "r1", tmp_path / "r1.tvpkg")
    dispose_engines()
    return path


@pytest.mark.gui
def test_entry_point_smoke_opens_package(reader_package: Path, tmp_path: Path) -> None:
    done = _smoke([sys.executable, str(ENTRY), "--package", str(reader_package)], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert "SMOKE OK" in done.stdout and "ReaderWindow" in done.stdout, done.stdout


@pytest.mark.gui
def test_entry_point_smoke_reports_a_bad_package(tmp_path: Path) -> None:
    """The smoke test can fail: a file that is not a package ends in an error dialog and a non-zero status."""
    bad = tmp_path / "bad.tvpkg"
    bad.write_bytes(b"not a package" * 100)
    done = _smoke([sys.executable, str(ENTRY), "--package", str(bad)], tmp_path)
    assert done.returncode != 0
    assert "SMOKE FAIL" in done.stdout, done.stdout


@pytest.mark.slow
@pytest.mark.gui
@pytest.mark.skipif(
    os.environ.get("TURINGVIEW_BUILD_PACKAGE") != "1",
    reason="PyInstaller build (a few minutes): `make test` sets TURINGVIEW_BUILD_PACKAGE=1",
)
def test_pyinstaller_build_starts_and_opens_a_package(reader_package: Path, sqlite_url: str, tmp_path: Path) -> None:
    pytest.importorskip("PyInstaller")
    out = tmp_path / "dist"
    env = dict(os.environ, TURINGVIEW_BUILD_DIR=str(tmp_path / "build"), PYTHON=sys.executable)
    started = time.perf_counter()
    done = subprocess.run(["bash", str(BUILD), str(out)], capture_output=True, text=True, env=env, timeout=1500)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr[-4000:]
    app = out / "turingview-reader"
    exe = app / "turingview-reader"
    files = [f for f in app.rglob("*") if f.is_file() and not f.is_symlink()]
    size_mb = sum(f.stat().st_size for f in files) / 2**20
    print(f"\npyinstaller reader build: {seconds:.0f} s, {size_mb:.0f} MB")
    bundled = {p.name.split(".")[0].lower() for p in (app / "_internal").iterdir()}
    assert not bundled & {"torch", "pandas", "scipy", "matplotlib", "statsmodels", "sklearn"}, bundled
    assert (app / "_internal" / "turingview" / "storage" / "migrations" / "versions").is_dir()
    desktop = (app / "share" / "applications" / "turingview-reader.desktop").read_text()
    assert "Exec=turingview-reader" in desktop and "[Desktop Action" not in desktop, desktop
    if (REPO / "resources" / "icons" / "turingview.svg").exists():
        assert (app / "resources" / "icons" / "turingview.svg").exists(), "window icon not beside the app"
        assert (app / "share" / "icons" / "hicolor" / "scalable" / "apps" / "turingview-reader.svg").exists()

    opened = _smoke([str(exe), str(reader_package)], tmp_path)  # as the .desktop entry starts it (%f)
    assert opened.returncode == 0 and "ReaderWindow" in opened.stdout, opened.stdout + opened.stderr[-2000:]
    fresh = _smoke([str(exe), "--db", f"sqlite:///{tmp_path / 'fresh.db'}"], tmp_path)
    assert fresh.returncode == 0 and "StartScreen" in fresh.stdout, fresh.stdout + fresh.stderr[-2000:]
    assert (tmp_path / "fresh.db").exists(), "the frozen app did not create and migrate a database"
