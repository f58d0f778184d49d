"""GUI entry point (``turingview-gui``): wires core, storage and ui together."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Start the Qt application; the UI package shows errors at its own boundary."""
    from turingview.ui.app import run

    sys.exit(run(sys.argv[1:] if argv is None else argv))
