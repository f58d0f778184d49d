"""ROC / AUC / DeLong against pROC, Stata, Hanley & McNeil, scikit-learn and brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pytest import approx
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from turingview.stats.roc import delong_auc, delong_paired, empirical_auc, hanley_mcneil_se, roc_curve

from ._refdata import read_dicts, read_matrix

FAST = settings(max_examples=60, deadline=None)
scores = arrays(np.int64, st.integers(1, 40), elements=st.integers(1, 5))


@pytest.fixture
def asah(ref):
    rows = read_dicts(ref / "proc-asah" / "aSAH.csv")
    poor = [r for r in rows if r["outcome"] == "Poor"]
    good = [r for r in rows if r["outcome"] == "Good"]
    assert (len(poor), len(good)) == (41, 72)

    def get(var):  # "Poor" is pROC's case (positive) class, i.e. our "real" role
        return [float(r[var]) for r in poor], [float(r[var]) for r in good]

    return get


def test_proc_asah_s100b(asah):
    # pROC documentation (roc / ci.auc examples on aSAH): AUC of s100b 0.7314, 95% CI 0.6301-0.8326 (DeLong).
    r = delong_auc(*asah("s100b"))
    assert r.estimate == approx(0.7314, abs=5e-5)
    assert (r.ci_low, r.ci_high) == (approx(0.6301, abs=5e-5), approx(0.8326, abs=5e-5))
    assert r.n == 113


def test_proc_asah_paired_delong(asah):
    # pROC roc.test(roc(aSAH$outcome, aSAH$wfns), roc(aSAH$outcome, aSAH$s100b)) (DeLong, paired):
    # Z = 2.209, p-value = 0.02718; AUC of roc1 0.8236789, AUC of roc2 0.7313686.
    res = delong_paired(*asah("wfns"), *asah("s100b"))
    assert res.auc_a.estimate == approx(0.8236789, abs=1e-7)
    assert res.auc_b.estimate == approx(0.7313686, abs=1e-7)
    assert res.difference.statistic == approx(2.209, abs=5e-4)
    assert res.difference.p_value == approx(0.02718, abs=5e-6)
    lo, hi = res.difference.ci
    assert lo < res.difference.estimate < hi


def test_proc_asah_ndka(asah):
    # pROC documentation: roc(aSAH$outcome, aSAH$ndka) Area under the curve: 0.612.
    assert empirical_auc(*asah("ndka")) == approx(0.612, abs=5e-4)


@pytest.fixture
def hanley(ref):
    m = read_matrix(ref / "hanley-mcneil-1982-ct" / "cases_long.csv")
    truth, rating = m[:, 0], m[:, 1]
    return rating[truth == 1], rating[truth == 0]


def test_hanley_mcneil_1982(hanley):
    # Hanley & McNeil (1982), Table 1 example (51 abnormal, 58 normal): AUC = 0.893, SE = 0.032.
    pos, neg = hanley
    auc = empirical_auc(pos, neg)
    assert auc == approx(0.893, abs=5e-4)
    assert hanley_mcneil_se(auc, pos.size, neg.size) == approx(0.032, abs=5e-4)


def test_stata_roctab_hanley(hanley):
    # Stata [R] roctab, example with the Hanley & McNeil data (hanley.dta): ROC area 0.8932, Std. Err. 0.0307
    # (DeLong), asymptotic normal 95% CI 0.83295-0.95339.
    r = delong_auc(*hanley)
    assert r.estimate == approx(0.8932, abs=5e-5)
    assert r.se == approx(0.0307, abs=5e-5)
    assert (r.ci_low, r.ci_high) == (approx(0.83295, abs=5e-6), approx(0.95339, abs=5e-6))


def _brute(x, y):
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = np.var(v10, ddof=1) / x.size + np.var(v01, ddof=1) / y.size
    return psi.mean(), math.sqrt(var)


@FAST
@given(scores, scores)
def test_auc_matches_sklearn_and_brute_force(x, y):
    auc = empirical_auc(x, y)
    truth = np.r_[np.ones(x.size), np.zeros(y.size)]
    assert auc == approx(roc_auc_score(truth, np.r_[x, y]), abs=1e-12)
    if x.size > 1 and y.size > 1:
        b_auc, b_se = _brute(x.astype(float), y.astype(float))
        r = delong_auc(x, y)
        assert r.estimate == approx(b_auc, abs=1e-12)
        assert r.se == approx(b_se, abs=1e-12)
        assert 0.0 <= r.ci_low <= r.estimate <= r.ci_high <= 1.0


@FAST
@given(scores, scores)
def test_auc_antisymmetry(x, y):
    assert empirical_auc(x, y) == approx(1.0 - empirical_auc(y, x), abs=1e-12)


@FAST
@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 5))
def test_all_ties_give_half(m, n, v):
    assert empirical_auc([v] * m, [v] * n) == 0.5


@FAST
@given(scores, scores)
def test_roc_curve_area_and_points(x, y):
    c = roc_curve(x, y)
    assert (c.fpr[0], c.tpr[0], c.fpr[-1], c.tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(c.fpr) >= 0) and np.all(np.diff(c.tpr) >= 0)
    assert np.trapezoid(c.tpr, c.fpr) == approx(c.auc, abs=1e-12)
    fpr, tpr, _ = sk_roc_curve(np.r_[np.ones(x.size), np.zeros(y.size)], np.r_[x, y], drop_intermediate=False)
    assert c.points() == [(approx(a), approx(b)) for a, b in zip(fpr, tpr, strict=True)]


def test_logit_ci_inside_unit_interval(hanley):
    r = delong_auc(*hanley, ci="logit")
    assert 0 < r.ci_low < r.estimate < r.ci_high < 1
    assert "logit" in r.method


def test_degenerate_and_validation():
    r = delong_auc([], [1, 2])
    assert math.isnan(r.estimate) and "no real cases" in r.note
    r = delong_auc([5], [1, 2])
    assert r.se is None and "at least 2" in r.note
    r = delong_auc([5, 5], [1, 1])  # complete separation: DeLong SE is 0
    assert r.estimate == 1.0 and r.se == 0.0 and "SE is 0" in r.note
    with pytest.raises(ValueError, match="no synthetic cases"):
        empirical_auc([1, 2], [])
    with pytest.raises(ValueError, match="ci='exact'"):
        delong_auc([1, 2], [1, 2], ci="exact")
    with pytest.raises(ValueError, match="missing"):
        delong_auc([1, np.nan], [1, 2])
    with pytest.raises(ValueError, match=r"auc=1\.5"):
        hanley_mcneil_se(1.5, 10, 10)
    with pytest.raises(ValueError, match="same cases"):
        delong_paired([1, 2], [1, 2], [1, 2, 3], [1, 2])


def test_paired_identical_scores_zero_difference(asah):
    res = delong_paired(*asah("wfns"), *asah("wfns"))
    assert res.difference.estimate == 0.0 and res.difference.se == 0.0
    assert res.correlation == approx(1.0)
