"""Empirical ROC analysis of real-versus-synthetic scores: AUC, DeLong SE/CI, paired DeLong test, ROC curve.

Convention: **real is the positive class** and a higher score means "more real", so the detection AUC is

    AUC = P(score of a real case > score of a synthetic case) + 0.5 P(tie),

the Mann-Whitney probability. AUC = 0.5: readers cannot tell real from synthetic; 1: perfect detection;
< 0.5: synthetic images are judged *more* real than real ones.

References
----------
DeLong, E. R., DeLong, D. M., & Clarke-Pearson, D. L. (1988). Comparing the areas under two or more
correlated receiver operating characteristic curves: a nonparametric approach. Biometrics 44, 837-845.
Sun, X., & Xu, W. (2014). Fast implementation of DeLong's algorithm for comparing the areas under correlated
receiver operating characteristic curves. IEEE Signal Processing Letters 21, 1389-1393.
Hanley, J. A., & McNeil, B. J. (1982). The meaning and use of the area under a receiver operating
characteristic (ROC) curve. Radiology 143, 29-36.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array, check_alpha, check_choice
from turingview.stats.results import DelongComparison, Estimate, RocCurve

__all__ = [
    "CI_METHODS",
    "delong_auc",
    "delong_paired",
    "empirical_auc",
    "hanley_mcneil_se",
    "placements",
    "roc_curve",
]

CI_METHODS = ("wald", "logit")
ArrayLike = Sequence[float] | np.ndarray


def _scores(name: str, values: ArrayLike) -> np.ndarray:
    return as_float_array(name, values, ndim=1)


def placements(real: np.ndarray, synthetic: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """AUC and DeLong placement values via midranks (Sun & Xu 2014), O((m + n) log(m + n)).

    ``v10[i]`` = share of synthetic scores below real case i (+ half the ties); ``v01[j]`` = share of real
    scores above synthetic case j (+ half the ties); AUC = mean(v10) = mean(v01).
    """
    m, n = real.size, synthetic.size
    both = stats.rankdata(np.concatenate([real, synthetic]))
    v10 = (both[:m] - stats.rankdata(real)) / n
    v01 = 1.0 - (both[m:] - stats.rankdata(synthetic)) / m
    return float(v10.mean()), v10, v01


def empirical_auc(real_scores: ArrayLike, synthetic_scores: ArrayLike) -> float:
    """Empirical (trapezoidal, Mann-Whitney) AUC with real as the positive class.

    .. math:: \\hat A = \\frac{1}{mn}\\sum_i\\sum_j \\psi(X_i, Y_j),\\quad
        \\psi = 1 \\text{ if } X > Y,\\ 0.5 \\text{ if } X = Y,\\ 0 \\text{ otherwise}

    Raises ``InvalidInputError`` when a class is empty (the AUC is undefined); :func:`delong_auc` returns a
    NaN estimate with a note instead.

    Examples
    --------
    >>> empirical_auc([5, 4, 4], [1, 4])
    0.8333333333333334
    """
    x, y = _scores("real_scores", real_scores), _scores("synthetic_scores", synthetic_scores)
    if x.size == 0 or y.size == 0:
        which = "real" if x.size == 0 else "synthetic"
        raise InvalidInputError(f"AUC is undefined: there are no {which} cases")
    return placements(x, y)[0]


def hanley_mcneil_se(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil (1982) standard error of an AUC from exponential approximations.

    .. math::
        SE^2 = \\frac{A(1-A) + (n_p - 1)(Q_1 - A^2) + (n_n - 1)(Q_2 - A^2)}{n_p n_n},\\quad
        Q_1 = \\frac{A}{2-A},\\ Q_2 = \\frac{2A^2}{1+A}

    Examples
    --------
    >>> round(hanley_mcneil_se(0.8932, 51, 58), 3)  # Hanley & McNeil (1982), CT example: 0.032
    0.032
    """
    a = float(auc)
    if not 0.0 <= a <= 1.0:
        raise InvalidInputError(f"auc={auc!r} must lie in [0, 1]")
    for name, v in (("n_pos", n_pos), ("n_neg", n_neg)):
        if isinstance(v, bool) or int(v) != v or v < 1:
            raise InvalidInputError(f"{name}={v!r} must be a positive whole number")
    q1 = a / (2.0 - a)
    q2 = 2.0 * a * a / (1.0 + a)
    var = (a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)) / (n_pos * n_neg)
    return float(math.sqrt(max(var, 0.0)))


def _auc_ci(auc: float, se: float, z: float, ci: str) -> tuple[float, float, str]:
    if ci == "logit" and 0.0 < auc < 1.0 and se > 0:
        lg = math.log(auc / (1.0 - auc))
        half = z * se / (auc * (1.0 - auc))
        return 1.0 / (1.0 + math.exp(-(lg - half))), 1.0 / (1.0 + math.exp(-(lg + half))), ""
    note = "logit CI undefined at AUC 0 or 1 or SE 0; Wald CI given" if ci == "logit" else ""
    return max(0.0, auc - z * se), min(1.0, auc + z * se), note


def delong_auc(
    real_scores: ArrayLike, synthetic_scores: ArrayLike, *, alpha: float = 0.05, ci: str = "wald"
) -> Estimate:
    """Empirical AUC with the DeLong (1988) standard error, CI and z test of AUC = 0.5.

    .. math::
        \\widehat{Var}(\\hat A) = \\frac{S_{10}}{m} + \\frac{S_{01}}{n}

    with S10, S01 the sample variances (denominator m - 1, n - 1) of the placement values of the m real and
    n synthetic cases (computed with midranks, Sun & Xu 2014). CI: ``"wald"`` gives AUC +/- z SE clipped to
    [0, 1] (as pROC's ``ci.auc(method="delong")``); ``"logit"`` transforms, which keeps the interval inside
    (0, 1) and is better near 0 or 1. ``statistic``/``p_value``: z = (AUC - 0.5) / SE, two-sided.

    Undefined (NaN with a note) when a class is empty; ``se`` is ``None`` when a class has a single case.

    Examples
    --------
    >>> r = delong_auc([3, 4, 5, 5, 2], [1, 2, 3, 3, 1])
    >>> round(r.estimate, 2)
    0.86
    """
    a = check_alpha(alpha)
    check_choice("ci", ci, CI_METHODS)
    x, y = _scores("real_scores", real_scores), _scores("synthetic_scores", synthetic_scores)
    method = f"empirical AUC (real = positive); DeLong (1988) SE; {ci} CI; z test of AUC = 0.5"
    if x.size == 0 or y.size == 0:
        which = "real" if x.size == 0 else "synthetic"
        return Estimate.undefined(n=x.size + y.size, method=method, note=f"AUC undefined: no {which} cases")
    auc, v10, v01 = placements(x, y)
    if x.size < 2 or y.size < 2:
        return Estimate(
            auc, None, None, None, x.size + y.size, method, note="DeLong variance needs at least 2 cases of each class"
        )
    se = float(math.sqrt(np.var(v10, ddof=1) / x.size + np.var(v01, ddof=1) / y.size))
    z = stats.norm.ppf(1.0 - a / 2.0)
    lo, hi, note = _auc_ci(auc, se, z, ci)
    if se > 0:
        stat = (auc - 0.5) / se
        p = float(2.0 * stats.norm.sf(abs(stat)))
    else:
        stat = p = None
        note = "; ".join(s for s in (note, "DeLong SE is 0 (complete separation or no variation)") if s)
    return Estimate(auc, se, lo, hi, x.size + y.size, method, statistic=stat, p_value=p, note=note)


def roc_curve(real_scores: ArrayLike, synthetic_scores: ArrayLike) -> RocCurve:
    """Empirical ROC curve (real = positive): one point per distinct score, from (0, 0) to (1, 1).

    At threshold t a case is called real when its score >= t; ``tpr`` = share of real cases called real,
    ``fpr`` = share of synthetic cases called real. The trapezoidal area under these points is the
    empirical AUC (``auc``).
    """
    x, y = _scores("real_scores", real_scores), _scores("synthetic_scores", synthetic_scores)
    if x.size == 0 or y.size == 0:
        which = "real" if x.size == 0 else "synthetic"
        raise InvalidInputError(f"ROC curve is undefined: there are no {which} cases")
    thr = np.unique(np.concatenate([x, y]))[::-1]
    xs, ys = np.sort(x), np.sort(y)
    tpr = (x.size - np.searchsorted(xs, thr, side="left")) / x.size
    fpr = (y.size - np.searchsorted(ys, thr, side="left")) / y.size
    return RocCurve(
        fpr=np.concatenate([[0.0], fpr]),
        tpr=np.concatenate([[0.0], tpr]),
        thresholds=np.concatenate([[np.inf], thr]),
        auc=placements(x, y)[0],
        n_real=int(x.size),
        n_synthetic=int(y.size),
    )


def delong_paired(
    real_a: ArrayLike,
    synth_a: ArrayLike,
    real_b: ArrayLike,
    synth_b: ArrayLike,
    *,
    alpha: float = 0.05,
) -> DelongComparison:
    """DeLong (1988) test of two correlated AUCs measured on the same cases.

    ``real_a[i]`` and ``real_b[i]`` must be scores of the same real case (likewise for synthetic). With the
    2 x 2 covariance S = S10/m + S01/n of the placement values,

    .. math:: z = \\frac{A_a - A_b}{\\sqrt{S_{aa} + S_{bb} - 2 S_{ab}}}

    and a two-sided p-value (pROC ``roc.test(method="delong", paired=TRUE)``); the Wald CI of the
    difference uses the same SE.
    """
    a = check_alpha(alpha)
    xa, ya = _scores("real_a", real_a), _scores("synth_a", synth_a)
    xb, yb = _scores("real_b", real_b), _scores("synth_b", synth_b)
    if xa.size != xb.size or ya.size != yb.size:
        raise InvalidInputError(
            f"paired test needs the same cases: real {xa.size} vs {xb.size}, synthetic {ya.size} vs {yb.size}"
        )
    ea = delong_auc(xa, ya, alpha=a)
    eb = delong_auc(xb, yb, alpha=a)
    m, n = xa.size, ya.size
    method = "paired DeLong (1988) test of AUC(a) - AUC(b); Wald CI"
    if not (ea.defined and eb.defined):
        diff = Estimate.undefined(n=m + n, method=method, note=ea.note or eb.note)
        return DelongComparison(ea, eb, diff, None, m, n)
    if m < 2 or n < 2:
        diff = Estimate(
            ea.estimate - eb.estimate,
            None,
            None,
            None,
            m + n,
            method,
            note="DeLong variance needs at least 2 cases of each class",
        )
        return DelongComparison(ea, eb, diff, None, m, n)
    _, v10a, v01a = placements(xa, ya)
    _, v10b, v01b = placements(xb, yb)
    s = np.cov(np.vstack([v10a, v10b])) / m + np.cov(np.vstack([v01a, v01b])) / n
    var = float(s[0, 0] + s[1, 1] - 2.0 * s[0, 1])
    se = math.sqrt(max(var, 0.0))
    d = ea.estimate - eb.estimate
    corr = float(s[0, 1] / math.sqrt(s[0, 0] * s[1, 1])) if s[0, 0] > 0 and s[1, 1] > 0 else None
    z = stats.norm.ppf(1.0 - a / 2.0)
    if se > 0:
        stat = d / se
        diff = Estimate(
            d, se, d - z * se, d + z * se, m + n, method, statistic=stat, p_value=float(2.0 * stats.norm.sf(abs(stat)))
        )
    else:
        diff = Estimate(d, 0.0, d, d, m + n, method, note="SE of the difference is 0; no test possible")
    return DelongComparison(ea, eb, diff, corr, m, n)
