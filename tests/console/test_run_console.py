"""``run_console(db_url)``: what ``turingview console`` calls, with the default top-layer backend.

Runs in a child process: ``run_console`` owns the application's event loop (``exec``/``quit``), which must not
run inside the pytest-qt process shared by the other GUI tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from turingview.study import create_study

pytestmark = pytest.mark.gui

CHILD = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from turingview.ui.console import run_console
from turingview.ui.console.window import ConsoleWindow

app = QApplication(sys.argv[:1])
seen = {}

def inspect_and_close():
    windows = [w for w in app.topLevelWidgets() if isinstance(w, ConsoleWindow) and w.isVisible()]
    if not windows or windows[0].runner.busy:  # the study list is still loading off the GUI thread
        QTimer.singleShot(50, inspect_and_close)
        return
    table = windows[0].studies.table
    seen["studies"] = [table.item(r, 0).text() for r in range(table.rowCount())]
    seen["title"] = windows[0].windowTitle()
    windows[0].close()

QTimer.singleShot(100, inspect_and_close)
code = run_console(sys.argv[1])
print(json.dumps({"code": code, **seen}))
"""


def test_run_console_opens_on_the_database_and_lists_its_studies(sqlite_url, image_folders):
    real, synthetic = image_folders(3)
    create_study(sqlite_url, "listed", real_dirs=[real], synthetic_dirs=[synthetic], readers=["r1"], seed=3)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", CHILD, sqlite_url], capture_output=True, text=True, timeout=120,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"code": 0, "studies": ["listed"], "title": "TuringView — coordinator console"}
