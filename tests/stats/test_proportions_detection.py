"""Proportions (Wilson, Clopper-Pearson, binomial test) and detection summaries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest import approx
from scipy.stats import binomtest
from statsmodels.stats.proportion import proportion_confint

from turingview.core.domain import Truth
from turingview.stats.detection import detection_summary, fooling_rate
from turingview.stats.proportions import binomial_test, clopper_pearson_ci, wilson_ci
from turingview.stats.roc import empirical_auc

from ._refdata import read_dicts

FAST = settings(max_examples=80, deadline=None)

# Newcombe (1998), Table II, 95% intervals: method 3 (score, no continuity correction) and method 5 (exact).
NEWCOMBE = {
    (81, 263): ((0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148): ((0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20): ((0.0, 0.1611), (0.0, 0.1684)),
    (1, 29): ((0.0061, 0.1718), (0.0009, 0.1776)),
}


def test_newcombe_1998(ref):
    rows = read_dicts(ref / "proportion-ci-binomial" / "newcombe1998_examples.csv")
    assert len(rows) == 4
    for row in rows:
        k, n = int(row["x"]), int(row["n"])
        wil, exact = NEWCOMBE[(k, n)]
        assert wilson_ci(k, n) == approx(wil, abs=5e-5)
        assert clopper_pearson_ci(k, n) == approx(exact, abs=5e-5)


@FAST
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))), st.sampled_from([0.01, 0.05, 0.1])
)
def test_intervals_match_statsmodels(kn, alpha):
    k, n = kn
    assert wilson_ci(k, n, alpha=alpha) == approx(proportion_confint(k, n, alpha=alpha, method="wilson"), abs=1e-10)
    cp = proportion_confint(k, n, alpha=alpha, method="beta")
    assert clopper_pearson_ci(k, n, alpha=alpha) == approx(
        (np.nan_to_num(cp[0]), np.nan_to_num(cp[1], nan=1.0)), abs=1e-10
    )
    lo, hi = wilson_ci(k, n, alpha=alpha)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


@FAST
@given(
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_binomial_test_matches_scipy(kn, alternative):
    k, n = kn
    assert binomial_test(k, n, alternative=alternative) == binomtest(k, n, 0.5, alternative=alternative).pvalue


def test_park_2021_visual_turing_test(ref):
    # Park et al. (2021) JMIR Med Inform 9:e23328, pooled counts from the abstract (reference-data README):
    # 1781 of 3000 calls correct (59.4%), 779 of 1500 synthetic images called synthetic (51.9%).
    rows = {
        r["quantity"]: (int(r["correct"]), int(r["total"]))
        for r in read_dicts(ref / "proportion-ci-binomial" / "park2021_visual_turing_test_aggregate.csv")
    }
    k, n = rows["all_images_all_readers"]
    assert k / n == approx(0.594, abs=5e-4)
    assert wilson_ci(k, n) == approx(proportion_confint(k, n, method="wilson"), abs=1e-12)
    assert binomial_test(k, n) < 1e-20  # far from guessing when pooled (pooled calls are correlated!)
    ks, ns = rows["synthetic_images_called_synthetic"]
    assert ks / ns == approx(0.519, abs=5e-4)
    assert binomial_test(ks, ns) == approx(binomtest(ks, ns).pvalue)


def test_proportion_validation():
    for bad, match in (((5, 0), "n=0"), ((6, 5), "k=6"), ((1.5, 5), "k=1.5")):
        with pytest.raises(ValueError, match=match):
            wilson_ci(*bad)
    with pytest.raises(ValueError, match="alternative='both'"):
        binomial_test(1, 5, alternative="both")
    with pytest.raises(ValueError, match="p=2"):
        binomial_test(1, 5, p=2)


def test_detection_summary_counts_and_cis():
    scores = [1, 2, 3, 5, 4, 2, 1, 5, 5, 3]
    truth = ["synthetic"] * 5 + ["real", "real", "real", "real", Truth.REAL]
    r = detection_summary(scores, truth, threshold=2)
    # synthetic: 1,2,3,5,4 -> called synthetic (<=2): 2; real: 2,1,5,5,3 -> called synthetic: 2
    assert (r.tp, r.fn, r.tn, r.fp) == (2, 3, 3, 2)
    assert (r.n_synthetic, r.n_real) == (5, 5)
    assert r.sensitivity.estimate == 0.4 and r.specificity.estimate == 0.6 and r.accuracy.estimate == 0.5
    assert r.sensitivity.ci == approx(proportion_confint(2, 5, method="wilson"))
    assert r.specificity_exact_ci == approx(proportion_confint(3, 5, method="beta"))
    assert r.accuracy.p_value == approx(binomtest(5, 10).pvalue)
    assert r.auc.estimate == approx(empirical_auc([2, 1, 5, 5, 3], [1, 2, 3, 5, 4]))  # real vs synthetic
    d = r.to_dict()
    assert d["sensitivity"]["ci_low"] == approx(r.sensitivity.ci_low) and d["threshold"] == 2.0


def test_detection_empty_class_and_fooling_rate():
    r = detection_summary([1, 2, 5], ["synthetic"] * 3)
    assert math.isnan(r.specificity.estimate) and "no cases" in r.specificity.note
    assert math.isnan(r.auc.estimate) and r.specificity_exact_ci == (None, None)
    assert r.to_dict()["specificity"]["estimate"] is None
    syn = [1, 2, 3, 4, 5, 5, 2]
    fr = fooling_rate(syn, threshold=2)
    sens = detection_summary(syn, ["synthetic"] * 7, threshold=2).sensitivity
    assert fr.estimate == approx(1 - sens.estimate) and fr.n == 7
    assert math.isnan(fooling_rate([]).estimate)


def test_detection_validation():
    with pytest.raises(ValueError, match="truth\\[1\\]='fake'"):
        detection_summary([1, 2], ["real", "fake"])
    with pytest.raises(ValueError, match="2 entries but there are 3"):
        detection_summary([1, 2, 3], ["real", "real"])
    with pytest.raises(ValueError, match="threshold='two'"):
        detection_summary([1, 2], ["real", "real"], threshold="two")
