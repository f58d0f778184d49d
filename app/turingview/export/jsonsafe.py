"""Turning statistics results into strict JSON: no NaN ever, a null with a note instead.

:class:`Notes` collects the defined answers given for degenerate input ("where": "reason"); every section of
``results.json`` records its reasons there. :func:`strict` walks a finished result tree, replaces any
non-finite float left by an upstream function with ``None`` and adds a note naming its JSON path, so the file
can be written with ``allow_nan=False``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


@dataclass
class Notes:
    """An ordered list of ``{"where", "reason"}`` notes without duplicates."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, where: str, reason: str) -> None:
        entry = {"where": where, "reason": reason}
        if entry not in self.items:
            self.items.append(entry)

    def guard(self, where: str, func: Callable[[], T]) -> T | None:
        """Call ``func``; a ``ValueError``/``ArithmeticError`` (degenerate input) becomes ``None`` plus a note."""
        try:
            return func()
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            self.add(where, str(exc) or type(exc).__name__)
            return None


def num(value: Any) -> float | int | None:
    """A JSON number, or ``None`` for ``None``/NaN/inf (callers note why)."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)  # type: ignore[return-value]
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def pair(values: Sequence[Any] | None) -> list[float | None] | None:
    """A CI as a two-element list (or ``None``)."""
    if values is None:
        return None
    lo, hi = values
    return [num(lo), num(hi)]


def estimate_fields(est: Any, prefix: str, notes: Notes, where: str) -> dict[str, Any]:
    """Flatten a ``stats.results.Estimate`` to ``{prefix, prefix_se, prefix_ci}`` and note its remark.

    A missing estimate (``None``: not computable) gives nulls.
    """
    if est is None:
        return {prefix: None, f"{prefix}_se": None, f"{prefix}_ci": None}
    note = getattr(est, "note", "")
    if note:
        notes.add(where, note)
    value = num(est.estimate)
    if value is None:
        notes.add(where, note or f"{prefix} is undefined for this data")
    return {prefix: value, f"{prefix}_se": num(est.se), f"{prefix}_ci": pair((est.ci_low, est.ci_high))}


def estimate_dict(est: Any, notes: Notes, where: str) -> dict[str, Any] | None:
    """A full estimate as a JSON object (estimate, se, ci, n, method, statistic, p_value, df, note)."""
    if est is None:
        return None
    note = getattr(est, "note", "") or ""
    if note:
        notes.add(where, note)
    out = {
        "estimate": num(est.estimate),
        "se": num(est.se),
        "ci": pair((est.ci_low, est.ci_high)),
        "n": num(est.n),
        "method": str(est.method),
        "statistic": num(getattr(est, "statistic", None)),
        "p_value": num(getattr(est, "p_value", None)),
        "df": num(getattr(est, "df", None)),
        "note": note,
    }
    if out["estimate"] is None:
        notes.add(where, note or "estimate undefined for this data")
    return out


def strict(tree: Any, notes: Notes, path: str = "$") -> Any:
    """Return a copy of ``tree`` holding only JSON types; non-finite floats become ``None`` with a note."""
    if isinstance(tree, Mapping):
        return {str(k): strict(v, notes, f"{path}.{k}") for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [strict(v, notes, f"{path}[{i}]") for i, v in enumerate(tree)]
    if isinstance(tree, np.ndarray):
        return strict(tree.tolist(), notes, path)
    if isinstance(tree, (bool, np.bool_)):
        return bool(tree)
    if isinstance(tree, (int, np.integer)):
        return int(tree)
    if isinstance(tree, (float, np.floating)):
        f = float(tree)
        if not math.isfinite(f):
            notes.add(path, "value is not a finite number for this data; written as null")
            return None
        return f
    if tree is None or isinstance(tree, str):
        return tree
    return str(tree)
