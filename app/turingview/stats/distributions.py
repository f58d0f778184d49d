"""Score distributions: histogram of ordinal scores and the Mann-Whitney test real versus synthetic."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array
from turingview.stats.results import Estimate, ScoreHistogram

__all__ = ["mann_whitney", "score_histogram"]


def score_histogram(scores: Sequence[float] | np.ndarray, *, k: int = 5) -> ScoreHistogram:
    """Counts and proportions of each score 1..k (``nan`` = missing, counted in ``n_missing``).

    Raises ``InvalidInputError`` naming a score that is not a whole number in 1..k.

    Examples
    --------
    >>> score_histogram([1, 2, 2, 5], k=5).counts
    (1, 2, 0, 0, 1)
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InvalidInputError(f"k={k!r} must be a whole number >= 2")
    s = as_float_array("scores", scores, ndim=1, allow_nan=True)
    present = s[~np.isnan(s)]
    bad = present[(present != np.round(present)) | (present < 1) | (present > k)]
    if bad.size:
        v = bad[0]
        raise InvalidInputError(f"score {int(v) if v.is_integer() else v!r} is outside the scale 1..{k}")
    counts = np.bincount(present.astype(np.int64) - 1, minlength=k) if present.size else np.zeros(k, dtype=int)
    n = int(present.size)
    props = tuple(float(c / n) for c in counts) if n else tuple(0.0 for _ in counts)
    return ScoreHistogram(
        categories=tuple(range(1, k + 1)),
        counts=tuple(int(c) for c in counts),
        proportions=props,
        n=n,
        n_missing=int(s.size - n),
    )


def mann_whitney(real_scores: Sequence[float] | np.ndarray, synthetic_scores: Sequence[float] | np.ndarray) -> Estimate:
    """Mann-Whitney U test of real versus synthetic scores (two-sided), via :func:`scipy.stats.mannwhitneyu`.

    ``estimate`` = ``statistic`` = U of the real sample (number of (real, synthetic) pairs with the real
    score higher, ties counting 1/2); U / (m n) is the empirical detection AUC. The p-value uses scipy's
    ``method="auto"``: exact without ties for small samples, otherwise the normal approximation with the
    tie correction and continuity correction.

    Examples
    --------
    >>> r = mann_whitney([4, 5, 5, 3], [1, 2, 3, 2])
    >>> r.estimate
    15.5
    """
    x = as_float_array("real_scores", real_scores, ndim=1)
    y = as_float_array("synthetic_scores", synthetic_scores, ndim=1)
    method = "Mann-Whitney U (real vs synthetic), two-sided; scipy.stats.mannwhitneyu (tie-corrected)"
    if x.size == 0 or y.size == 0:
        which = "real" if x.size == 0 else "synthetic"
        return Estimate.undefined(n=int(x.size + y.size), method=method, note=f"no {which} scores: U undefined")
    if np.unique(np.concatenate([x, y])).size == 1:
        u = x.size * y.size / 2.0
        return Estimate(
            u,
            None,
            None,
            None,
            int(x.size + y.size),
            method,
            statistic=u,
            p_value=1.0,
            note="all scores are equal: no evidence of a difference (p = 1)",
        )
    res = stats.mannwhitneyu(x, y, alternative="two-sided")
    u = float(res.statistic)
    return Estimate(u, None, None, None, int(x.size + y.size), method, statistic=u, p_value=float(res.pvalue), note="")
