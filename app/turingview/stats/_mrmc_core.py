"""Case-sampling covariance of reader AUCs and OR variance components (internal; see ``mrmc``)."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from turingview.stats.results import Estimate, MrmcComparison
from turingview.stats.roc import placements


def auc_covariance(scores: np.ndarray, real: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
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


def cov_components(cov: np.ndarray, t: int, r: int) -> dict[str, float | None]:
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


def reader_components(cov: np.ndarray, t: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    """Per reader j: Var_j (mean over tests of the AUC variance) and Cov1_j (mean covariance between tests)."""
    var_j = np.empty(r)
    cov1_j = np.full(r, np.nan)
    for j in range(r):
        idx = np.arange(t) * r + j
        block = cov[np.ix_(idx, idx)]
        var_j[j] = np.diag(block).mean()
        if t > 1:
            cov1_j[j] = block[~np.eye(t, dtype=bool)].mean()
    return var_j, cov1_j


def f_sf(f: float, df1: float, df2: float) -> float:
    """P(F(df1, df2) > f), with df2 = inf meaning chi2(df1) / df1."""
    if math.isinf(f):
        return 0.0
    if math.isinf(df2):
        return float(stats.chi2.sf(f * df1, df1))
    return float(stats.f.sf(f, df1, df2))


def diff_comparison(
    d: float,
    se: float,
    ddf: float | None,
    alpha: float,
    ta: str,
    tb: str,
    n: int,
    method: str,
    reader: str | None = None,
) -> MrmcComparison:
    """A test-difference comparison with a t(ddf) (or z when ddf is None/inf) CI and test."""
    if se <= 0:
        e = Estimate(d, 0.0, d, d, n, method, note="SE of the difference is 0: no test possible")
        return MrmcComparison(ta, tb, e, math.nan, 1.0, ddf if ddf is not None else math.inf, math.nan, reader)
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
    return MrmcComparison(ta, tb, e, stat**2, 1.0, ddf if ddf is not None else math.inf, p, reader)
