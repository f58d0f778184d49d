"""Multi-rater chance-corrected agreement: Fleiss' kappa and Gwet's AC1/AC2 (internal).

Both work on the subject x category count matrix r_ik (how many ratings subject i received in category k)
and follow Gwet (2014, Handbook of Inter-Rater Reliability, 4th ed., ch. 2-5) and his R package irrCAC
(``fleiss.kappa.raw``, ``gwet.ac1.raw``), which handle a varying number of ratings per subject:

    r*_ik = sum_l w_kl r_il,   r_i = sum_k r_ik
    p_a   = mean over subjects with r_i >= 2 of  sum_k r_ik (r*_ik - 1) / (r_i (r_i - 1))
    pi_k  = mean over all subjects of r_ik / r_i
    Fleiss:  p_e = sum_kl w_kl pi_k pi_l
    Gwet:    p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k),   T_w = sum_kl w_kl
    coefficient = (p_a - p_e) / (1 - p_e)

Variance (subjects sampled from an infinite population), with n subjects and n2 of them with >= 2 ratings::

    c_i  = (n / n2) (p_a|i - p_e [r_i >= 2]) / (1 - p_e)
    c*_i = c_i - 2 (1 - coefficient) (p_e|i - p_e) / (1 - p_e)
    var  = sum_i (c*_i - coefficient)^2 / (n (n - 1))

where p_e|i is sum_k r_ik pibar_k / r_i with pibar = (W pi + W' pi) / 2 for Fleiss and
T_w / (q (q - 1)) * sum_k r_ik (1 - pi_k) / r_i for Gwet. The CI is coefficient +/- t(n-1) SE (irrCAC).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import category_list
from turingview.stats.results import Estimate

_EPS = 1e-12


def counts_from_codes(codes: np.ndarray, k: int) -> np.ndarray:
    """Subject x category counts from a subjects x raters code matrix (-1 = missing)."""
    n = codes.shape[0]
    out = np.zeros((n, k), dtype=float)
    rows = np.repeat(np.arange(n), codes.shape[1])
    flat = codes.ravel()
    keep = flat >= 0
    np.add.at(out, (rows[keep], flat[keep]), 1.0)
    return out


def check_counts(counts: object) -> np.ndarray:
    """Validate a subject x category count matrix."""
    try:
        c = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise InvalidInputError("counts must be a numeric subjects x categories matrix") from None
    if c.ndim != 2 or c.shape[1] < 2:
        raise InvalidInputError(f"counts must be a subjects x categories matrix with >= 2 categories; got {c.shape}")
    if not np.all(np.isfinite(c)) or c.min(initial=0) < 0 or not np.allclose(c, np.round(c)):
        bad = np.argwhere(~np.isfinite(c) | (c < 0) | ~np.isclose(c, np.round(c)))[0]
        raise InvalidInputError(f"counts[{bad[0]}, {bad[1]}]={c[tuple(bad)]!r} is not a non-negative whole number")
    return np.round(c)


def chance_corrected(
    counts: np.ndarray,
    w: np.ndarray,
    *,
    kind: str,
    alpha: float,
    method: str,
    categories: np.ndarray,
) -> tuple[Estimate, dict[str, float]]:
    """Fleiss' kappa (``kind='fleiss'``) or Gwet's AC (``kind='gwet'``) with Gwet's variance."""
    ri_all = counts.sum(axis=1)
    c = counts[ri_all > 0]
    ri = ri_all[ri_all > 0]
    n = int(c.shape[0])
    q = c.shape[1]
    extra: dict[str, float] = {}
    dropped = int((ri_all == 0).sum())
    drop_note = f"{dropped} subject(s) without any rating ignored" if dropped else ""
    mask2 = ri >= 2
    n2 = int(mask2.sum())
    if n2 == 0:
        return Estimate.undefined(n=n, method=method, note="no subject has two or more ratings"), extra
    cw = c @ w.T
    sum_q = (c * (cw - 1.0)).sum(axis=1)
    den = ri * (ri - 1.0)
    pa_i = np.where(mask2, sum_q / np.where(mask2, den, 1.0), 0.0)
    pa = float(pa_i[mask2].mean())
    pi = (c / ri[:, None]).mean(axis=0)
    pe = float(pi @ w @ pi) if kind == "fleiss" else float(w.sum() / (q * (q - 1)) * np.sum(pi * (1.0 - pi)))
    extra = {"pa": pa, "pe": pe}
    if 1.0 - pe < _EPS:
        used = np.flatnonzero(pi > 0)
        if used.size == 1:
            cat = category_list(categories[used])[0]
            note = f"no variation: every rating is in category {cat}, so the coefficient is undefined (0/0)"
        else:
            note = "chance agreement is 1, so the coefficient is undefined (0/0)"
        return Estimate.undefined(n=n, method=method, note=note), extra
    coef = (pa - pe) / (1.0 - pe)
    if kind == "fleiss":
        pibar = (w @ pi + w.T @ pi) / 2.0
        pe_i = (c @ pibar) / ri
    else:
        pe_i = w.sum() / (q * (q - 1)) * (c @ (1.0 - pi)) / ri
    c_i = (n / n2) * (pa_i - pe * mask2) / (1.0 - pe)
    c_x = c_i - 2.0 * (1.0 - coef) * (pe_i - pe) / (1.0 - pe)
    if n < 2:
        note = "; ".join(x for x in (drop_note, "one subject: no standard error") if x)
        return Estimate(coef, None, None, None, n, method, note=note), extra
    var = float(np.sum((c_x - coef) ** 2) / (n * (n - 1.0)))
    se = float(np.sqrt(max(var, 0.0)))
    tq = stats.t.ppf(1.0 - alpha / 2.0, n - 1)
    lo, hi = max(-1.0, coef - tq * se), min(1.0, coef + tq * se)
    stat = p = None
    if se > 0:
        stat = coef / se
        p = float(2.0 * stats.t.sf(abs(stat), n - 1))
    return Estimate(coef, se, lo, hi, n, method, statistic=stat, p_value=p, df=float(n - 1), note=drop_note), extra


def fleiss_null_se(counts: np.ndarray) -> float | None:
    """Fleiss, Nee & Landis (1979) SE of Fleiss' kappa under H0: kappa = 0 (same m ratings per subject).

    var_0 = 2 / (N m (m - 1)) * [(sum p_j q_j)^2 - sum p_j q_j (q_j - p_j)] / (sum p_j q_j)^2
    """
    ri = counts.sum(axis=1)
    ri = ri[ri > 0]
    if ri.size == 0 or not np.all(ri == ri[0]) or ri[0] < 2:
        return None
    m = float(ri[0])
    nsub = ri.size
    pj = counts.sum(axis=0) / (nsub * m)
    qj = 1.0 - pj
    s = float(np.sum(pj * qj))
    if s <= 0:
        return None
    var0 = 2.0 / (nsub * m * (m - 1.0)) * (s**2 - float(np.sum(pj * qj * (qj - pj)))) / s**2
    return float(np.sqrt(max(var0, 0.0)))
