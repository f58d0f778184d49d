"""turingview.ui: the only package that imports PySide6 (thin views over core objects).

Importing it first protects the interpreter from PySide6 6.12's ``None`` reference-count bug on CPython
3.11 (see :mod:`turingview.ui._refcount_guard`).
"""

from turingview.ui._refcount_guard import protect_singletons

protect_singletons()
