"""Equivalence testing (TOST) that readers cannot tell real from synthetic: AUC within 0.5 +/- margin.

Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power approach for
assessing the equivalence of average bioavailability. J. Pharmacokinet. Biopharm. 15, 657-680.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import check_alpha
from turingview.stats.results import TostResult

__all__ = ["tost", "tost_auc"]


def _num(name: str, v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise InvalidInputError(f"{name}={v!r} is not a number") from None
    if not math.isfinite(f) or isinstance(v, bool):
        raise InvalidInputError(f"{name}={v!r} must be a finite number")
    return f


def tost(
    estimate: float, se: float, df: float | None, *, lower: float, upper: float, alpha: float = 0.05
) -> TostResult:
    """Two one-sided tests of H0: theta <= lower or theta >= upper against H1: lower < theta < upper.

    .. math::
        t_L = (\\hat\\theta - L)/SE,\\ p_L = P(T > t_L); \\quad
        t_U = (\\hat\\theta - U)/SE,\\ p_U = P(T < t_U); \\quad p = \\max(p_L, p_U)

    T is Student t with ``df`` degrees of freedom, or standard normal when ``df`` is ``None``. Equivalence
    is declared when p < alpha, i.e. when the (1 - 2 alpha) CI lies inside (lower, upper).
    """
    a = check_alpha(alpha)
    if a >= 0.5:
        raise InvalidInputError(f"alpha={alpha!r} must be below 0.5 for a (1 - 2 alpha) interval")
    est, s = _num("estimate", estimate), _num("se", se)
    lo_b, hi_b = _num("lower", lower), _num("upper", upper)
    if not lo_b < hi_b:
        raise InvalidInputError(f"lower={lower!r} must be below upper={upper!r}")
    if s < 0:
        raise InvalidInputError(f"se={se!r} must not be negative")
    if df is not None:
        d = _num("df", df)
        if d <= 0:
            raise InvalidInputError(f"df={df!r} must be positive (or None for a z test)")
        dist: Any = stats.t(d)
        label = f"t({d:.4g})"
    else:
        d = None
        dist = stats.norm
        label = "z"
    method = f"TOST (Schuirmann 1987), two one-sided {label} tests; {100 * (1 - 2 * a):g}% CI"
    note = ""
    if s == 0:
        tl = math.inf if est > lo_b else -math.inf
        tu = -math.inf if est < hi_b else math.inf
        note = "SE is 0: the tests reduce to comparing the estimate with the bounds"
    else:
        tl, tu = (est - lo_b) / s, (est - hi_b) / s
    pl, pu = float(dist.sf(tl)), float(dist.cdf(tu))
    q = float(dist.ppf(1.0 - a))
    p = max(pl, pu)
    return TostResult(
        estimate=est,
        se=s,
        df=d,
        margin=(hi_b - lo_b) / 2.0,
        lower_bound=lo_b,
        upper_bound=hi_b,
        statistic_lower=tl,
        statistic_upper=tu,
        p_lower=pl,
        p_upper=pu,
        p_value=p,
        ci_low=est - q * s,
        ci_high=est + q * s,
        equivalent=bool(p < a),
        alpha=a,
        method=method,
        note=note,
    )


def tost_auc(estimate: float, se: float, df: float | None, *, margin: float, alpha: float = 0.05) -> TostResult:
    """TOST that the (reader-averaged) detection AUC lies within 0.5 +/- ``margin``.

    Pass the MRMC reader-averaged AUC with its SE and Hillis df (or ``df=None`` for a z test, e.g. with a
    single reader's DeLong SE). Equivalent (readers cannot tell real from synthetic within the margin) when
    ``p_value < alpha``.

    Examples
    --------
    >>> r = tost_auc(0.52, 0.03, 12.0, margin=0.1)
    >>> r.equivalent, round(r.p_value, 4)
    (True, 0.0103)
    """
    m = _num("margin", margin)
    if not 0.0 < m <= 0.5:
        raise InvalidInputError(f"margin={margin!r} must lie in (0, 0.5]")
    r = tost(estimate, se, df, lower=0.5 - m, upper=0.5 + m, alpha=alpha)
    return r
