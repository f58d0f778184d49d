"""The domain-classifier realism check: can a small CNN tell synthetic images from real ones?

Importing this package is cheap: torch (the optional ``[realism]`` extra) is imported only when
:func:`run_realism_check` is first used, so the reader workstation never loads it.

Public API::

    from turingview.realism import RealismConfig, RealismDataset, run_realism_check, write_outputs

    dataset = RealismDataset.from_dirs("real/", "synthetic/")
    result = run_realism_check(dataset, RealismConfig(folds=5), progress=print_progress, cancel=lambda: False)
    write_outputs(result, "out/")  # result.json and the plots
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

from turingview.realism.config import RealismConfig
from turingview.realism.data import RealismDataset

if TYPE_CHECKING:
    from turingview.realism.check import run_realism_check
    from turingview.realism.plots import write_outputs
    from turingview.realism.result import RealismResult

__all__ = ["RealismConfig", "RealismDataset", "RealismResult", "run_realism_check", "torch_available", "write_outputs"]

_LAZY = {
    "run_realism_check": "turingview.realism.check",
    "RealismResult": "turingview.realism.result",
    "write_outputs": "turingview.realism.plots",
}


def torch_available() -> bool:
    """True when torch can be imported (the ``[realism]`` extra is installed), without importing it."""
    return importlib.util.find_spec("torch") is not None


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'turingview.realism' has no attribute {name!r}")
    if module == "turingview.realism.check" and not torch_available():
        from turingview.core.errors import TuringViewError

        raise TuringViewError("the realism check needs torch: install TuringView with the [realism] extra")
    return getattr(importlib.import_module(module), name)
