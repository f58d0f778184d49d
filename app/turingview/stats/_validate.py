"""Input validation shared by the statistics functions (internal).

Every check raises :class:`~turingview.core.errors.InvalidInputError` (a ``ValueError``) whose message names the
argument and the bad value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from turingview.core.errors import InvalidInputError

__all__ = [
    "as_float_array",
    "check_alpha",
    "check_categories",
    "check_choice",
    "codes_for",
    "truth_mask",
]


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming it."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInputError(f"{name}={value!r} is not allowed; expected one of {', '.join(map(repr, allowed))}")
    return value


def check_alpha(alpha: Any) -> float:
    """Return ``alpha`` as a float in (0, 1), else raise naming it."""
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise InvalidInputError(f"alpha={alpha!r} is not a number in (0, 1)") from None
    if not 0.0 < a < 1.0 or isinstance(alpha, bool):
        raise InvalidInputError(f"alpha={alpha!r} must lie strictly between 0 and 1")
    return a


def as_float_array(name: str, values: Any, *, ndim: int | None = None, allow_nan: bool = False) -> np.ndarray:
    """Convert ``values`` to a float array; refuse text, infinities and (unless allowed) NaN."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name} must be numeric; got {_short(values)}") from None
    if ndim is not None and arr.ndim != ndim:
        raise InvalidInputError(f"{name} must be {ndim}-dimensional; got shape {arr.shape}")
    if np.isinf(arr).any():
        raise InvalidInputError(f"{name} contains an infinite value at index {_first(np.isinf(arr))}")
    if not allow_nan and np.isnan(arr).any():
        raise InvalidInputError(f"{name} contains a missing (NaN) value at index {_first(np.isnan(arr))}")
    return arr


def check_categories(categories: Any) -> np.ndarray:
    """Validate the declared ordered categories (distinct finite numbers, at least 2, increasing order kept)."""
    if categories is None:
        raise InvalidInputError("categories must be given (the declared scale, e.g. range(1, 6))")
    cats = as_float_array("categories", list(categories), ndim=1)
    if cats.size < 2:
        raise InvalidInputError(f"categories={list(categories)!r}: at least 2 categories are needed")
    if np.unique(cats).size != cats.size:
        raise InvalidInputError(f"categories={list(categories)!r} contains duplicates")
    if np.any(np.diff(cats) <= 0):
        raise InvalidInputError(f"categories={list(categories)!r} must be in increasing order")
    return cats


def codes_for(name: str, values: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Map ratings to category indices 0..K-1 (missing NaN -> -1); raise naming a value off the scale."""
    codes = np.full(values.shape, -1, dtype=np.int64)
    present = ~np.isnan(values)
    idx = np.searchsorted(categories, values[present])
    idx_clipped = np.clip(idx, 0, categories.size - 1)
    ok = categories[idx_clipped] == values[present]
    if not ok.all():
        bad = values[present][~ok][0]
        shown = int(bad) if float(bad).is_integer() else float(bad)
        raise InvalidInputError(
            f"{name} contains the value {shown!r}, which is not one of the categories {[_num(c) for c in categories]}"
        )
    codes[present] = idx_clipped
    return codes


def truth_mask(truth: Any, n: int | None = None) -> np.ndarray:
    """Return a boolean array, ``True`` where the case is real and ``False`` where synthetic.

    Accepts ``"real"``/``"synthetic"`` strings (any case) or :class:`turingview.core.domain.Truth` members.
    """
    items = [truth] if isinstance(truth, str) else list(truth)
    values = np.empty(len(items), dtype=object)
    values[:] = items
    # Vectorised: str() of a Truth member is its value (StrEnum); one pass over the labels, no Python loop.
    labels = np.char.lower(np.char.strip(values.astype(str))) if len(items) else np.array([], dtype=str)
    out = labels == "real"
    bad = ~(out | (labels == "synthetic"))
    if bad.any():
        i = int(np.argmax(bad))
        raise InvalidInputError(f"truth[{i}]={items[i]!r} is not 'real' or 'synthetic'")
    if n is not None and out.size != n:
        raise InvalidInputError(f"truth has {out.size} entries but there are {n} scores")
    return out


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def _first(mask: np.ndarray) -> Any:
    idx = np.argwhere(mask)[0]
    return int(idx[0]) if idx.size == 1 else tuple(int(i) for i in idx)


def _short(values: Any) -> str:
    text = repr(values)
    return text if len(text) < 60 else text[:57] + "..."


def finite_or_none(x: float) -> float | None:
    """``x`` as float, or ``None`` when it is not finite."""
    return float(x) if x is not None and math.isfinite(x) else None


def category_list(categories: Sequence[float] | np.ndarray) -> list[int | float]:
    """Categories as plain ints where integral (for messages and notes)."""
    return [_num(c) for c in categories]
