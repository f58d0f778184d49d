"""The command line's error boundary: expected errors are one line on stderr, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from turingview.cli import main
from turingview.core.errors import ImageLoadError, ImportProblemsError, TuringViewError


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in ("inspect", "render", "study", "audit", "analyze", "realism", "read", "demo"):
        assert name in out


def test_version() -> None:
    result = subprocess.run([sys.executable, "-m", "turingview", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "turingview" in result.stdout


def test_error_messages_name_the_file_and_reason() -> None:
    error = ImageLoadError("/data/x.dcm", "truncated pixel data")
    assert str(error) == "/data/x.dcm: truncated pixel data"
    assert isinstance(error, TuringViewError)
    problems = ImportProblemsError(["row 3: missing path", "row 9: duplicate content"], what="manifest import")
    text = str(problems)
    assert text.startswith("manifest import refused, nothing was written: 2 problem(s)")
    assert "row 9: duplicate content" in text


def test_start_up_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from turingview.cli import cli; "
        "heavy = [m for m in ('torch', 'pandas', 'scipy', 'matplotlib') if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
