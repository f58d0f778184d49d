"""Inter- and intra-reader agreement: Cohen's, Fleiss' and weighted kappa, Gwet's AC1/AC2, Krippendorff's alpha.

Ratings are ordinal scores on a declared scale (``categories``, e.g. ``range(1, 6)``); weights for weighted
coefficients are always built over the declared scale, not only over the categories that happen to be used.
Missing ratings are ``nan``.

References
----------
Cohen, J. (1960). A coefficient of agreement for nominal scales. Educ. Psychol. Meas. 20, 37-46.
Cohen, J. (1968). Weighted kappa. Psychol. Bull. 70, 213-220.
Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and weighted kappa.
Psychol. Bull. 72, 323-327.
Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychol. Bull. 76, 378-382.
Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa in the case of different
sets of raters. Psychol. Bull. 86, 974-977.
Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of high agreement.
Br. J. Math. Stat. Psychol. 61, 29-48; Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed.
Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats._cohen import kappa_estimates
from turingview.stats._krippendorff import LEVELS, krippendorff_alpha
from turingview.stats._multirater import chance_corrected, check_counts, counts_from_codes, fleiss_null_se
from turingview.stats._validate import as_float_array, check_alpha, check_categories, codes_for
from turingview.stats._weights import WEIGHT_SCHEMES, weight_matrix
from turingview.stats.results import Estimate, FleissCategory, PairKappa

__all__ = [
    "LEVELS",
    "WEIGHT_SCHEMES",
    "cohen_kappa",
    "cohen_kappa_from_table",
    "fleiss_category_kappas",
    "fleiss_category_kappas_from_counts",
    "fleiss_kappa",
    "fleiss_kappa_from_counts",
    "gwet_ac",
    "gwet_ac_from_counts",
    "intra_reader_kappa",
    "krippendorff_alpha",
    "pairwise_kappas",
]


def _cohen_method(label: str, wlabel: str) -> str:
    return f"{label} ({wlabel}); SE Fleiss, Cohen & Everitt (1969); Wald CI; z test with the null SE"


def cohen_kappa(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    *,
    categories: Sequence[int] | np.ndarray,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> Estimate:
    """Cohen's kappa (unweighted, linear or quadratic weighted) between two raters.

    .. math::
        \\kappa = \\frac{p_o - p_e}{1 - p_e}, \\quad p_o = \\sum_{ij} w_{ij} p_{ij}, \\quad
        p_e = \\sum_{ij} w_{ij} p_{i\\cdot} p_{\\cdot j}

    SE: the large-sample non-null variance of Fleiss, Cohen & Everitt (1969) for the Wald CI
    ``kappa +/- z SE`` (clipped to [-1, 1]); the null variance for the z test of kappa = 0
    (``statistic``, two-sided ``p_value``). These equal SAS PROC FREQ's ASE and "ASE under H0".

    Parameters
    ----------
    a, b
        Ratings of the same cases by the two raters; ``nan`` = missing. Pairs with a missing rating are
        dropped (``n`` = pairs used).
    categories
        The declared ordered scale, e.g. ``range(1, 6)``. Weights use positions on this scale.
    weights
        ``"none"`` (Cohen 1960), ``"linear"`` (1 - |i-j|/(k-1)), ``"quadratic"`` (1 - (i-j)^2/(k-1)^2),
        or a k x k matrix of agreement weights (diagonal 1).
    alpha
        1 - confidence level.

    Returns
    -------
    Estimate
        Undefined (NaN with a note) when no pair is complete or when every rating falls in one category
        (p_e = 1: kappa is 0/0; statsmodels and R irr also give NaN there).

    Examples
    --------
    >>> r = cohen_kappa([1, 2, 3, 3, 2], [1, 2, 3, 2, 2], categories=[1, 2, 3])
    >>> round(r.estimate, 4)
    0.6875
    """
    cats = check_categories(categories)
    check_alpha(alpha)
    w, wlabel = weight_matrix(weights, cats.size)
    x = as_float_array("a", a, ndim=1, allow_nan=True)
    y = as_float_array("b", b, ndim=1, allow_nan=True)
    if x.size != y.size:
        raise InvalidInputError(f"a and b must rate the same cases: {x.size} ratings versus {y.size}")
    ca = codes_for("a", x, cats)
    cb = codes_for("b", y, cats)
    keep = (ca >= 0) & (cb >= 0)
    k = cats.size
    table = np.bincount(ca[keep] * k + cb[keep], minlength=k * k).reshape(1, k, k)
    return kappa_estimates(table, w, cats, alpha=alpha, method=_cohen_method("Cohen's kappa", wlabel))[0]


def cohen_kappa_from_table(
    table: Sequence[Sequence[float]] | np.ndarray,
    *,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> Estimate:
    """Cohen's kappa from a k x k contingency table of counts (rows = rater A, columns = rater B).

    Same formulas and conventions as :func:`cohen_kappa`; the table's rows/columns are the declared scale.

    Examples
    --------
    >>> round(cohen_kappa_from_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]]).estimate, 4)  # SAS / statsmodels
    0.4842
    """
    check_alpha(alpha)
    t = np.asarray(table, dtype=float)
    if t.ndim != 2 or t.shape[0] != t.shape[1] or t.shape[0] < 2:
        raise InvalidInputError(f"table must be a square k x k matrix with k >= 2; got shape {t.shape}")
    if not np.all(np.isfinite(t)) or t.min() < 0:
        raise InvalidInputError("table must hold non-negative finite counts")
    w, wlabel = weight_matrix(weights, t.shape[0])
    cats = np.arange(1, t.shape[0] + 1, dtype=float)
    return kappa_estimates(t[None], w, cats, alpha=alpha, method=_cohen_method("Cohen's kappa", wlabel))[0]


def intra_reader_kappa(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    *,
    categories: Sequence[int] | np.ndarray,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> Estimate:
    """Intra-reader (test-retest) agreement: Cohen's kappa between a reader's first and repeated reads.

    Identical to :func:`cohen_kappa` with ``a = first``, ``b = second`` (same SE, CI and test); only the
    ``method`` text differs. Cases read only once are dropped (``n`` = cases read twice).
    """
    r = cohen_kappa(first, second, categories=categories, weights=weights, alpha=alpha)
    method = r.method.replace("Cohen's kappa", "Intra-reader Cohen's kappa (first vs repeated read)", 1)
    return Estimate(r.estimate, r.se, r.ci_low, r.ci_high, r.n, method, r.statistic, r.p_value, r.df, r.note)


def pairwise_kappas(
    ratings: Sequence[Sequence[float]] | np.ndarray,
    reader_ids: Sequence[Any],
    *,
    categories: Sequence[int] | np.ndarray,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> list[PairKappa]:
    """Cohen's kappa for every pair of readers, computed at once.

    All R(R-1)/2 confusion tables come from a single ``bincount`` over (pair, row category, column category)
    cell indices, and kappa, SEs and tests are computed for all pairs at once, so 20 readers x 1000 cases
    take milliseconds. Each pair uses the cases both readers rated.

    Parameters
    ----------
    ratings
        Cases x readers array of scores (column j = reader ``reader_ids[j]``); ``nan`` = not rated.
    reader_ids
        One id per column (converted to ``str`` in the result).
    categories, weights, alpha
        As in :func:`cohen_kappa`.

    Returns
    -------
    list of PairKappa
        In the order (0,1), (0,2), ..., (R-2,R-1). Empty when there are fewer than two readers.
    """
    cats = check_categories(categories)
    check_alpha(alpha)
    w, wlabel = weight_matrix(weights, cats.size)
    arr = as_float_array("ratings", ratings, ndim=2, allow_nan=True)
    ids = [str(r) for r in reader_ids]
    if len(ids) != arr.shape[1]:
        raise InvalidInputError(f"reader_ids has {len(ids)} entries but ratings has {arr.shape[1]} reader columns")
    if len(set(ids)) != len(ids):
        raise InvalidInputError(f"reader_ids contains duplicates: {ids}")
    n_readers = arr.shape[1]
    if n_readers < 2:
        return []
    k = cats.size
    codes = codes_for("ratings", arr, cats)
    ia, ib = np.triu_indices(n_readers, 1)
    ca, cb = codes[:, ia], codes[:, ib]  # (cases, pairs)
    valid = (ca >= 0) & (cb >= 0)
    cell = np.arange(ia.size)[None, :] * (k * k) + ca * k + cb
    tables = np.bincount(cell[valid], minlength=ia.size * k * k).reshape(ia.size, k, k)
    ests = kappa_estimates(tables, w, cats, alpha=alpha, method=_cohen_method("Cohen's kappa", wlabel))
    return [PairKappa(ids[a], ids[b], e) for a, b, e in zip(ia.tolist(), ib.tolist(), ests, strict=True)]


def _ratings_counts(ratings: Any, categories: Any) -> tuple[np.ndarray, np.ndarray]:
    cats = check_categories(categories)
    arr = as_float_array("ratings", ratings, ndim=2, allow_nan=True)
    codes = codes_for("ratings", arr, cats)
    return counts_from_codes(codes, cats.size), cats


_FLEISS_METHOD = (
    "Fleiss' kappa (Fleiss 1971); SE and t(n-1) CI: Gwet (2014) subject-sampling variance; "
    "z test with the Fleiss, Nee & Landis (1979) null SE"
)


def _fleiss(counts: np.ndarray, cats: np.ndarray, alpha: float) -> Estimate:
    r, _ = chance_corrected(
        counts, np.eye(cats.size), kind="fleiss", alpha=alpha, method=_FLEISS_METHOD, categories=cats
    )
    if not r.defined:
        return r
    se0 = fleiss_null_se(counts)
    note = r.note
    if se0 is None or se0 == 0:
        stat = p = None
        note = "; ".join(x for x in (note, "z test needs the same number (>= 2) of ratings per subject") if x)
    else:
        stat = r.estimate / se0
        p = float(2.0 * stats.norm.sf(abs(stat)))
    return Estimate(r.estimate, r.se, r.ci_low, r.ci_high, r.n, r.method, stat, p, None, note)


def fleiss_kappa(
    ratings: Sequence[Sequence[float]] | np.ndarray,
    *,
    categories: Sequence[int] | np.ndarray,
    alpha: float = 0.05,
) -> Estimate:
    """Fleiss' (1971) kappa for many raters (raters interchangeable between subjects).

    .. math::
        \\bar P = \\frac{1}{N}\\sum_i \\frac{\\sum_j n_{ij}(n_{ij}-1)}{m(m-1)}, \\quad
        \\bar P_e = \\sum_j p_j^2, \\quad \\kappa = \\frac{\\bar P - \\bar P_e}{1 - \\bar P_e}

    With a varying number of ratings per subject the generalisation of Gwet (2014) / irrCAC
    ``fleiss.kappa.raw`` is used (subjects with a single rating count only in p_j). ``se``, ``ci_low``,
    ``ci_high`` use Gwet's subject-sampling variance and a t(n-1) quantile (as irrCAC); ``statistic`` and
    ``p_value`` are the z test of kappa = 0 with the Fleiss, Nee & Landis (1979) null SE (as R irr's
    ``kappam.fleiss``), available when every subject has the same number of ratings.

    Parameters
    ----------
    ratings
        Subjects x raters array; ``nan`` = missing.
    categories
        Declared nominal categories.

    Examples
    --------
    >>> r = fleiss_kappa([[1, 1, 2], [2, 2, 2], [1, 2, 3], [3, 3, 3]], categories=[1, 2, 3])
    >>> round(r.estimate, 4)
    0.3617
    """
    check_alpha(alpha)
    counts, cats = _ratings_counts(ratings, categories)
    return _fleiss(counts, cats, alpha)


def fleiss_kappa_from_counts(counts: Sequence[Sequence[float]] | np.ndarray, *, alpha: float = 0.05) -> Estimate:
    """Fleiss' kappa from a subjects x categories count matrix (cell = raters choosing that category).

    Same conventions as :func:`fleiss_kappa`.
    """
    check_alpha(alpha)
    c = check_counts(counts)
    return _fleiss(c, np.arange(1, c.shape[1] + 1, dtype=float), alpha)


def _category_kappas(counts: np.ndarray, cats: np.ndarray) -> tuple[FleissCategory, ...]:
    ri = counts.sum(axis=1)
    c = counts[ri > 0]
    ri = ri[ri > 0]
    method = "Fleiss (1971) category-wise kappa; z test with the null SE sqrt(2 / (N m (m - 1)))"
    out = []
    if c.shape[0] == 0 or not np.all(ri == ri[0]) or ri[0] < 2:
        note = "category-wise kappas need the same number (>= 2) of ratings per subject"
        for j, cat in enumerate(cats):
            pj = float(c[:, j].sum() / c.sum()) if c.size and c.sum() > 0 else float("nan")
            out.append(FleissCategory(_cat(cat), pj, Estimate.undefined(n=int(c.shape[0]), method=method, note=note)))
        return tuple(out)
    m = float(ri[0])
    nsub = c.shape[0]
    se0 = float(np.sqrt(2.0 / (nsub * m * (m - 1.0))))
    for j, cat in enumerate(cats):
        pj = float(c[:, j].sum() / (nsub * m))
        if pj <= 0.0 or pj >= 1.0:
            why = "never used" if pj <= 0 else "the only category used"
            est = Estimate.undefined(n=nsub, method=method, note=f"category {_cat(cat)} is {why}: kappa undefined")
        else:
            kj = 1.0 - float(np.sum(c[:, j] * (m - c[:, j]))) / (nsub * m * (m - 1.0) * pj * (1.0 - pj))
            z = kj / se0
            est = Estimate(kj, None, None, None, nsub, method, statistic=z, p_value=float(2 * stats.norm.sf(abs(z))))
        out.append(FleissCategory(_cat(cat), pj, est))
    return tuple(out)


def _cat(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


def fleiss_category_kappas(
    ratings: Sequence[Sequence[float]] | np.ndarray, *, categories: Sequence[int] | np.ndarray
) -> tuple[FleissCategory, ...]:
    """Fleiss (1971) kappa for each category j against all others, with the z test of kappa_j = 0.

    .. math:: \\kappa_j = 1 - \\frac{\\sum_i n_{ij}(m - n_{ij})}{N m (m-1) p_j q_j}, \\quad
        SE_0 = \\sqrt{2 / (N m (m-1))}
    """
    counts, cats = _ratings_counts(ratings, categories)
    return _category_kappas(counts, cats)


def fleiss_category_kappas_from_counts(
    counts: Sequence[Sequence[float]] | np.ndarray, *, categories: Sequence[int] | None = None
) -> tuple[FleissCategory, ...]:
    """:func:`fleiss_category_kappas` from a subjects x categories count matrix (categories default 1..k)."""
    c = check_counts(counts)
    cats = np.arange(1, c.shape[1] + 1, dtype=float) if categories is None else check_categories(categories)
    if cats.size != c.shape[1]:
        raise InvalidInputError(f"{cats.size} categories given for a count matrix with {c.shape[1]} columns")
    return _category_kappas(c, cats)


def _gwet(counts: np.ndarray, cats: np.ndarray, weights: Any, alpha: float) -> Estimate:
    w, wlabel = weight_matrix(weights, cats.size)
    name = "Gwet's AC1" if wlabel == "unweighted" else f"Gwet's AC2 ({wlabel})"
    method = f"{name} (Gwet 2008/2014); subject-sampling variance; t(n-1) CI and test (irrCAC)"
    r, _ = chance_corrected(counts, w, kind="gwet", alpha=alpha, method=method, categories=cats)
    return r


def gwet_ac(
    ratings: Sequence[Sequence[float]] | np.ndarray,
    *,
    categories: Sequence[int] | np.ndarray,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> Estimate:
    """Gwet's AC1 (``weights="none"``) or AC2 (linear/quadratic/custom weights) for any number of raters.

    .. math::
        AC = \\frac{p_a - p_e}{1 - p_e}, \\quad
        p_e = \\frac{T_w}{q(q-1)} \\sum_k \\pi_k (1 - \\pi_k)

    with q the number of declared categories, T_w the sum of the weights, p_a the weighted agreement among
    subjects with two or more ratings and pi_k the mean per-subject share of category k (missing ratings
    as in irrCAC ``gwet.ac1.raw``). SE from Gwet's subject-sampling variance (infinite population),
    CI ``AC +/- t(n-1) SE`` (upper limit capped at 1) and a t test of AC = 0 with n - 1 df.

    Note: q is the declared scale, so an unused declared category changes p_e (irrCAC uses only the
    observed categories unless ``categ.labels`` is given).

    Parameters
    ----------
    ratings
        Subjects x raters array; ``nan`` = missing.
    """
    check_alpha(alpha)
    counts, cats = _ratings_counts(ratings, categories)
    return _gwet(counts, cats, weights, alpha)


def gwet_ac_from_counts(
    counts: Sequence[Sequence[float]] | np.ndarray,
    *,
    weights: str | np.ndarray = "none",
    alpha: float = 0.05,
) -> Estimate:
    """:func:`gwet_ac` from a subjects x categories count matrix (the columns are the declared scale)."""
    check_alpha(alpha)
    c = check_counts(counts)
    return _gwet(c, np.arange(1, c.shape[1] + 1, dtype=float), weights, alpha)
