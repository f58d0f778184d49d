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

With one reader, readers cannot be random: the analysis falls back to fixed-reader random-case
inference (SE from the case covariance only, z-based) and says so in ``note``.

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
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array, check_alpha, check_choice, truth_mask
from turingview.stats.results import Estimate, MrmcComparison, MrmcResult, MrmcTestResult
from turingview.stats.roc import placements

__all__ = ["COVARIANCE_METHODS", "or_mrmc"]

COVARIANCE_METHODS = ("jackknife", "delong")


def _auc_covariance(scores: np.ndarray, real: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """AUCs (t, r) and their case-sampling covariance over the flattened (test, reader) index."""
    t, r, _ = scores.shape
    m, n = int(real.sum()), int((~real).sum())
    aucs = np.empty((t, r))
    v10 = np.empty((t * r, m))
    v01 = np.empty((t * r, n))
    for i in range(t):
        for j in range(r):
            auc, a10, a01 = placements(scores[i, j, real], scores[i, j, ~real])
            aucs[i, j] = auc
            v10[i * r + j] = a10
            v01[i * r + j] = a01
    flat = aucs.ravel()
    if method == "delong":
        cov = np.atleast_2d(np.cov(v10)) / m + np.atleast_2d(np.cov(v01)) / n
        return aucs, cov
    # leave-one-case-out AUCs from the placement values (exact for the empirical AUC)
    loo_real = (m * flat[:, None] - v10) / (m - 1)
    loo_syn = (n * flat[:, None] - v01) / (n - 1)
    loo = np.concatenate([loo_real, loo_syn], axis=1)  # (t r, c)
    c = m + n
    dev = loo - loo.mean(axis=1, keepdims=True)
    cov = (c - 1.0) / c * (dev @ dev.T)
    return aucs, cov


def _cov_components(cov: np.ndarray, t: int, r: int) -> dict[str, float | None]:
    test_idx = np.repeat(np.arange(t), r)
    rdr_idx = np.tile(np.arange(r), t)
    same_t = test_idx[:, None] == test_idx[None, :]
    same_r = rdr_idx[:, None] == rdr_idx[None, :]

    def mean(mask: np.ndarray) -> float | None:
        return float(cov[mask].mean()) if mask.any() else None

    return {
        "var": float(np.diag(cov).mean()),
        "cov1": mean(~same_t & same_r),
        "cov2": mean(same_t & ~same_r),
        "cov3": mean(~same_t & ~same_r),
    }


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
    alpha: float = 0.05,
    test_ids: Sequence[Any] | None = None,
    reader_ids: Sequence[Any] | None = None,
) -> MrmcResult:
    """Obuchowski-Rockette / Hillis MRMC analysis of empirical AUCs, readers and cases random.

    Parameters
    ----------
    scores
        Array ``[test, reader, case]`` of scores (higher = more real); a 2-D ``[reader, case]`` array is one
        test. Fully crossed: no missing values.
    truth
        ``"real"``/``"synthetic"`` per case (real is the positive class).
    covariance
        ``"jackknife"`` (default; as OR-DBM MRMC, RJafroc and MRMCaov default) or ``"delong"``.
    alpha
        1 - confidence level.
    test_ids, reader_ids
        Labels (default "1", "2", ...).

    Returns
    -------
    MrmcResult
        Per test: reader-averaged AUC with single-test SE, CI and Hillis df. With two or more tests: the
        F test of equal AUCs (``global_test``) and the pairwise differences (``comparisons``; for exactly
        two tests also ``comparison`` = test 1 - test 2) with t(ddf_H) CIs.

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
    aucs, cov = _auc_covariance(arr, real, covariance)
    comp = _cov_components(cov, t, r)
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
    note = ""
    if r == 1:
        note = (
            "single reader: reader variability cannot be estimated, so readers are fixed and only cases are "
            "random (SE from the case covariance, z-based CIs and tests)"
        )
    tests = tuple(_single_test(aucs[i], cov, i, r, a, tids[i], covariance) for i in range(t))
    comparisons: list[MrmcComparison] = []
    global_test = None
    if t > 1:
        if r > 1:
            assert ms_tr is not None and ms_t is not None
            den = ms_tr + r * max((comp["cov2"] or 0.0) - (comp["cov3"] or 0.0), 0.0)
            ddf = den**2 / (ms_tr**2 / ((t - 1) * (r - 1))) if ms_tr > 0 else math.inf
            if den > 0:
                f = ms_t / den
                global_test = (f, float(t - 1), ddf, _f_sf(f, t - 1, ddf))
            elif ms_t > 0:
                global_test = (math.inf, float(t - 1), ddf, 0.0)
                note = "the OR error term is 0 (no reader or case variability): the F test is degenerate"
            else:
                note = "no variability between tests, readers or cases: the F test is undefined"
            for i1, i2 in combinations(range(t), 2):
                comparisons.append(
                    _diff(
                        theta_i[i1] - theta_i[i2],
                        math.sqrt(2.0 * den / r),
                        ddf,
                        a,
                        tids[i1],
                        tids[i2],
                        m + n,
                        covariance,
                    )
                )
        else:
            for i1, i2 in combinations(range(t), 2):
                var = cov[i1, i1] + cov[i2, i2] - 2.0 * cov[i1, i2]
                comparisons.append(
                    _diff(
                        theta_i[i1] - theta_i[i2],
                        math.sqrt(max(var, 0.0)),
                        None,
                        a,
                        tids[i1],
                        tids[i2],
                        m + n,
                        covariance,
                    )
                )
            d0 = comparisons[0]
            if t == 2 and d0.difference.statistic is not None:
                global_test = (d0.f_statistic, 1.0, math.inf, d0.p_value)
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
        note=note,
    )


def _f_sf(f: float, df1: float, df2: float) -> float:
    if math.isinf(f):
        return 0.0
    if math.isinf(df2):
        return float(stats.chi2.sf(f * df1, df1))
    return float(stats.f.sf(f, df1, df2))


def _single_test(
    aucs_i: np.ndarray, cov: np.ndarray, i: int, r: int, alpha: float, tid: str, covariance: str
) -> MrmcTestResult:
    block = cov[i * r : (i + 1) * r, i * r : (i + 1) * r]
    var_i = float(np.diag(block).mean())
    est = float(aucs_i.mean())
    if r == 1:
        se = math.sqrt(max(var_i, 0.0))
        z = stats.norm.ppf(1 - alpha / 2)
        method = f"AUC, single reader (fixed reader, random cases); {covariance} SE; z CI"
        e = Estimate(
            est,
            se,
            max(0.0, est - z * se),
            min(1.0, est + z * se),
            1,
            method,
            note="single reader: no reader variance; CI reflects case sampling only",
        )
        return MrmcTestResult(tid, e, (est,), None, var_i, None)
    off = ~np.eye(r, dtype=bool)
    cov2_i = float(block[off].mean())
    ms_r_i = float(np.sum((aucs_i - est) ** 2) / (r - 1))
    v = ms_r_i + r * max(cov2_i, 0.0)
    se = math.sqrt(v / r)
    method = f"reader-averaged AUC, OR single-test RRRC (Hillis 2007); {covariance} covariance; t CI with Hillis df"
    if ms_r_i > 0:
        df = v**2 / (ms_r_i**2 / (r - 1))
        q = float(stats.t.ppf(1 - alpha / 2, df))
        e = Estimate(est, se, max(0.0, est - q * se), min(1.0, est + q * se), r, method, df=df)
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
    return MrmcTestResult(tid, e, tuple(float(x) for x in aucs_i), ms_r_i, var_i, cov2_i)


def _diff(
    d: float, se: float, ddf: float | None, alpha: float, ta: str, tb: str, n: int, covariance: str
) -> MrmcComparison:
    if ddf is None:
        method = f"AUC difference {ta} - {tb}, single reader (fixed reader, random cases); {covariance}; z test"
    else:
        method = f"AUC difference {ta} - {tb}, OR/Hillis RRRC; {covariance} covariance; t(ddf_H)"
    if se <= 0:
        e = Estimate(d, 0.0, d, d, n, method, note="SE of the difference is 0: no test possible")
        return MrmcComparison(ta, tb, e, math.nan, 1.0, ddf if ddf is not None else math.inf, math.nan)
    stat = d / se
    if ddf is None or math.isinf(ddf):
        q = float(stats.norm.ppf(1 - alpha / 2))
        p = float(2 * stats.norm.sf(abs(stat)))
        df_out = None
    else:
        q = float(stats.t.ppf(1 - alpha / 2, ddf))
        p = float(2 * stats.t.sf(abs(stat), ddf))
        df_out = ddf
    e = Estimate(d, se, d - q * se, d + q * se, n, method, statistic=stat, p_value=p, df=df_out)
    return MrmcComparison(ta, tb, e, stat**2, 1.0, ddf if ddf is not None else math.inf, p)
