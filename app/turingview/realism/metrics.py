"""Statistics of the realism check: AUC with DeLong or grouped-bootstrap CI, the C2ST test and its power.

Pure numpy, with scipy's binomial distribution imported on first use.

References
----------
DeLong ER, DeLong DM, Clarke-Pearson DL (1988). Comparing the areas under two or more correlated
receiver operating characteristic curves: a nonparametric approach. Biometrics 44:837-845.
Sun X, Xu W (2014). Fast implementation of DeLong's algorithm. IEEE Signal Process Lett 21:1389-1393.
Lopez-Paz D, Oquab M (2017). Revisiting classifier two-sample tests. ICLR.
Field CA, Welsh AH (2007). Bootstrapping clustered data. J R Stat Soc B 69:369-390.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AucEstimate", "C2stTest", "auc", "auc_with_ci", "c2st_test", "delong_ci", "grouped_bootstrap_ci"]


@dataclass(frozen=True)
class AucEstimate:
    """An AUC with its confidence interval."""

    estimate: float
    ci_low: float
    ci_high: float
    se: float
    n_pos: int
    n_neg: int
    method: str

    @property
    def ci(self) -> tuple[float, float]:
        return (self.ci_low, self.ci_high)

    def covers(self, value: float) -> bool:
        """True when ``value`` lies inside the closed interval."""
        return self.ci_low <= value <= self.ci_high


@dataclass(frozen=True)
class C2stTest:
    """The classifier two-sample test on out-of-fold decisions."""

    accuracy: float
    balanced_accuracy: float
    n_test: int
    n_correct: int
    p_value: float
    power: float
    alpha: float
    power_at: float
    critical_correct: int


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(np.int64).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if labels.shape != scores.shape:
        raise ValueError(f"labels and scores differ in length: {labels.size} != {scores.size}")
    if not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (synthetic)")
    if labels.min(initial=1) == labels.max(initial=0):
        raise ValueError("AUC needs both classes")
    return labels, scores


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve, the Mann-Whitney statistic with ties counted one half.

    ``AUC = (1 / (m n)) sum_i sum_j [psi(X_i, Y_j)]`` with ``psi = 1`` if ``X > Y``, ``1/2`` if equal, else 0,
    over the ``m`` positive (synthetic) scores ``X`` and the ``n`` negative (real) scores ``Y``.

    >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> auc([0, 1], [0.5, 0.5])
    0.5
    """
    labels, scores = _check(labels, scores)
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    m = int(labels.sum())
    n = labels.size - m
    return float((ranks[labels == 1].sum() - m * (m + 1) / 2.0) / (m * n))


def delong_ci(labels: np.ndarray, scores: np.ndarray, *, level: float = 0.95) -> AucEstimate:
    """AUC with DeLong's variance and a Wald interval clipped to [0, 1].

    With the structural components ``V10_i = (1/n) sum_j psi(X_i, Y_j)`` and
    ``V01_j = (1/m) sum_i psi(X_i, Y_j)``, ``Var(AUC) = S10 / m + S01 / n`` where ``S10`` and ``S01`` are
    their sample variances (DeLong 1988; computed with midranks as in Sun & Xu 2014).
    """
    labels, scores = _check(labels, scores)
    from scipy.stats import norm, rankdata

    x = scores[labels == 1]
    y = scores[labels == 0]
    m, n = x.size, y.size
    r_all = rankdata(np.concatenate([x, y]))
    r_x = rankdata(x)
    r_y = rankdata(y)
    v10 = (r_all[:m] - r_x) / n
    v01 = 1.0 - (r_all[m:] - r_y) / m
    estimate = float(v10.mean())
    s10 = float(np.var(v10, ddof=1)) if m > 1 else 0.0
    s01 = float(np.var(v01, ddof=1)) if n > 1 else 0.0
    se = float(np.sqrt(s10 / m + s01 / n))
    z = float(norm.ppf(0.5 + level / 2.0))
    return AucEstimate(estimate, max(0.0, estimate - z * se), min(1.0, estimate + z * se), se, m, n, "delong")


def _weighted_aucs(labels: np.ndarray, scores: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """AUC of every row of ``weights`` (B, n): each image counted with its weight (bootstrap multiplicity)."""
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    pos = labels[order] == 1
    w = weights[:, order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    neg_level = np.add.reduceat(np.where(pos, 0.0, w), starts, axis=1)
    pos_level = np.add.reduceat(np.where(pos, w, 0.0), starts, axis=1)
    below = np.cumsum(neg_level, axis=1) - neg_level
    num = (pos_level * (below + 0.5 * neg_level)).sum(axis=1)
    den = pos_level.sum(axis=1) * neg_level.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def grouped_bootstrap_ci(
    labels: np.ndarray,
    scores: np.ndarray,
    groups: np.ndarray,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> AucEstimate:
    """AUC with a percentile interval from a bootstrap that resamples whole groups (patients).

    Images of one patient are correlated, so the resampling unit is the patient (cluster bootstrap,
    Field & Welsh 2007): each replicate draws as many patients as there are, with replacement, and
    recomputes the AUC with every image weighted by how often its patient was drawn. Replicates with a
    single class are dropped. ``se`` is the standard deviation of the replicates.
    """
    labels, scores = _check(labels, scores)
    if n_boot < 100:
        raise ValueError(f"n_boot must be at least 100, got {n_boot}")
    uniq, inverse = np.unique(np.asarray(groups), return_inverse=True)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, uniq.size, size=(n_boot, uniq.size))
    multiplicity = np.zeros((n_boot, uniq.size), dtype=np.float64)
    np.add.at(multiplicity, (np.arange(n_boot)[:, None], draws), 1.0)
    reps = _weighted_aucs(labels, scores, multiplicity[:, inverse])
    reps = reps[np.isfinite(reps)]
    estimate = auc(labels, scores)
    lo, hi = np.quantile(reps, [0.5 - level / 2.0, 0.5 + level / 2.0])
    m = int(labels.sum())
    return AucEstimate(estimate, float(lo), float(hi), float(reps.std(ddof=1)), m, labels.size - m, "grouped-bootstrap")


def auc_with_ci(
    labels: np.ndarray, scores: np.ndarray, groups: np.ndarray, *, method: str = "auto", seed: int = 0
) -> AucEstimate:
    """AUC with the interval ``method``: ``"delong"``, ``"bootstrap"`` (grouped), or ``"auto"``.

    ``"auto"`` uses DeLong when every group holds a single image (independent images) and the grouped
    bootstrap otherwise (several slices or images per patient).
    """
    if method not in ("auto", "delong", "bootstrap"):
        raise ValueError(f"unknown CI method {method!r}: expected 'auto', 'delong' or 'bootstrap'")
    groups = np.asarray(groups)
    if method == "auto":
        method = "delong" if np.unique(groups).size == groups.size else "bootstrap"
    if method == "delong":
        return delong_ci(labels, scores)
    return grouped_bootstrap_ci(labels, scores, groups, seed=seed)


def c2st_test(labels: np.ndarray, probabilities: np.ndarray, *, alpha: float = 0.05, power_at: float = 0.6) -> C2stTest:
    """Classifier two-sample test (Lopez-Paz & Oquab 2017) on out-of-fold decisions.

    Each image is classified once, by the model that did not see it (decision ``p >= 0.5``). Under
    H0 (the classes are indistinguishable) the number correct is ``Binomial(n, 1/2)``; the one-sided
    p-value is ``P(X >= n_correct | n, 1/2)``. The power is the exact probability
    ``P(X >= k* | n, power_at)`` of rejecting at level ``alpha`` when the true accuracy is ``power_at``,
    with ``k*`` the smallest count whose tail under H0 is at most ``alpha``.

    Images of one patient are not independent, so with several images per patient the binomial test is
    optimistic; the grouped-bootstrap AUC interval is then the sounder evidence.

    >>> round(c2st_test([0] * 50 + [1] * 50, [0.4] * 50 + [0.6] * 50).p_value, 12)
    0.0
    """
    labels = np.asarray(labels).astype(np.int64).ravel()
    probabilities = np.asarray(probabilities, dtype=np.float64).ravel()
    from scipy.stats import binom

    n = int(labels.size)
    decisions = (probabilities >= 0.5).astype(np.int64)
    correct = decisions == labels
    k = int(correct.sum())
    recalls = [float(correct[labels == c].mean()) for c in (0, 1) if np.any(labels == c)]
    p_value = float(binom.sf(k - 1, n, 0.5))
    k_crit = int(binom.ppf(1.0 - alpha, n, 0.5)) + 1
    power = float(binom.sf(k_crit - 1, n, power_at))
    return C2stTest(
        accuracy=k / n,
        balanced_accuracy=float(np.mean(recalls)),
        n_test=n,
        n_correct=k,
        p_value=p_value,
        power=power,
        alpha=alpha,
        power_at=power_at,
        critical_correct=k_crit,
    )
