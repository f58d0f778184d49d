"""turingview.ui: the only package that imports PySide6 (thin views over core objects)."""
