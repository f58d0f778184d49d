"""Cohen's kappa for two raters, batched over many pairs (internal; public API in ``agreement``).

Formulas (Fleiss, Cohen & Everitt 1969), with p_ij the joint proportions of a k x k table, p_i. and p_.j its
margins and w_ij agreement weights (w_ii = 1)::

    p_o = sum w_ij p_ij,   p_e = sum w_ij p_i. p_.j,   kappa = (p_o - p_e) / (1 - p_e)
    wbar_i. = sum_j w_ij p_.j,   wbar_.j = sum_i w_ij p_i.
    var(kappa)   = [sum p_ij (w_ij - (wbar_i. + wbar_.j)(1 - kappa))^2 - (kappa - p_e (1 - kappa))^2] / (N (1 - p_e)^2)
    var_0(kappa) = [sum p_i. p_.j (w_ij - (wbar_i. + wbar_.j))^2 - p_e^2] / (N (1 - p_e)^2)
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from turingview.stats._validate import category_list
from turingview.stats.results import Estimate

_EPS = 1e-12


def kappa_batch(tables: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Kappa, non-null SE and null SE for a batch of k x k count tables (shape (B, k, k))."""
    t = np.asarray(tables, dtype=float)
    n = t.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t / n[:, None, None]
        pr = p.sum(axis=2)
        pc = p.sum(axis=1)
        po = np.einsum("bij,ij->b", p, w)
        pe = np.einsum("bi,ij,bj->b", pr, w, pc)
        kappa = (po - pe) / (1.0 - pe)
        wi = pc @ w.T  # wbar_i.
        wj = pr @ w  # wbar_.j
        s = wi[:, :, None] + wj[:, None, :]
        a = np.einsum("bij,bij->b", p, (w[None] - s * (1.0 - kappa)[:, None, None]) ** 2)
        var = (a - (kappa - pe * (1.0 - kappa)) ** 2) / (n * (1.0 - pe) ** 2)
        outer = pr[:, :, None] * pc[:, None, :]
        a0 = np.einsum("bij,bij->b", outer, (w[None] - s) ** 2)
        var0 = (a0 - pe**2) / (n * (1.0 - pe) ** 2)
        # One rater used a single category: then p_o = p_e, so kappa and both variances are exactly 0
        # (computed values carry rounding noise of order 1e-15 that would give a meaningless z test).
        single = (pr.max(axis=1, initial=0.0) >= 1.0 - 1e-12) | (pc.max(axis=1, initial=0.0) >= 1.0 - 1e-12)
        kappa = np.where(single, 0.0, kappa)
        var = np.where(single, 0.0, var)
        var0 = np.where(single, 0.0, var0)
    return {
        "n": n,
        "po": po,
        "pe": pe,
        "kappa": kappa,
        # variances below 1e-15 are rounding noise around an exact 0 (e.g. one rater using one category)
        "se": np.sqrt(np.where(var < 1e-15, 0.0, var)),
        "se0": np.sqrt(np.where(var0 < 1e-15, 0.0, var0)),
        "pr": pr,
        "pc": pc,
    }


def kappa_estimates(
    tables: np.ndarray, w: np.ndarray, categories: np.ndarray, *, alpha: float, method: str
) -> list[Estimate]:
    """Build one :class:`Estimate` per table from :func:`kappa_batch`, with the degenerate cases explained."""
    r = kappa_batch(tables, w)
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        zstat = r["kappa"] / r["se0"]
    pvals = 2.0 * special.ndtr(-np.abs(zstat))  # vectorised two-sided normal p-values
    out: list[Estimate] = []
    n_int = np.rint(r["n"]).astype(np.int64).tolist()
    for b in range(tables.shape[0]):
        n = n_int[b]
        if n == 0:
            out.append(Estimate.undefined(n=0, method=method, note="no case was rated by both raters"))
            continue
        pe = float(r["pe"][b])
        if 1.0 - pe < _EPS:
            used = np.flatnonzero((r["pr"][b] + r["pc"][b]) > 0)
            if used.size == 1:
                cat = category_list(categories[used])[0]
                note = f"no variation: every rating is in category {cat}, so kappa is undefined (0/0)"
            else:
                note = "chance agreement is 1 under these weights, so kappa is undefined (0/0)"
            out.append(Estimate.undefined(n=n, method=method, note=note))
            continue
        k = float(r["kappa"][b])
        se = float(r["se"][b])
        se0 = float(r["se0"][b])
        lo, hi = max(-1.0, k - z * se), min(1.0, k + z * se)
        notes = []
        if se0 > 0.0:
            stat: float | None = float(zstat[b])
            p: float | None = float(pvals[b])
        else:
            stat, p = None, None
            notes.append("the null SE is 0 (a rater used a single category), so there is no z test")
        if se == 0.0:
            notes.append("the asymptotic SE is 0, so the CI is degenerate")
        note = "; ".join(notes)
        out.append(Estimate(k, se, lo, hi, n, method, statistic=stat, p_value=p, df=None, note=note))
    return out
