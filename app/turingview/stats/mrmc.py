"""Multi-reader multi-case (MRMC) ROC analysis: Obuchowski-Rockette with Hillis degrees of freedom.

Readers and cases are both random ("RRRC"). Each reader i x test j gives an empirical AUC theta_ij
(real = positive). The OR model theta_ij = mu + tau_i + R_j + (tau R)_ij + e_ij has error variance Var and
error covariances Cov1 (same reader, different tests), Cov2 (different readers, same test) and Cov3
(different readers and tests), estimated from the case-resampling covariance of the AUCs:

- ``covariance="jackknife"``: leave-one-case-out, Cov = (c-1)/c sum_k (theta_(k) - mean)(theta'_(k) - mean),
  with the leave-one-out AUCs obtained exactly from DeLong placement values;
- ``covariance="delong"``: DeLong (1988) covariance S10/m + S01/n of the placement values.

Test of equal AUCs (t tests, r readers; Hillis 2007, 2008; Hillis, Berbaum & Metz 2008)::

    MS(T)  = r sum_i (theta_i. - theta..)^2 / (t - 1)
    MS(TR) = sum_ij (theta_ij - theta_i. - theta_.j + theta..)^2 / ((t - 1)(r - 1))
    den    = MS(TR) + r max(Cov2 - Cov3, 0)
    F      = MS(T) / den,   ddf_H = den^2 / (MS(TR)^2 / ((t - 1)(r - 1)))
    CI for theta_i. - theta_i'.:  difference +/- t(ddf_H) sqrt(2 den / r)

Single test i (Hillis 2007; also the per-test CIs of OR-DBM MRMC, RJafroc and MRMCaov)::

    MS(R)_i = sum_j (theta_ij - theta_i.)^2 / (r - 1)
    SE_i^2  = (MS(R)_i + r max(Cov2_i, 0)) / r,   df_i = (MS(R)_i + r max(Cov2_i, 0))^2 / (MS(R)_i^2 / (r - 1))

Fixed readers, random cases (``readers="fixed"``, FRRC; Hillis 2007; RJafroc): conclusions hold for the
readers in the study only::

    den_F  = Var - Cov1 + (r - 1) max(Cov2 - Cov3, 0),   chi2 = (t - 1) MS(T) / den_F ~ chi2(t - 1)
    CI for theta_i. - theta_i'.:  difference +/- z sqrt(2 den_F / r)
    per test:   SE_i^2 = (Var_i + (r - 1) max(Cov2_i, 0)) / r   (z CI)
    per reader: SE^2 = 2 (Var_j - Cov1_j)                      (z test of each reader's difference)

With one reader, readers cannot be random: the analysis is the fixed-reader one (for two tests with the
DeLong covariance it is exactly the paired DeLong test) and ``note`` says so.

References
----------
Obuchowski, N. A., & Rockette, H. E. (1995). Hypothesis testing of diagnostic accuracy for multiple readers
and multiple tests: an ANOVA approach with dependent observations. Commun. Stat. Simul. Comput. 24, 285-308.
Hillis, S. L. (2007). A comparison of denominator degrees of freedom methods for multiple observer ROC
analysis. Stat. Med. 26, 596-619.
Hillis, S. L., Berbaum, K. S., & Metz, C. E. (2008). Recent developments in the Dorfman-Berbaum-Metz
procedure for multireader ROC study analysis. Acad. Radiol. 15, 647-661.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._mrmc_core import (
    auc_covariance,
    cov_components,
    diff_comparison,
    f_sf,
    reader_components,
)
from turingview.stats._validate import as_float_array, check_alpha, check_choice, truth_mask
from turingview.stats.results import Estimate, MrmcComparison, MrmcResult, MrmcTestResult

__all__ = ["COVARIANCE_METHODS", "READER_MODES", "MrmcInput", "mrmc_input_from_long", "or_mrmc"]

COVARIANCE_METHODS = ("jackknife", "delong")
READER_MODES = ("random", "fixed")


@dataclass(frozen=True)
class MrmcInput:
    """Scores pivoted to ``[test, reader, case]`` with the labels of each axis (see :func:`mrmc_input_from_long`)."""

    scores: np.ndarray
    truth: tuple[str, ...]
    test_ids: tuple[str, ...]
    reader_ids: tuple[str, ...]
    case_ids: tuple[str, ...]


def _first_seen(values: Sequence[Any]) -> tuple[tuple[str, ...], np.ndarray]:
    order: dict[str, int] = {}
    idx = np.empty(len(values), dtype=np.int64)
    for i, v in enumerate(values):
        idx[i] = order.setdefault(str(v), len(order))
    return tuple(order), idx


def mrmc_input_from_long(
    reader: Sequence[Any],
    test: Sequence[Any],
    case: Sequence[Any],
    score: Sequence[float],
    truth: Sequence[Any],
) -> MrmcInput:
    """Pivot a long table (one row per reader x test x case) into the array :func:`or_mrmc` takes.

    Labels keep their order of first appearance. Every row's ``truth`` is the case's truth
    (``"real"``/``"synthetic"``). Raises ``InvalidInputError`` naming the row for a repeated
    (reader, test, case), a case whose truth differs between rows, or a missing score, and naming the
    first (test, reader, case) cell without a score when the design is not fully crossed.

    Examples
    --------
    >>> x = mrmc_input_from_long(["r1", "r1", "r2", "r2"], ["A"] * 4, ["c1", "c2", "c1", "c2"],
    ...                          [5, 2, 4, 1], ["real", "synthetic", "real", "synthetic"])
    >>> x.scores.shape, x.reader_ids, x.truth
    ((1, 2, 2), ('r1', 'r2'), ('real', 'synthetic'))
    """
    n = len(score)
    for name, col in (("reader", reader), ("test", test), ("case", case), ("truth", truth)):
        if len(col) != n:
            raise InvalidInputError(f"{name} has {len(col)} rows but score has {n}")
    vals = as_float_array("score", score, ndim=1)
    is_real = truth_mask(truth, n)
    tids, ti = _first_seen(test)
    rids, ri = _first_seen(reader)
    cids, ci = _first_seen(case)
    arr = np.full((len(tids), len(rids), len(cids)), np.nan)
    case_truth: dict[int, bool] = {}
    for row in range(n):
        t, r, c = ti[row], ri[row], ci[row]
        if not np.isnan(arr[t, r, c]):
            raise InvalidInputError(
                f"row {row}: reader {rids[r]!r}, test {tids[t]!r}, case {cids[c]!r} is scored twice"
            )
        if case_truth.setdefault(int(c), bool(is_real[row])) != bool(is_real[row]):
            raise InvalidInputError(f"row {row}: case {cids[c]!r} is both real and synthetic")
        arr[t, r, c] = vals[row]
    if np.isnan(arr).any():
        t, r, c = (int(v) for v in np.argwhere(np.isnan(arr))[0])
        raise InvalidInputError(
            f"reader {rids[r]!r} has no score for case {cids[c]!r} under test {tids[t]!r}: the OR analysis "
            "needs a fully crossed design"
        )
    labels = tuple("real" if case_truth[c] else "synthetic" for c in range(len(cids)))
    return MrmcInput(arr, labels, tids, rids, cids)


def _parse(scores: Any, truth: Any) -> tuple[np.ndarray, np.ndarray]:
    arr = as_float_array("scores", scores, allow_nan=True)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3:
        raise InvalidInputError(f"scores must be an array [test, reader, case] (or [reader, case]); got {arr.shape}")
    if np.isnan(arr).any():
        t, r, c = (int(v) for v in np.argwhere(np.isnan(arr))[0])
        raise InvalidInputError(
            f"scores[test {t}, reader {r}, case {c}] is missing: OR analysis needs a fully crossed design "
            "(every reader scores every case in every test)"
        )
    real = truth_mask(truth, arr.shape[2])
    return arr, real


def _ids(name: str, ids: Sequence[Any] | None, count: int) -> tuple[str, ...]:
    if ids is None:
        return tuple(str(i + 1) for i in range(count))
    out = tuple(str(x) for x in ids)
    if len(out) != count:
        raise InvalidInputError(f"{name} has {len(out)} entries for {count} {name.removesuffix('_ids')}s")
    return out


def or_mrmc(
    scores: Any,
    truth: Sequence[Any],
    *,
    covariance: str = "jackknife",
    readers: str = "random",
    alpha: float = 0.05,
    test_ids: Sequence[Any] | None = None,
    reader_ids: Sequence[Any] | None = None,
) -> MrmcResult:
    """Obuchowski-Rockette / Hillis MRMC analysis of empirical AUCs (default: readers and cases random).

    Parameters
    ----------
    scores
        Array ``[test, reader, case]`` of scores (higher = more real); a 2-D ``[reader, case]`` array is one
        test. Fully crossed: no missing values.
    truth
        ``"real"``/``"synthetic"`` per case (real is the positive class).
    covariance
        ``"jackknife"`` (default; as OR-DBM MRMC, RJafroc and MRMCaov default) or ``"delong"``.
    readers
        ``"random"`` (RRRC, default: generalises to the population of readers) or ``"fixed"`` (FRRC:
        conclusions for these readers only). A single reader is always analysed as fixed.
    alpha
        1 - confidence level.
    test_ids, reader_ids
        Labels (default "1", "2", ...).

    Returns
    -------
    MrmcResult
        Per test: reader-averaged AUC with its SE, CI and df (random readers: single-test Hillis df;
        fixed readers: z). With two or more tests: the test of equal AUCs (``global_test``) and the pairwise
        differences (``comparisons``; for exactly two tests also ``comparison`` = test 1 - test 2).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = ["real"] * 20 + ["synthetic"] * 20
    >>> s = rng.integers(1, 6, size=(2, 3, 40)) + np.r_[np.ones(20), np.zeros(20)].astype(int)
    >>> res = or_mrmc(s, truth)
    >>> len(res.tests), res.comparison is not None
    (2, True)
    """
    check_choice("covariance", covariance, COVARIANCE_METHODS)
    check_choice("readers", readers, READER_MODES)
    a = check_alpha(alpha)
    arr, real = _parse(scores, truth)
    t, r, _ = arr.shape
    m, n = int(real.sum()), int((~real).sum())
    tids = _ids("test_ids", test_ids, t)
    rids = _ids("reader_ids", reader_ids, r)
    if m < 2 or n < 2:
        raise InvalidInputError(
            f"MRMC analysis needs at least 2 real and 2 synthetic cases; got {m} real and {n} synthetic"
        )
    aucs, cov = auc_covariance(arr, real, covariance)
    comp = cov_components(cov, t, r)
    theta_i = aucs.mean(axis=1)
    theta_j = aucs.mean(axis=0)
    grand = float(aucs.mean())
    ms_t = float(r * np.sum((theta_i - grand) ** 2) / (t - 1)) if t > 1 else None
    ms_r = float(t * np.sum((theta_j - grand) ** 2) / (r - 1)) if r > 1 else None
    ms_tr = (
        float(np.sum((aucs - theta_i[:, None] - theta_j[None, :] + grand) ** 2) / ((t - 1) * (r - 1)))
        if t > 1 and r > 1
        else None
    )
    fixed = readers == "fixed" or r == 1
    notes: list[str] = []
    if r == 1:
        notes.append(
            "single reader: reader variability cannot be estimated, so the reader is fixed and only cases are "
            "random (SE from the case covariance, z-based CIs and tests)"
        )
    tests = tuple(_single_test(aucs[i], cov, i, r, a, tids[i], covariance, fixed) for i in range(t))
    comparisons: list[MrmcComparison] = []
    reader_comparisons: list[MrmcComparison] = []
    global_test = None
    if t > 1:
        assert ms_t is not None
        cov2_3 = max((comp["cov2"] or 0.0) - (comp["cov3"] or 0.0), 0.0)
        if fixed:
            den = comp["var"] - (comp["cov1"] or 0.0) + (r - 1) * cov2_3  # type: ignore[operator]
            ddf = math.inf
            kind = "fixed readers, random cases (FRRC); z / chi-square"
        else:
            assert ms_tr is not None
            den = ms_tr + r * cov2_3
            ddf = den**2 / (ms_tr**2 / ((t - 1) * (r - 1))) if ms_tr > 0 else math.inf
            kind = "OR/Hillis RRRC; t(ddf_H)"
        if den > 0:
            f = ms_t / den
            global_test = (f, float(t - 1), ddf, f_sf(f, t - 1, ddf))
        elif ms_t > 0:
            global_test = (math.inf, float(t - 1), ddf, 0.0)
            notes.append("the OR error term is 0 (no reader or case variability): the test is degenerate")
        else:
            notes.append("no variability between tests, readers or cases: the test of equal AUCs is undefined")
        se_d = math.sqrt(2.0 * max(den, 0.0) / r)
        for i1, i2 in combinations(range(t), 2):
            method = f"AUC difference {tids[i1]} - {tids[i2]}, {kind}; {covariance} covariance"
            comparisons.append(
                diff_comparison(
                    theta_i[i1] - theta_i[i2], se_d, None if fixed else ddf, a, tids[i1], tids[i2], m + n, method
                )
            )
        if fixed and r > 1:
            var_j, cov1_j = reader_components(cov, t, r)
            for j in range(r):
                se_j = math.sqrt(max(2.0 * (var_j[j] - cov1_j[j]), 0.0))
                for i1, i2 in combinations(range(t), 2):
                    method = (
                        f"reader {rids[j]}: AUC difference {tids[i1]} - {tids[i2]}, fixed reader; "
                        f"{covariance} covariance; z"
                    )
                    reader_comparisons.append(
                        diff_comparison(
                            aucs[i1, j] - aucs[i2, j], se_j, None, a, tids[i1], tids[i2], m + n, method, reader=rids[j]
                        )
                    )
    return MrmcResult(
        tests=tests,
        comparison=comparisons[0] if t == 2 else None,
        comparisons=tuple(comparisons),
        global_test=global_test,
        var=comp["var"],  # type: ignore[arg-type]
        cov1=comp["cov1"],
        cov2=comp["cov2"],
        cov3=comp["cov3"],
        ms_t=ms_t,
        ms_tr=ms_tr,
        ms_r=ms_r,
        n_readers=r,
        n_real=m,
        n_synthetic=n,
        covariance=covariance,
        alpha=a,
        reader_ids=rids,
        note="; ".join(notes),
        readers="fixed" if fixed else "random",
        reader_comparisons=tuple(reader_comparisons),
    )


def _single_test(
    aucs_i: np.ndarray, cov: np.ndarray, i: int, r: int, alpha: float, tid: str, covariance: str, fixed: bool
) -> MrmcTestResult:
    block = cov[i * r : (i + 1) * r, i * r : (i + 1) * r]
    var_i = float(np.diag(block).mean())
    est = float(aucs_i.mean())
    off = ~np.eye(r, dtype=bool)
    cov2_i = float(block[off].mean()) if r > 1 else None
    ms_r_i = float(np.sum((aucs_i - est) ** 2) / (r - 1)) if r > 1 else None
    reader_aucs = tuple(float(x) for x in aucs_i)
    if fixed:
        se = math.sqrt(max((var_i + (r - 1) * max(cov2_i or 0.0, 0.0)) / r, 0.0))
        z = float(stats.norm.ppf(1 - alpha / 2))
        if r == 1:
            method = f"AUC, single reader (fixed reader, random cases); {covariance} SE; z CI; z test of AUC = 0.5"
            note = "single reader: no reader variance; CI reflects case sampling only"
        else:
            method = (
                f"reader-averaged AUC, fixed readers random cases (FRRC); {covariance} covariance; z CI; "
                "z test of AUC = 0.5"
            )
            note = "fixed readers: the CI applies to these readers only"
        stat, pv = _vs_half(est, se, None)
        e = Estimate(est, se, max(0.0, est - z * se), min(1.0, est + z * se), r, method, stat, pv, note=note)
        return MrmcTestResult(tid, e, reader_aucs, ms_r_i, var_i, cov2_i)
    assert ms_r_i is not None and cov2_i is not None
    v = ms_r_i + r * max(cov2_i, 0.0)
    se = math.sqrt(v / r)
    method = f"reader-averaged AUC, OR single-test RRRC (Hillis 2007); {covariance} covariance; t CI with Hillis df"
    if ms_r_i > 0:
        df = v**2 / (ms_r_i**2 / (r - 1))
        q = float(stats.t.ppf(1 - alpha / 2, df))
        stat, pv = _vs_half(est, se, df)
        e = Estimate(est, se, max(0.0, est - q * se), min(1.0, est + q * se), r, method, stat, pv, df)
    elif se > 0:
        q = float(stats.norm.ppf(1 - alpha / 2))
        e = Estimate(
            est,
            se,
            max(0.0, est - q * se),
            min(1.0, est + q * se),
            r,
            method,
            note="all readers have the same AUC (MS(R) = 0): df infinite, z CI",
        )
    else:
        e = Estimate(est, 0.0, est, est, r, method, note="no reader or case variability: SE is 0")
    return MrmcTestResult(tid, e, reader_aucs, ms_r_i, var_i, cov2_i)


def _vs_half(est: float, se: float, df: float | None) -> tuple[float | None, float | None]:
    """Two-sided test of AUC = 0.5 (readers cannot tell real from synthetic): t(df), or z when df is None."""
    if se <= 0:
        return None, None
    stat = (est - 0.5) / se
    p = stats.norm.sf(abs(stat)) if df is None else stats.t.sf(abs(stat), df)
    return stat, float(2.0 * p)
