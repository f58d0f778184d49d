"""Agreement-weight matrices over a declared ordered scale (internal)."""

from __future__ import annotations

from typing import Any

import numpy as np

from turingview.core.errors import InvalidInputError

WEIGHT_SCHEMES = ("none", "linear", "quadratic")


def weight_matrix(weights: Any, k: int) -> tuple[np.ndarray, str]:
    """Return the k x k agreement-weight matrix and a label for it.

    ``"none"``: identity; ``"linear"``: w_ij = 1 - |i - j| / (k - 1) (Cicchetti & Allison 1971);
    ``"quadratic"``: w_ij = 1 - (i - j)^2 / (k - 1)^2 (Fleiss & Cohen 1973). ``i``, ``j`` are positions on
    the declared scale (0..k-1), so an unused declared category still counts. A k x k array is taken as
    custom agreement weights (diagonal 1, all values in [0, 1]).
    """
    if isinstance(weights, str):
        if weights not in WEIGHT_SCHEMES:
            raise InvalidInputError(
                f"weights={weights!r} is not allowed; expected one of {', '.join(map(repr, WEIGHT_SCHEMES))} "
                "or a k x k matrix of agreement weights"
            )
        idx = np.arange(k, dtype=float)
        dist = np.abs(idx[:, None] - idx[None, :]) / (k - 1)
        if weights == "none":
            return np.eye(k), "unweighted"
        if weights == "linear":
            return 1.0 - dist, "linear weights"
        return 1.0 - dist**2, "quadratic weights"
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError(f"weights={weights!r} is neither a scheme name nor a numeric matrix") from None
    if w.shape != (k, k):
        raise InvalidInputError(f"a weight matrix must be {k} x {k} for {k} categories; got shape {w.shape}")
    if not np.all(np.isfinite(w)) or w.min() < 0 or w.max() > 1:
        raise InvalidInputError("custom agreement weights must be finite numbers in [0, 1]")
    if not np.allclose(np.diag(w), 1.0):
        raise InvalidInputError("custom agreement weights must be 1 on the diagonal (full credit for agreement)")
    return w, "custom weights"
