"""TOST equivalence, score distributions / Mann-Whitney, and the result objects."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pytest import approx
from scipy import stats
from statsmodels.stats.weightstats import _tconfint_generic, _tstat_generic, _zstat_generic

from turingview.stats.distributions import mann_whitney, score_histogram
from turingview.stats.equivalence import tost, tost_auc
from turingview.stats.results import Estimate
from turingview.stats.roc import empirical_auc

FAST = settings(max_examples=80, deadline=None)


# --- TOST ---------------------------------------------------------------------------------------------------
@FAST
@given(
    st.floats(0.2, 0.8),
    st.floats(0.005, 0.2),
    st.one_of(st.none(), st.floats(2.0, 200.0)),
    st.floats(0.02, 0.3),
    st.sampled_from([0.05, 0.1]),
)
def test_tost_matches_statsmodels_one_sided_tests(est, se, df, margin, alpha):
    r = tost_auc(est, se, df, margin=margin, alpha=alpha)
    lo, hi = 0.5 - margin, 0.5 + margin
    if df is None:
        _, p_lo = _zstat_generic(est, lo, se, alternative="larger", diff=0)
        _, p_hi = _zstat_generic(est, hi, se, alternative="smaller", diff=0)
    else:
        _, p_lo = _tstat_generic(est, lo, se, df, alternative="larger", diff=0)
        _, p_hi = _tstat_generic(est, hi, se, df, alternative="smaller", diff=0)
        assert r.ci == approx(_tconfint_generic(est, se, df, 2 * alpha, "two-sided"))
    assert (r.p_lower, r.p_upper) == (approx(p_lo), approx(p_hi))
    assert r.p_value == max(r.p_lower, r.p_upper)
    # equivalence at level alpha <=> the (1 - 2 alpha) CI lies within the margin (up to rounding at the edge)
    inside = lo < r.ci_low and r.ci_high < hi
    if abs(r.p_value - alpha) > 1e-9:
        assert r.equivalent == inside


def test_tost_known_value_and_validation():
    r = tost_auc(0.52, 0.03, 12.0, margin=0.1)
    assert r.equivalent and r.p_value == approx(stats.t.cdf((0.52 - 0.6) / 0.03, 12))
    assert (r.lower_bound, r.upper_bound) == (approx(0.4), approx(0.6))
    assert not tost_auc(0.7, 0.03, None, margin=0.1).equivalent
    z = tost(0.5, 0.0, None, lower=0.4, upper=0.6)
    assert z.equivalent and z.note
    for kwargs, match in (
        ({"margin": 0.0}, "margin=0.0"),
        ({"margin": 0.7}, "margin=0.7"),
        ({"margin": 0.1, "alpha": 0.6}, "alpha=0.6"),
    ):
        with pytest.raises(ValueError, match=match):
            tost_auc(0.5, 0.02, 10, **kwargs)
    with pytest.raises(ValueError, match="se=-1"):
        tost_auc(0.5, -1, 10, margin=0.1)
    with pytest.raises(ValueError, match="df=0"):
        tost_auc(0.5, 0.1, 0, margin=0.1)


# --- distributions ------------------------------------------------------------------------------------------
def test_histogram():
    h = score_histogram([1, 2, 2, 5, np.nan], k=5)
    assert h.counts == (1, 2, 0, 0, 1) and h.n == 4 and h.n_missing == 1
    assert sum(h.proportions) == approx(1.0) and h.categories == (1, 2, 3, 4, 5)
    assert score_histogram([], k=3).counts == (0, 0, 0)
    with pytest.raises(ValueError, match=r"score 6 is outside the scale 1\.\.5"):
        score_histogram([1, 6], k=5)
    with pytest.raises(ValueError, match="k=1"):
        score_histogram([1], k=1)


scores = arrays(np.int64, st.integers(1, 30), elements=st.integers(1, 5))


@FAST
@given(scores, scores)
def test_mann_whitney_matches_scipy_and_auc(x, y):
    r = mann_whitney(x, y)
    if np.unique(np.r_[x, y]).size == 1:
        assert r.p_value == 1.0 and r.note
        return
    ref = stats.mannwhitneyu(x, y, alternative="two-sided")
    assert r.estimate == ref.statistic and r.p_value == approx(ref.pvalue)
    assert r.estimate / (x.size * y.size) == approx(empirical_auc(x, y))


def test_mann_whitney_empty():
    assert math.isnan(mann_whitney([], [1, 2]).estimate)


# --- result objects -----------------------------------------------------------------------------------------
def test_estimate_contract():
    e = Estimate(0.5, 0.1, 0.3, 0.7, 10, "m", statistic=np.float64(2.0), p_value=0.04)
    assert e.ci == (0.3, 0.7) and isinstance(e.statistic, float) and e.defined
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.estimate = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="needs a note"):
        Estimate(math.nan, None, None, None, 0, "m")
    u = Estimate.undefined(n=0, method="m", note="why")
    d = u.to_dict()
    assert d["estimate"] is None and d["note"] == "why"
    json.dumps(d)  # JSON-ready
    assert set(d) == {"estimate", "se", "ci_low", "ci_high", "n", "method", "statistic", "p_value", "df", "note"}


def test_nested_results_are_json_ready():
    from turingview.stats.detection import detection_summary
    from turingview.stats.mrmc import or_mrmc
    from turingview.stats.roc import roc_curve

    rng = np.random.default_rng(1)
    truth = ["real"] * 10 + ["synthetic"] * 10
    s = rng.integers(1, 6, size=(2, 3, 20))
    for obj in (detection_summary(s[0, 0], truth), or_mrmc(s, truth), roc_curve(s[0, 0, :10], s[0, 0, 10:])):
        json.dumps(obj.to_dict(), allow_nan=False)
