"""The installable package: the wheel's metadata declares the extras and the base install stays torch-free;
every data file the code needs (migrations, schemas, resources) is inside; the installed copy opens a
database (the migrations run from the wheel, not from the source tree)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "app" / "turingview"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel from a copy of the sources (the checkout's build/ folder is never touched)."""
    src = tmp_path_factory.mktemp("src")
    shutil.copytree(REPO / "app", src / "app", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(src), "-w", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (built,) = out.glob("turingview-*.whl")
    return built


def _metadata(wheel: Path) -> tuple[list[str], list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(name).decode())
    return message.get_all("Requires-Dist") or [], message.get_all("Provides-Extra") or []


def test_extras_declared_and_base_is_torch_free(wheel: Path) -> None:
    requires, extras = _metadata(wheel)
    assert {"realism", "postgres"} <= set(extras), extras
    base = [r for r in requires if "extra ==" not in r]
    assert not [r for r in base if r.lower().startswith(("torch", "torchvision"))], base
    assert not [r for r in base if r.lower().startswith("psycopg")], "psycopg belongs to the [postgres] extra"
    realism = [r for r in requires if 'extra == "realism"' in r]
    postgres = [r for r in requires if 'extra == "postgres"' in r]
    assert any(r.lower().startswith("torch") for r in realism), realism
    assert any(r.lower().startswith("psycopg") for r in postgres), postgres


def _tracked_data_files() -> list[str]:
    """Non-Python files under app/turingview that git tracks (what the code ships and reads at run time)."""
    listed = subprocess.run(["git", "ls-files", "app/turingview"], cwd=REPO, capture_output=True, text=True)
    names = (
        listed.stdout.split()
        if listed.returncode == 0
        else [str(p.relative_to(REPO)) for p in PACKAGE.rglob("*") if p.is_file()]
    )
    return sorted(
        n.removeprefix("app/")
        for n in names
        if not n.endswith((".py", ".pyc")) and "__pycache__" not in n and ".egg-info" not in n
    )


def test_package_data_inside(wheel: Path) -> None:
    """Migrations, resources and every data file the sources carry (e.g. JSON schemas) are in the wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "turingview/storage/migrations/env.py" in names
    assert any(n.startswith("turingview/storage/migrations/versions/0001_") for n in names)
    assert "turingview/py.typed" in names
    missing = [n for n in _tracked_data_files() if n not in names]
    assert not missing, f"data files left out of the wheel (add them to [tool.setuptools.package-data]): {missing}"


def test_installed_wheel_opens_a_database(wheel: Path, tmp_path: Path) -> None:
    """Unpacked alone on sys.path, the wheel's own copy creates a schema (the migrations ship and run)."""
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    code = (
        "import turingview, sys; from pathlib import Path\n"
        f"home = Path({str(target)!r}).resolve()\n"
        "assert Path(turingview.__file__).resolve().is_relative_to(home), turingview.__file__\n"
        "from turingview.storage import get_engine\n"
        f"e = get_engine('sqlite:///{tmp_path / 'w.db'}', backup=False)\n"
        "from sqlalchemy import inspect\n"
        "print(sorted(inspect(e).get_table_names()))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(target), PYTHONNOUSERSITE="1")
    # -S keeps the editable install's path hook out, so only the unpacked wheel can provide turingview;
    # site-packages (numpy, SQLAlchemy...) come back through sys.path entries added below.
    import site

    paths = [str(target), *site.getsitepackages()]
    boot = "import sys; sys.path[:0] = " + repr(paths) + "\n"
    done = subprocess.run(
        [sys.executable, "-S", "-c", boot + code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "rating" in done.stdout and "audit_event" in done.stdout, done.stdout
