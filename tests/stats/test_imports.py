"""The statistics package stays pure: no pandas, Qt, database or torch is imported with it."""

from __future__ import annotations

import subprocess
import sys


def test_stats_imports_nothing_heavy():
    code = (
        "import sys\n"
        "import turingview.stats.agreement, turingview.stats.detection, turingview.stats.distributions\n"
        "import turingview.stats.equivalence, turingview.stats.mrmc, turingview.stats.proportions\n"
        "import turingview.stats.results, turingview.stats.roc\n"
        "bad = [m for m in ('pandas', 'PySide6', 'sqlalchemy', 'torch', 'matplotlib') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_package_import_is_light():
    code = "import sys, turingview.stats\nprint('scipy' in sys.modules, 'numpy' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
