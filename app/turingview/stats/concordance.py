"""Concordance of the domain classifier with the readers: do both find the same synthetic images?

Pure numpy/scipy. The export layer joins the realism check's per-image scores to the readers' ratings and
calls :func:`classifier_reader_concordance` with one value per synthetic image.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from turingview.core.errors import InvalidInputError
from turingview.stats._validate import as_float_array
from turingview.stats.results import jsonable

__all__ = ["ConcordanceResult", "classifier_reader_concordance"]

Scores = Mapping[str, float] | Sequence[float] | np.ndarray
_METHOD = ("Spearman rank correlation (scipy.stats.spearmanr, average ranks for ties; p: t approximation); "
           "95% CI: Fisher z with variance 1.06/(n-3) (Fieller, Hartley & Pearson 1957); "
           "top-k overlap against the hypergeometric null")


@dataclass(frozen=True)
class ConcordanceResult:
    """Agreement between the classifier's and the readers' view of which synthetic images give themselves away.

    Attributes
    ----------
    n
        Number of synthetic images with both a classifier score and reader ratings.
    rho, p_value, rho_ci
        Spearman's rho between ``p(synthetic)`` and the readers' mean realism score, its two-sided p-value
        and a 95% interval (``None`` for ``n < 4``). NaN (``None`` in :meth:`to_dict`) with a ``note`` when
        undefined. Negative when the classifier and the readers find the same images.
    top_k, overlap, expected_overlap, overlap_p
        ``k``; how many of the classifier's ``k`` most detectable images are among the readers' ``k``
        lowest-scored; the overlap expected by chance ``k^2/n``; ``P(X >= overlap)`` for
        ``X ~ Hypergeometric(n, k, k)``.
    classifier_top, reader_bottom, overlap_ids
        The two top-k id lists (most detectable / lowest scored first) and their intersection (in classifier
        order).
    flag_rate_top_k, flag_rate_rest
        Mean artefact-flag rate of the classifier's top-k images and of the other images (``None`` without
        flag rates or when a group is empty).
    flag_rho, flag_p_value
        Spearman's rho between ``p(synthetic)`` and the flag rate (positive when both find the same images).
    method, note
        Methods used; why something is undefined (empty when everything is defined).
    """

    n: int
    rho: float
    p_value: float
    rho_ci: tuple[float, float] | None
    top_k: int
    overlap: int
    expected_overlap: float
    overlap_p: float
    classifier_top: tuple[str, ...]
    reader_bottom: tuple[str, ...]
    overlap_ids: tuple[str, ...]
    flag_rate_top_k: float | None
    flag_rate_rest: float | None
    flag_rho: float | None
    flag_p_value: float | None
    method: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields (NaN -> ``None``; tuples -> lists)."""
        return {name: jsonable(getattr(self, name)) for name in self.__dataclass_fields__}


def _values(name: str, scores: Scores, ids: list[str] | None) -> tuple[list[str], np.ndarray]:
    allow_nan = name == "flag_rates"
    if isinstance(scores, Mapping):
        by_id = {str(k): v for k, v in scores.items()}
        if ids is not None:
            if set(by_id) != set(ids):
                missing = [i for i in ids if i not in by_id][:3]
                extra = sorted(set(by_id) - set(ids))[:3]
                raise InvalidInputError(f"{name} must have the same image ids as classifier_scores; "
                                        f"missing {missing}, extra {extra}")
            by_id = {i: by_id[i] for i in ids}
        return list(by_id), as_float_array(name, list(by_id.values()), ndim=1, allow_nan=allow_nan)
    arr = as_float_array(name, scores, ndim=1, allow_nan=allow_nan)
    keys = ids if ids is not None else [str(i) for i in range(arr.size)]
    if arr.size != len(keys):
        raise InvalidInputError(f"{name} has {arr.size} values but classifier_scores has {len(keys)}")
    return keys, arr


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float, str]:
    """Spearman's rho and p, or NaN with the reason (too few values, a constant variable)."""
    if x.size < 3:
        return math.nan, math.nan, f"{x.size} image(s): Spearman's rho needs at least 3"
    for arr, what in ((x, "classifier scores"), (y, "reader scores")):
        if np.ptp(arr) == 0:
            return math.nan, math.nan, f"all {what} are equal: Spearman's rho is undefined"
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.spearmanr(x, y)
    rho, p = float(res.statistic), float(res.pvalue)
    if not math.isfinite(rho):
        return math.nan, math.nan, "Spearman's rho is undefined for these scores"
    return rho, (p if math.isfinite(p) else 0.0), ""


def _fisher_ci(rho: float, n: int) -> tuple[float, float] | None:
    if not math.isfinite(rho) or n < 4:
        return None
    if abs(rho) >= 1.0:
        return (rho, rho)
    z, se = math.atanh(rho), math.sqrt(1.06 / (n - 3))
    return (math.tanh(z - 1.959963984540054 * se), math.tanh(z + 1.959963984540054 * se))


def classifier_reader_concordance(classifier_scores: Scores, reader_mean_scores: Scores, *,
                                  top_k: int | None = None,
                                  flag_rates: Scores | None = None) -> ConcordanceResult:
    r"""Do the synthetic images the classifier detects best match those the readers score least realistic?

    One value per synthetic image: the classifier's out-of-fold probability that the image is synthetic and
    the readers' mean score on the realism scale (1 = definitely synthetic, K = definitely real).

    **Sign convention**: a high ``p(synthetic)`` means "easy for the classifier", a low reader score means
    "the readers found it out", so ``rho < 0`` when classifier and readers find the same images, ``rho = 0``
    when their rankings are unrelated, and ``rho > 0`` when the classifier flags images the readers find
    realistic (it keys on cues humans do not see).

    Spearman's rho is Pearson's correlation of the ranks (Spearman 1904); without ties

    .. math:: \rho = 1 - \frac{6 \sum_i d_i^2}{n (n^2 - 1)},

    with :math:`d_i` the difference of image *i*'s two ranks (ties get average ranks). Its p-value is
    scipy's t approximation :math:`t = \rho \sqrt{(n-2)/(1-\rho^2)}` on ``n - 2`` degrees of freedom; the 95%
    interval is :math:`\tanh(\operatorname{atanh}\rho \pm 1.96 \sqrt{1.06/(n-3)})` (Fieller, Hartley & Pearson
    1957).

    Top-k overlap: ``k`` (default :math:`\lceil n/4 \rceil`) images with the highest ``p(synthetic)``
    against the ``k`` with the lowest mean reader score (ties broken by input order). By chance the overlap
    is hypergeometric with mean :math:`k^2/n`; ``overlap_p`` = :math:`P(X \ge \text{overlap})`.

    Parameters
    ----------
    classifier_scores
        ``p(synthetic)`` per image in [0, 1]: a mapping image id -> score, or a sequence (ids ``"0"``,
        ``"1"``, ...).
    reader_mean_scores
        The readers' mean score per image, with the same ids (mapping) or in the same order (sequence).
    top_k
        ``k`` for the overlap, 1..n (default ``ceil(n / 4)``).
    flag_rates
        Optional share of readers who ticked any artefact flag, per image in [0, 1] (NaN = not recorded).

    Returns
    -------
    ConcordanceResult
        NaN rho (``None`` in ``to_dict``) with a ``note`` for fewer than 3 images or constant scores.

    Raises
    ------
    InvalidInputError
        No images, ids that do not match, lengths that differ, scores outside [0, 1], a bad ``top_k``.

    References
    ----------
    Spearman C. The proof and measurement of association between two things. Am J Psychol 1904;15:72-101.
    Fieller EC, Hartley HO, Pearson ES. Tests for rank correlation coefficients. I. Biometrika 1957;44:470-81.

    Examples
    --------
    >>> r = classifier_reader_concordance({"a": 0.9, "b": 0.7, "c": 0.2, "d": 0.1},
    ...                                   {"a": 1.5, "b": 2.0, "c": 4.0, "d": 3.5}, top_k=2)
    >>> round(r.rho, 3), r.overlap, r.overlap_ids
    (-0.8, 2, ('a', 'b'))
    """
    ids, clf = _values("classifier_scores", classifier_scores, None)
    _, readers = _values("reader_mean_scores", reader_mean_scores, ids)
    n = clf.size
    if n == 0:
        raise InvalidInputError("classifier_scores is empty: no synthetic image to compare")
    if len(set(ids)) != n:
        raise InvalidInputError("classifier_scores has duplicate image ids")
    if ((clf < 0) | (clf > 1)).any():
        bad = float(clf[(clf < 0) | (clf > 1)][0])
        raise InvalidInputError(f"classifier score {bad!r} is not a probability in [0, 1]")
    flags = None
    if flag_rates is not None:
        _, flags = _values("flag_rates", flag_rates, ids)
        present = flags[~np.isnan(flags)]
        if ((present < 0) | (present > 1)).any():
            raise InvalidInputError(f"flag rate {float(present[(present < 0) | (present > 1)][0])!r} is not in [0, 1]")
    k = math.ceil(n / 4) if top_k is None else top_k
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n:
        raise InvalidInputError(f"top_k={top_k!r} must be a whole number in 1..{n}")
    k = int(k)
    rho, p, note = _spearman(clf, readers)
    top = np.argsort(-clf, kind="stable")[:k]
    bottom = np.argsort(readers, kind="stable")[:k]
    common = [i for i in top if i in set(bottom.tolist())]
    from scipy import stats

    overlap_p = float(stats.hypergeom.sf(len(common) - 1, n, k, k))
    flag_top = flag_rest = flag_rho = flag_p = None
    if flags is not None:
        in_top = np.zeros(n, dtype=bool)
        in_top[top] = True
        known = ~np.isnan(flags)
        if (known & in_top).any():
            flag_top = float(flags[known & in_top].mean())
        if (known & ~in_top).any():
            flag_rest = float(flags[known & ~in_top].mean())
        frho, fp, fnote = _spearman(clf[known], flags[known])
        flag_rho, flag_p = (None, None) if fnote else (frho, fp)
        if fnote:
            note = "; ".join(filter(None, [note, "flag rates: " + fnote.replace("reader scores", "flag rates")]))
    return ConcordanceResult(
        n=n, rho=rho, p_value=p, rho_ci=_fisher_ci(rho, n), top_k=k, overlap=len(common),
        expected_overlap=k * k / n, overlap_p=min(1.0, overlap_p),
        classifier_top=tuple(ids[i] for i in top), reader_bottom=tuple(ids[i] for i in bottom),
        overlap_ids=tuple(ids[i] for i in common), flag_rate_top_k=flag_top, flag_rate_rest=flag_rest,
        flag_rho=flag_rho, flag_p_value=flag_p, method=_METHOD, note=note)
