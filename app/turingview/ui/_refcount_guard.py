"""Guard against a reference-count bug of PySide6 6.12 on CPython 3.11.

PySide6 6.12.0 returns ``None`` (and the bools) from many wrapped calls -- ``QWidget.update()``,
``repaint()``, ``QCoreApplication.processEvents()`` -- without taking a reference. From CPython 3.12 on these
singletons are immortal (PEP 683) so nothing happens; on 3.11 every such call lowers ``None``'s reference
count by one, and a long reading session (a few thousand repaints) ends in
``Fatal Python error: none_dealloc``. Measured here: 100 ``QWidget.update()`` calls lower
``sys.getrefcount(None)`` by exactly 100.

:func:`protect_singletons` gives ``None``, ``True`` and ``False`` a very large reference margin on CPython
< 3.12 (what 3.12 does by design), once per process. It is applied when :mod:`turingview.ui` is imported,
before any Qt call. Remove it when the project requires Python >= 3.12 or a PySide6 release with the fix.
"""

from __future__ import annotations

import sys

#: Extra references given to each singleton: ~10^12 leaked decrefs before trouble (years of repaints).
MARGIN = 1 << 40
_applied = False


def protect_singletons() -> bool:
    """Make ``None``/``True``/``False`` effectively immortal on CPython < 3.12; True when applied now."""
    global _applied
    if _applied or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return False
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every PyObject in release builds of CPython
        ctypes.c_ssize_t.from_address(id(singleton)).value += MARGIN
    _applied = True
    return True
