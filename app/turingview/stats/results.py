"""Frozen result objects returned by :mod:`turingview.stats`.

Every result is an immutable dataclass with a ``to_dict()`` that gives JSON-ready values: floats are plain
Python floats, NaN and infinities become ``None``, arrays become lists and nested results become dicts.
An estimate may be NaN only together with a ``note`` that says why (degenerate or undefined input).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "DelongComparison",
    "DetectionResult",
    "Estimate",
    "FleissCategory",
    "MrmcComparison",
    "MrmcResult",
    "MrmcTestResult",
    "PairKappa",
    "RocCurve",
    "ScoreHistogram",
    "TostResult",
    "jsonable",
]


def jsonable(value: Any) -> Any:
    """Convert ``value`` to JSON-ready Python objects (NaN/inf -> ``None``, numpy -> builtins)."""
    if value is None or isinstance(value, bool | str):
        return value
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return value.to_dict()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


class _DictMixin:
    def to_dict(self) -> dict[str, Any]:
        """Return the fields as JSON-ready values (NaN -> ``None``)."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]


def _opt_float(value: float | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class Estimate(_DictMixin):
    """A point estimate with its uncertainty.

    Attributes
    ----------
    estimate
        The point estimate. NaN only when ``note`` says why it is undefined.
    se
        Standard error, or ``None`` when not available.
    ci_low, ci_high
        Confidence limits (level given by the function's ``alpha``), or ``None``.
    n
        Number of units the estimate is based on (pairs, subjects, cases; the docstring says which).
    method
        Short description of the estimator and of the interval/test.
    statistic, p_value, df
        Test statistic, its p-value and degrees of freedom (``None`` for a z statistic), if a test was made.
    note
        Why the answer is degenerate or undefined, or a caveat; empty otherwise.
    """

    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    method: str
    statistic: float | None = None
    p_value: float | None = None
    df: float | None = None
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "estimate", float(self.estimate))
        for name in ("se", "ci_low", "ci_high", "statistic", "p_value", "df"):
            object.__setattr__(self, name, _opt_float(getattr(self, name)))
        object.__setattr__(self, "n", int(self.n))
        if math.isnan(self.estimate) and not self.note:
            raise ValueError(f"{self.method}: a NaN estimate needs a note saying why")

    @property
    def ci(self) -> tuple[float | None, float | None]:
        """The confidence interval as ``(ci_low, ci_high)``."""
        return (self.ci_low, self.ci_high)

    @property
    def defined(self) -> bool:
        """``True`` when the estimate is a finite number."""
        return math.isfinite(self.estimate)

    @classmethod
    def undefined(cls, *, n: int, method: str, note: str) -> Estimate:
        """An undefined estimate (NaN) with the reason in ``note``."""
        return cls(math.nan, None, None, None, n, method, note=note)


@dataclass(frozen=True)
class PairKappa(_DictMixin):
    """Cohen's kappa between two readers (see :func:`turingview.stats.agreement.pairwise_kappas`)."""

    reader_a: str
    reader_b: str
    kappa: Estimate


@dataclass(frozen=True)
class FleissCategory(_DictMixin):
    """Fleiss (1971) category-wise kappa with its z test under the null hypothesis."""

    category: int | float
    proportion: float
    kappa: Estimate


@dataclass(frozen=True)
class DetectionResult(_DictMixin):
    """Real-versus-synthetic detection at a score threshold.

    Synthetic is the "positive" class of the call: a case is called synthetic when its score is at most
    ``threshold``. ``tp`` = synthetic called synthetic, ``fn`` = synthetic not called synthetic,
    ``tn`` = real not called synthetic, ``fp`` = real called synthetic.
    ``sensitivity``/``specificity``/``accuracy`` carry the Wilson interval in ``ci_low``/``ci_high``; the
    Clopper-Pearson intervals are in the ``*_exact_ci`` fields. ``accuracy.p_value`` is the exact two-sided
    binomial test of accuracy = 0.5. ``auc`` is the empirical detection AUC (real = positive) with DeLong SE.
    """

    threshold: float
    n_real: int
    n_synthetic: int
    tp: int
    fn: int
    tn: int
    fp: int
    sensitivity: Estimate
    specificity: Estimate
    accuracy: Estimate
    sensitivity_exact_ci: tuple[float | None, float | None]
    specificity_exact_ci: tuple[float | None, float | None]
    accuracy_exact_ci: tuple[float | None, float | None]
    auc: Estimate
    alpha: float


@dataclass(frozen=True)
class RocCurve(_DictMixin):
    """Empirical ROC curve (real = positive, higher score = more "real").

    ``thresholds[i]`` is the cut: a case is called real when ``score >= thresholds[i]``; the first point is
    ``(0, 0)`` with threshold ``+inf`` and the last is ``(1, 1)``. ``fpr`` = share of synthetic cases called
    real, ``tpr`` = share of real cases called real.
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    n_real: int
    n_synthetic: int
    note: str = ""

    def points(self) -> list[tuple[float, float]]:
        """The curve as ``[(fpr, tpr), ...]`` for plotting."""
        return [(float(x), float(y)) for x, y in zip(self.fpr, self.tpr, strict=True)]


@dataclass(frozen=True)
class DelongComparison(_DictMixin):
    """Paired DeLong (1988) test of two correlated AUCs on the same cases.

    ``difference`` is AUC(a) - AUC(b) with its SE, CI, z ``statistic`` and two-sided ``p_value``.
    """

    auc_a: Estimate
    auc_b: Estimate
    difference: Estimate
    correlation: float | None
    n_real: int
    n_synthetic: int


@dataclass(frozen=True)
class MrmcTestResult(_DictMixin):
    """Per-test (modality) result of an MRMC analysis.

    ``auc`` is the reader-averaged AUC with the single-test random-reader random-case SE, CI and df
    (Hillis 2007). ``reader_aucs`` are the per-reader AUCs; ``ms_r`` and ``cov2`` the single-test reader
    mean square and Cov2 used.
    """

    test: str
    auc: Estimate
    reader_aucs: tuple[float, ...]
    ms_r: float | None
    var: float
    cov2: float | None


@dataclass(frozen=True)
class MrmcComparison(_DictMixin):
    """Test of equal AUCs of two tests: the difference ``test_a - test_b`` with its SE, CI and test.

    ``reader`` is set for the per-reader comparisons of a fixed-reader analysis, ``None`` for reader-averaged
    comparisons. ``df_denominator`` is ``inf`` for a z (chi-square) test.
    """

    test_a: str
    test_b: str
    difference: Estimate
    f_statistic: float
    df_numerator: float
    df_denominator: float
    p_value: float
    reader: str | None = None


@dataclass(frozen=True)
class MrmcResult(_DictMixin):
    """Obuchowski-Rockette MRMC analysis with Hillis degrees of freedom.

    ``readers`` is ``"random"`` (RRRC: readers and cases random) or ``"fixed"`` (FRRC: conclusions for these
    readers only; automatic with a single reader). ``var``, ``cov1``, ``cov2``, ``cov3`` are the OR error
    variance and covariances (averaged); ``ms_t``, ``ms_tr``, ``ms_r`` the test, test x reader and reader
    mean squares. ``comparison`` is ``None`` unless there are exactly two tests. ``global_test`` is
    ``(F, df1, df2, p)`` for two or more tests (df2 = inf for the fixed-reader chi-square test, reported as
    F = chi2 / df1). ``reader_comparisons`` holds the per-reader test differences of a fixed-reader analysis.
    """

    tests: tuple[MrmcTestResult, ...]
    comparison: MrmcComparison | None
    comparisons: tuple[MrmcComparison, ...]
    global_test: tuple[float, float, float, float] | None
    var: float
    cov1: float | None
    cov2: float | None
    cov3: float | None
    ms_t: float | None
    ms_tr: float | None
    ms_r: float | None
    n_readers: int
    n_real: int
    n_synthetic: int
    covariance: str
    alpha: float
    reader_ids: tuple[str, ...] = ()
    note: str = ""
    readers: str = "random"
    reader_comparisons: tuple[MrmcComparison, ...] = ()


@dataclass(frozen=True)
class TostResult(_DictMixin):
    """Two one-sided tests (TOST) that a value lies within ``(lower_bound, upper_bound)``.

    ``p_value`` = max(``p_lower``, ``p_upper``); ``equivalent`` when ``p_value < alpha``.
    ``ci_low``/``ci_high`` form the (1 - 2 alpha) interval; equivalence holds exactly when it lies inside
    the bounds.
    """

    estimate: float
    se: float
    df: float | None
    margin: float
    lower_bound: float
    upper_bound: float
    statistic_lower: float
    statistic_upper: float
    p_lower: float
    p_upper: float
    p_value: float
    ci_low: float
    ci_high: float
    equivalent: bool
    alpha: float
    method: str
    note: str = ""

    @property
    def ci(self) -> tuple[float, float]:
        """The (1 - 2 alpha) confidence interval."""
        return (self.ci_low, self.ci_high)


@dataclass(frozen=True)
class ScoreHistogram(_DictMixin):
    """Counts of scores 1..k (``counts[i]`` is the count of score ``categories[i]``)."""

    categories: tuple[int, ...]
    counts: tuple[int, ...]
    proportions: tuple[float, ...]
    n: int
    n_missing: int = 0
