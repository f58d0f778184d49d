"""Real-versus-synthetic detection at a score threshold: sensitivity, specificity, accuracy, fooling rate.

Convention (TuringView scale 1..K, 1 = "definitely synthetic", K = "definitely real"): a case is **called
synthetic** when its score is at most ``threshold`` (default 2). Synthetic is the positive class of the call:

- sensitivity = synthetic cases called synthetic / synthetic cases = TP / (TP + FN)
- specificity = real cases not called synthetic / real cases = TN / (TN + FP)
- accuracy = (TP + TN) / N, tested against 0.5 (guessing) by an exact two-sided binomial test
- fooling rate = synthetic cases *not* called synthetic / synthetic cases = 1 - sensitivity

Proportion CIs are Wilson score intervals (Newcombe 1998 method 3, good coverage at small n and near 0/1);
Clopper-Pearson intervals are also returned. When scores of several readers are pooled, the calls on the
same image are correlated and these intervals are too narrow: use the MRMC analysis for inference across
readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array, check_alpha, truth_mask
from turingview.stats.proportions import binomial_test, clopper_pearson_ci, wilson_ci
from turingview.stats.results import DetectionResult, Estimate
from turingview.stats.roc import delong_auc

__all__ = ["detection_summary", "fooling_rate", "proportion_estimate"]


def proportion_estimate(k: int, n: int, *, alpha: float, what: str, test_half: bool = False) -> Estimate:
    """k/n as an :class:`Estimate` with the Wilson CI (undefined with a note when n = 0).

    ``se`` is the binomial sqrt(p(1-p)/n). With ``test_half`` the exact two-sided binomial p-value of
    H0: p = 0.5 is in ``p_value`` and ``statistic`` holds k.
    """
    method = f"{what}: k/n; Wilson score CI" + ("; exact binomial test of 0.5" if test_half else "")
    if n == 0:
        return Estimate.undefined(n=0, method=method, note=f"{what} undefined: no cases")
    p = k / n
    lo, hi = wilson_ci(k, n, alpha=alpha)
    se = float(np.sqrt(p * (1.0 - p) / n))
    if test_half:
        return Estimate(p, se, lo, hi, n, method, statistic=float(k), p_value=binomial_test(k, n, p=0.5))
    return Estimate(p, se, lo, hi, n, method)


def _exact(k: int, n: int, alpha: float) -> tuple[float | None, float | None]:
    return clopper_pearson_ci(k, n, alpha=alpha) if n > 0 else (None, None)


def _threshold(threshold: Any) -> float:
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise InvalidInputError(f"threshold={threshold!r} is not a number") from None
    if not np.isfinite(t) or isinstance(threshold, bool):
        raise InvalidInputError(f"threshold={threshold!r} must be a finite number")
    return t


def detection_summary(
    scores: Sequence[float] | np.ndarray,
    truth: Sequence[Any],
    *,
    threshold: float = 2,
    alpha: float = 0.05,
) -> DetectionResult:
    """Sensitivity, specificity and accuracy of calling cases synthetic (score <= threshold).

    Parameters
    ----------
    scores
        One score per case (1..K, higher = more real). No missing values: drop unrated cases first.
    truth
        ``"real"``/``"synthetic"`` (or :class:`~turingview.core.domain.Truth`) per case.
    threshold
        Cases with ``score <= threshold`` are called synthetic.
    alpha
        1 - confidence level.

    Returns
    -------
    DetectionResult
        Counts, the three proportions (Wilson CI in ``ci_low``/``ci_high``, Clopper-Pearson in
        ``*_exact_ci``), the exact binomial test of accuracy = 0.5 (``accuracy.p_value``) and the empirical
        detection AUC with DeLong SE (``auc``). A class without cases gives NaN estimates with a note.

    Examples
    --------
    >>> r = detection_summary([1, 2, 4, 5, 3, 1], ["synthetic", "synthetic", "real", "real", "real", "real"])
    >>> (r.tp, r.fn, r.tn, r.fp)
    (2, 0, 3, 1)
    """
    a = check_alpha(alpha)
    t = _threshold(threshold)
    s = as_float_array("scores", scores, ndim=1)
    real = truth_mask(truth, s.size)
    called_synth = s <= t
    tp = int(np.sum(~real & called_synth))
    fn = int(np.sum(~real & ~called_synth))
    tn = int(np.sum(real & ~called_synth))
    fp = int(np.sum(real & called_synth))
    n_syn, n_real = tp + fn, tn + fp
    return DetectionResult(
        threshold=t,
        n_real=n_real,
        n_synthetic=n_syn,
        tp=tp,
        fn=fn,
        tn=tn,
        fp=fp,
        sensitivity=proportion_estimate(tp, n_syn, alpha=a, what="sensitivity (synthetic called synthetic)"),
        specificity=proportion_estimate(tn, n_real, alpha=a, what="specificity (real not called synthetic)"),
        accuracy=proportion_estimate(tp + tn, n_syn + n_real, alpha=a, what="accuracy", test_half=True),
        sensitivity_exact_ci=_exact(tp, n_syn, a),
        specificity_exact_ci=_exact(tn, n_real, a),
        accuracy_exact_ci=_exact(tp + tn, n_syn + n_real, a),
        auc=delong_auc(s[real], s[~real], alpha=a),
        alpha=a,
    )


def fooling_rate(
    scores_synthetic: Sequence[float] | np.ndarray, *, threshold: float = 2, alpha: float = 0.05
) -> Estimate:
    """Share of synthetic cases scored above ``threshold`` (i.e. not called synthetic), with Wilson CI.

    Examples
    --------
    >>> round(fooling_rate([1, 3, 4, 2, 5], threshold=2).estimate, 2)
    0.6
    """
    a = check_alpha(alpha)
    t = _threshold(threshold)
    s = as_float_array("scores_synthetic", scores_synthetic, ndim=1)
    k = int(np.sum(s > t))
    return proportion_estimate(k, s.size, alpha=a, what=f"fooling rate (synthetic scored > {t:g})")
