"""Krippendorff's alpha by the coincidence-matrix method (internal; public API in ``agreement``).

Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for Communication,
University of Pennsylvania, Departmental Papers 43. With m_u pairable values in unit u (m_u >= 2) and
n_uc of them equal to c, the coincidences are

    o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1),   n_c = sum_k o_ck,   n = sum_c n_c

and  alpha = 1 - (n - 1) sum_ck o_ck delta2_ck / sum_ck n_c n_k delta2_ck  with the metric differences
nominal [c != k]; ordinal (sum_{g=c..k} n_g - (n_c + n_k)/2)^2; interval (c - k)^2;
ratio ((c - k)/(c + k))^2.
"""

from __future__ import annotations

import numpy as np

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array, category_list, check_alpha, check_choice
from turingview.stats.results import Estimate

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _delta2(values: np.ndarray, n_c: np.ndarray, level: str) -> np.ndarray:
    c = values[:, None]
    k = values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            d = np.where((c + k) == 0, 0.0, (c - k) / (c + k))
        return d**2
    cum = np.concatenate([[0.0], np.cumsum(n_c)])
    i = np.arange(values.size)
    lo = np.minimum(i[:, None], i[None, :])
    hi = np.maximum(i[:, None], i[None, :])
    s = cum[hi + 1] - cum[lo]
    return (s - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2


def _alpha_from_units(per_unit: np.ndarray, weights: np.ndarray, values: np.ndarray, level: str) -> np.ndarray:
    """Alpha for each row of ``weights`` (bootstrap unit multiplicities) from per-unit coincidences."""
    v = values.size
    o = (weights @ per_unit.reshape(per_unit.shape[0], -1)).reshape(-1, v, v)
    n_c = o.sum(axis=2)
    n = n_c.sum(axis=1)
    out = np.full(o.shape[0], np.nan)
    fixed_d2 = None if level == "ordinal" else _delta2(values, n_c[0], level)
    for b in range(o.shape[0]):
        d2 = fixed_d2 if fixed_d2 is not None else _delta2(values, n_c[b], level)
        d_e = float(n_c[b] @ d2 @ n_c[b])
        if d_e > 0:
            out[b] = 1.0 - (n[b] - 1.0) * float(np.sum(o[b] * d2)) / d_e
    return out


def krippendorff_alpha(
    data: object,
    *,
    level: str = "nominal",
    categories: object = None,
    n_bootstrap: int = 0,
    alpha: float = 0.05,
    seed: int | None = 0,
) -> Estimate:
    """Krippendorff's alpha for any number of observers, with missing values.

    Parameters
    ----------
    data
        Observers x units array (rows = raters/coders, columns = units/cases); ``nan`` = missing.
    level
        Metric: ``"nominal"``, ``"ordinal"``, ``"interval"`` or ``"ratio"``.
    categories
        Optional declared values; every observed value must be one of them (for ``"ordinal"`` the ordering
        is that of the values, and unused declared values do not change alpha).
    n_bootstrap
        Number of bootstrap resamples of the units (cases) for a percentile CI and a bootstrap SE; 0 (the
        default) computes no interval. Units are the sampling unit, as for the other agreement statistics.
    alpha
        1 - confidence level of the bootstrap interval (not the coefficient!).
    seed
        Seed of the bootstrap (fixed by default so that reports are reproducible).

    Returns
    -------
    Estimate
        ``estimate`` = alpha, ``n`` = number of pairable values (the n of the coincidence matrix). ``se`` and
        the CI are ``None`` unless ``n_bootstrap > 0``.

    Examples
    --------
    >>> d = [[1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
    ...      [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
    ...      [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
    ...      [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan]]
    >>> round(krippendorff_alpha(d, level="nominal").estimate, 3)  # Krippendorff (2011), section C
    0.743
    """
    check_choice("level", level, LEVELS)
    a = check_alpha(alpha)
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int | np.integer) or n_bootstrap < 0:
        raise InvalidInputError(f"n_bootstrap={n_bootstrap!r} must be a whole number >= 0")
    method = f"Krippendorff's alpha ({level}), coincidence matrix (Krippendorff 2011)"
    if n_bootstrap:
        method += f"; unit bootstrap ({n_bootstrap} resamples) SE and percentile CI"
    arr = as_float_array("data", data, ndim=2, allow_nan=True)
    if categories is not None:
        cats = as_float_array("categories", list(categories), ndim=1)  # type: ignore[call-overload]
        obs = np.unique(arr[~np.isnan(arr)])
        bad = obs[~np.isin(obs, cats)]
        if bad.size:
            raise InvalidInputError(
                f"data contains the value {category_list(bad[:1])[0]!r}, which is not one of the categories "
                f"{category_list(np.sort(cats))}"
            )
        values = np.unique(cats)
    else:
        values = np.unique(arr[~np.isnan(arr)])
    if level == "ratio" and values.size and values.min() < 0:
        raise InvalidInputError(f"level='ratio' needs non-negative values; found {category_list(values[:1])[0]}")
    units = arr.T  # units x observers
    if values.size == 0:
        return Estimate.undefined(n=0, method=method, note="no ratings at all")
    idx = np.searchsorted(values, units)
    present = ~np.isnan(units)
    counts = np.zeros((units.shape[0], values.size))
    rows = np.nonzero(present)[0]
    np.add.at(counts, (rows, idx[present]), 1.0)
    m_u = counts.sum(axis=1)
    pairable = m_u >= 2
    counts = counts[pairable]
    m_u = m_u[pairable]
    if counts.shape[0] == 0:
        return Estimate.undefined(n=0, method=method, note="no unit has two or more values (nothing is pairable)")
    per_unit = np.einsum("uc,uk,u->uck", counts, counts, 1.0 / (m_u - 1.0))
    idx_v = np.arange(values.size)
    per_unit[:, idx_v, idx_v] -= counts / (m_u - 1.0)[:, None]
    o = per_unit.sum(axis=0)
    n_c = o.sum(axis=1)
    n = float(n_c.sum())
    d2 = _delta2(values, n_c, level)
    d_o = float(np.sum(o * d2))
    d_e = float(np.sum(np.outer(n_c, n_c) * d2))
    if d_e <= 0:
        used = values[n_c > 0]
        note = (
            f"no variation: every pairable value is {category_list(used)[0]}, so alpha is undefined (0/0)"
            if used.size == 1
            else "expected disagreement is 0, so alpha is undefined"
        )
        return Estimate.undefined(n=round(n), method=method, note=note)
    coef = 1.0 - (n - 1.0) * d_o / d_e
    if not n_bootstrap:
        return Estimate(coef, None, None, None, round(n), method)
    rng = np.random.default_rng(seed)
    u = per_unit.shape[0]
    reps = []
    for start in range(0, n_bootstrap, 500):  # bounded memory: 500 resamples x units at a time
        size = min(500, n_bootstrap - start)
        weights = rng.multinomial(u, np.full(u, 1.0 / u), size=size).astype(float)
        reps.append(_alpha_from_units(per_unit, weights, values, level))
    boot = np.concatenate(reps)
    ok = boot[np.isfinite(boot)]
    note = ""
    if ok.size < boot.size:
        note = f"{boot.size - ok.size} of {boot.size} bootstrap resamples had no variation and were skipped"
    if ok.size < 2:
        return Estimate(coef, None, None, None, round(n), method, note=note or "bootstrap failed")
    lo, hi = np.quantile(ok, [a / 2.0, 1.0 - a / 2.0])
    return Estimate(coef, float(ok.std(ddof=1)), float(lo), float(hi), round(n), method, note=note)
