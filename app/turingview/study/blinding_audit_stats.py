r"""How well a single cue separates real from synthetic cases: AUCs and the strength grading.

Numeric cues
    The Mann-Whitney AUC :math:`A = P(X_s > X_r) + \tfrac12 P(X_s = X_r)` over all (synthetic, real)
    pairs, computed from mid-ranks (Hanley & McNeil 1982, Radiology 143:29). A cue that is *lower* in
    synthetic cases separates just as well, so the audit reports the folded value
    :math:`\max(A, 1 - A)` (0.5 = no separation, 1 = perfect) and says which direction it goes.

Categorical cues
    Two scores, and the larger is reported:

    - best single-category split: for each category :math:`c` the indicator "value is :math:`c`" is
      used as the score, :math:`A_c = (\mathrm{TPR}_c - \mathrm{FPR}_c + 1)/2` folded; the best :math:`c`
      is reported with its share in each class;
    - class-conditional frequency score: each case is scored by the share of synthetic cases among the
      *other* cases with its category (leave-one-out, so a value seen once carries no information and
      scores the overall synthetic share), and the Mann-Whitney AUC of that score is taken *unfolded*
      and floored at 0.5. Leaving a case out lowers its own class's share in its category, so the score
      is an honest out-of-sample predictor whose AUC falls *below* 0.5 when the classes share their
      categories evenly; folding that would report spurious separation. This catches splits that need
      several categories (three scanner vendors on the real side, a fourth on the synthetic side)
      without rewarding values unique to one file or identical distributions.

Strength
    ``n_eff = min(n_real, n_synthetic)`` counts the cases for which the cue is defined.
    With fewer than :data:`MIN_PER_CLASS` per class no grade is given (``"too few cases"``).
    Otherwise a cue is *strong* if its AUC is at least :data:`STRONG_AUC` (0.80) and *moderate* if at
    least :data:`MODERATE_AUC` (0.65), provided the AUC also exceeds the chance bound
    :math:`0.5 + 1.96\,\sigma_0` with :math:`\sigma_0 = \sqrt{(n_r + n_s + 1)/(12\,n_r n_s)}`, the
    null standard deviation of the Mann-Whitney AUC (capped at 1, so perfect separation always counts).
    In a 5-versus-5 pilot only a near-perfect split is therefore graded, while in a study of 20 per class
    the thresholds themselves decide. A perfect split of a categorical cue (every real case one value,
    every synthetic case another) is always strong once both classes have :data:`MIN_PER_CLASS` cases:
    it is a systematic property of how the files were made, not chance.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MIN_PER_CLASS",
    "MODERATE_AUC",
    "STRONG_AUC",
    "CategoricalSeparation",
    "NumericSeparation",
    "categorical_separation",
    "chance_bound",
    "grade",
    "mann_whitney_auc",
    "numeric_separation",
]

STRONG_AUC = 0.80
MODERATE_AUC = 0.65
MIN_PER_CLASS = 3


def _midranks(values: np.ndarray) -> np.ndarray:
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(values.size, dtype=np.float64)
    # boundaries of runs of equal values
    edges = np.flatnonzero(np.diff(sorted_values)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [values.size]))
    mids = (starts + ends + 1) / 2.0  # 1-based mid-rank of each run
    ranks[order] = np.repeat(mids, ends - starts)
    return ranks


def mann_whitney_auc(synthetic: Sequence[float], real: Sequence[float]) -> float:
    """Unfolded AUC :math:`P(X_s > X_r) + \\tfrac12 P(X_s = X_r)`; ``nan`` if a class is empty.

    >>> mann_whitney_auc([3, 4], [1, 2])
    1.0
    >>> mann_whitney_auc([1, 2], [1, 2])
    0.5
    """
    s = np.asarray(synthetic, dtype=np.float64)
    r = np.asarray(real, dtype=np.float64)
    if s.size == 0 or r.size == 0:
        return math.nan
    ranks = _midranks(np.concatenate((s, r)))
    u = ranks[: s.size].sum() - s.size * (s.size + 1) / 2.0
    return float(u / (s.size * r.size))


def chance_bound(n_real: int, n_synthetic: int) -> float:
    """Folded AUC that chance alone exceeds about 5% of the time, capped at 1."""
    if n_real < 1 or n_synthetic < 1:
        return 1.0
    sigma0 = math.sqrt((n_real + n_synthetic + 1) / (12.0 * n_real * n_synthetic))
    return min(1.0, 0.5 + 1.96 * sigma0)


def grade(auc: float, n_real: int, n_synthetic: int, *, perfect_categorical: bool = False) -> str:
    """``"strong"``, ``"moderate"``, ``"none"`` or ``"too few cases"`` (see the module docstring)."""
    if min(n_real, n_synthetic) < MIN_PER_CLASS or math.isnan(auc):
        return "too few cases"
    if perfect_categorical:
        return "strong"
    if auc < chance_bound(n_real, n_synthetic) - 1e-12:
        return "none"
    if auc >= STRONG_AUC:
        return "strong"
    if auc >= MODERATE_AUC:
        return "moderate"
    return "none"


@dataclass(frozen=True)
class NumericSeparation:
    """Separation by a numeric cue: folded AUC and which class has the higher values."""

    auc: float
    higher_in: str  # "synthetic", "real" or "neither"
    n_real: int
    n_synthetic: int
    real_range: tuple[float, float]
    synthetic_range: tuple[float, float]
    real_median: float
    synthetic_median: float


def numeric_separation(real: Sequence[float], synthetic: Sequence[float]) -> NumericSeparation:
    """Folded Mann-Whitney AUC of a numeric cue (both classes must be non-empty)."""
    r = np.asarray(real, dtype=np.float64)
    s = np.asarray(synthetic, dtype=np.float64)
    raw = mann_whitney_auc(s, r)
    higher = "neither" if abs(raw - 0.5) < 1e-12 else ("synthetic" if raw > 0.5 else "real")
    return NumericSeparation(
        auc=max(raw, 1.0 - raw),
        higher_in=higher,
        n_real=int(r.size),
        n_synthetic=int(s.size),
        real_range=(float(r.min()), float(r.max())),
        synthetic_range=(float(s.min()), float(s.max())),
        real_median=float(np.median(r)),
        synthetic_median=float(np.median(s)),
    )


@dataclass(frozen=True)
class CategoricalSeparation:
    """Separation by a categorical cue.

    ``auc`` is ``max(auc_split, auc_frequency)``; ``best_category`` is the category of the best split with
    its share among real and synthetic cases; ``perfect`` says that one category holds every case of one
    class and no case of the other (``auc_split == 1``), a systematic difference rather than values that
    merely happen to be unique to each file.
    """

    auc: float
    auc_split: float
    auc_frequency: float
    best_category: str
    share_real: float
    share_synthetic: float
    perfect: bool
    n_real: int
    n_synthetic: int
    real_counts: dict[str, int]
    synthetic_counts: dict[str, int]


def categorical_separation(real: Sequence[str], synthetic: Sequence[str]) -> CategoricalSeparation:
    """Best single-category split and leave-one-out frequency-score AUC of a categorical cue."""
    real_counts = Counter(real)
    synthetic_counts = Counter(synthetic)
    n_r, n_s = len(real), len(synthetic)
    best = ("", 0.5, 0.0, 0.0)
    for category in sorted(set(real_counts) | set(synthetic_counts)):
        tpr = synthetic_counts[category] / n_s
        fpr = real_counts[category] / n_r
        auc = (tpr - fpr + 1.0) / 2.0
        folded = max(auc, 1.0 - auc)
        if folded > best[1] + 1e-12:
            best = (category, folded, fpr, tpr)
    prior = n_s / (n_r + n_s)

    def loo_score(category: str, is_synthetic: bool) -> float:
        total = real_counts[category] + synthetic_counts[category] - 1
        if total <= 0:
            return prior
        return (synthetic_counts[category] - (1 if is_synthetic else 0)) / total

    s_scores = [loo_score(c, True) for c in synthetic]
    r_scores = [loo_score(c, False) for c in real]
    auc_frequency = max(mann_whitney_auc(s_scores, r_scores), 0.5)  # unfolded: see the module docstring
    return CategoricalSeparation(
        auc=max(best[1], auc_frequency),
        auc_split=best[1],
        auc_frequency=auc_frequency,
        best_category=best[0],
        share_real=best[2],
        share_synthetic=best[3],
        perfect=best[1] >= 1.0 - 1e-12,
        n_real=n_r,
        n_synthetic=n_s,
        real_counts=dict(real_counts.most_common()),
        synthetic_counts=dict(synthetic_counts.most_common()),
    )
