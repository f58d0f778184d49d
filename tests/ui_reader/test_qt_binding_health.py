"""The installed Qt binding survives a long reading session.

PySide6 6.12.0 under CPython 3.11 drops one reference to ``None`` on every ``update()`` and
``processEvents()``; after a few thousand repaints the interpreter aborts with ``none_dealloc``.
pyproject.toml excludes it; this test fails on any binding that still leaks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import sys
    from PySide6.QtWidgets import QApplication, QWidget
    app = QApplication([])
    w = QWidget(); w.show()
    app.processEvents()
    before = sys.getrefcount(None)
    for _ in range(20000):   # a long session's worth of repaints
        w.update(); app.processEvents()
    print(before - sys.getrefcount(None))
""")


def test_repaints_do_not_leak_references_to_none() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=180,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    leaked = int(result.stdout.strip().splitlines()[-1])
    assert leaked < 100, f"{leaked} references to None lost over 20,000 repaints: a broken PySide6 build"
