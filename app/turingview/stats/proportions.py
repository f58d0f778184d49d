"""Confidence intervals and exact tests for a single binomial proportion.

References
----------
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference. JASA 22, 209-212.
Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits illustrated in the case of
the binomial. Biometrika 26, 404-413.
Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion: comparison of seven
methods. Statistics in Medicine 17, 857-872 (methods 3 and 5 are the Wilson and Clopper-Pearson intervals).
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import check_alpha, check_choice

__all__ = ["binomial_test", "clopper_pearson_ci", "wilson_ci"]

ALTERNATIVES = ("two-sided", "greater", "less")


def _check_kn(k: Any, n: Any) -> tuple[int, int]:
    for name, v in (("k", k), ("n", n)):
        if isinstance(v, bool) or not float(v).is_integer():
            raise InvalidInputError(f"{name}={v!r} must be a whole number")
    ki, ni = int(k), int(n)
    if ni <= 0:
        raise InvalidInputError(f"n={n!r} must be at least 1 (a proportion of nothing is undefined)")
    if not 0 <= ki <= ni:
        raise InvalidInputError(f"k={k!r} must lie between 0 and n={ni}")
    return ki, ni


def wilson_ci(k: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion k/n.

    .. math::
        \\frac{k + z^2/2}{n + z^2} \\pm \\frac{z}{n + z^2}\\sqrt{\\frac{k(n-k)}{n} + \\frac{z^2}{4}},
        \\quad z = \\Phi^{-1}(1 - \\alpha/2)

    Newcombe (1998) method 3 (no continuity correction). The limits always lie in [0, 1]; k = 0 gives a
    lower limit of exactly 0 and k = n an upper limit of exactly 1.

    Parameters
    ----------
    k, n
        Successes and trials (``n >= 1``).
    alpha
        1 - confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Examples
    --------
    >>> [round(x, 4) for x in wilson_ci(81, 263)]  # Newcombe (1998), example 1
    [0.2553, 0.3662]
    """
    k, n = _check_kn(k, n)
    z = stats.norm.ppf(1.0 - check_alpha(alpha) / 2.0)
    z2 = z * z
    centre = (k + z2 / 2.0) / (n + z2)
    half = z / (n + z2) * math.sqrt(k * (n - k) / n + z2 / 4.0)
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return (float(low), float(high))


def clopper_pearson_ci(k: int, n: int, *, alpha: float = 0.05) -> tuple[float, float]:
    """Clopper-Pearson (1934) "exact" interval from beta quantiles.

    .. math::
        \\text{low} = B^{-1}(\\alpha/2;\\, k, n-k+1), \\qquad \\text{high} = B^{-1}(1-\\alpha/2;\\, k+1, n-k)

    with low = 0 when k = 0 and high = 1 when k = n (Newcombe 1998, method 5).

    Examples
    --------
    >>> [round(x, 4) for x in clopper_pearson_ci(81, 263)]  # Newcombe (1998), example 1
    [0.2527, 0.3676]
    """
    k, n = _check_kn(k, n)
    a = check_alpha(alpha)
    low = 0.0 if k == 0 else float(stats.beta.ppf(a / 2.0, k, n - k + 1))
    high = 1.0 if k == n else float(stats.beta.ppf(1.0 - a / 2.0, k + 1, n - k))
    return (low, high)


def binomial_test(k: int, n: int, *, p: float = 0.5, alternative: str = "two-sided") -> float:
    """Exact binomial test of H0: success probability = ``p``; returns the p-value.

    The two-sided p-value sums the probabilities of all outcomes no more likely than the observed one
    (the "minlike" method of R's ``binom.test`` and :func:`scipy.stats.binomtest`).

    Examples
    --------
    >>> round(binomial_test(7, 10), 4)
    0.3438
    """
    k, n = _check_kn(k, n)
    check_choice("alternative", alternative, ALTERNATIVES)
    try:
        pf = float(p)
    except (TypeError, ValueError):
        raise InvalidInputError(f"p={p!r} is not a number in [0, 1]") from None
    if not 0.0 <= pf <= 1.0:
        raise InvalidInputError(f"p={p!r} must lie in [0, 1]")
    return float(stats.binomtest(k, n, pf, alternative=alternative).pvalue)
