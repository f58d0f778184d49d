"""The examples in the statistics docstrings run and give the documented output."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "turingview.stats.agreement",
    "turingview.stats._krippendorff",
    "turingview.stats.proportions",
    "turingview.stats.detection",
    "turingview.stats.roc",
    "turingview.stats.mrmc",
    "turingview.stats.equivalence",
    "turingview.stats.distributions",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no docstring example"
    assert result.failed == 0
