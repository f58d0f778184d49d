"""AUC, DeLong, grouped bootstrap, C2ST test and power, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binom, binomtest
from sklearn.metrics import roc_auc_score

from turingview.realism.metrics import auc, auc_with_ci, c2st_test, delong_ci, grouped_bootstrap_ci


def _brute_delong(labels, scores):
    x = scores[labels == 1]
    y = scores[labels == 0]
    psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    return psi.mean(), np.sqrt(v10.var(ddof=1) / x.size + v01.var(ddof=1) / y.size)


def test_auc_and_delong_match_independent_computations() -> None:
    rng = np.random.default_rng(3)
    labels = np.r_[np.zeros(37), np.ones(23)].astype(int)
    scores = np.round(rng.normal(labels * 0.8, 1.0), 1)  # rounding makes ties
    assert auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))
    est = delong_ci(labels, scores)
    ref_auc, ref_se = _brute_delong(labels, scores)
    assert est.estimate == pytest.approx(ref_auc)
    assert est.se == pytest.approx(ref_se)
    assert est.ci_low == pytest.approx(ref_auc - 1.959963985 * ref_se)


def test_auc_properties() -> None:
    assert auc([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert auc([0, 0, 1, 1], [4, 3, 2, 1]) == 0.0
    assert auc([0, 1, 0, 1], [5, 5, 5, 5]) == 0.5
    with pytest.raises(ValueError, match="both classes"):
        auc([1, 1], [0.2, 0.3])


def test_grouped_bootstrap_is_wider_when_images_share_a_patient() -> None:
    rng = np.random.default_rng(0)
    # 20 patients per class, 8 strongly correlated images each: the effective n is 40, not 320.
    patient_effect = rng.normal(0, 1, 40)
    labels = np.repeat(np.r_[np.zeros(20), np.ones(20)], 8).astype(int)
    groups = np.repeat(np.arange(40), 8)
    scores = patient_effect[groups] + 0.1 * rng.normal(size=groups.size) + 0.3 * labels
    grouped = grouped_bootstrap_ci(labels, scores, groups, seed=1)
    naive = delong_ci(labels, scores)
    assert grouped.estimate == pytest.approx(naive.estimate)
    assert grouped.ci_high - grouped.ci_low > 1.8 * (naive.ci_high - naive.ci_low)
    assert auc_with_ci(labels, scores, groups).method == "grouped-bootstrap"
    assert auc_with_ci(labels, scores, np.arange(groups.size)).method == "delong"


def test_weighted_bootstrap_auc_equals_auc_of_resampled_data() -> None:
    from turingview.realism.metrics import _weighted_aucs

    rng = np.random.default_rng(5)
    labels = rng.integers(0, 2, 30)
    scores = np.round(rng.normal(size=30), 1)
    counts = rng.integers(0, 3, 30).astype(float)
    counts[:2] = 1
    labels[:2] = [0, 1]
    expanded = np.repeat(np.arange(30), counts.astype(int))
    assert _weighted_aucs(labels, scores, counts[None, :])[0] == pytest.approx(auc(labels[expanded], scores[expanded]))


def test_c2st_p_value_and_exact_power() -> None:
    labels = np.r_[np.zeros(50), np.ones(50)].astype(int)
    probs = np.where(np.arange(100) % 10 < 6, labels, 1 - labels).astype(float)  # 60 of 100 correct
    test = c2st_test(labels, probs)
    assert test.n_correct == 60 and test.accuracy == 0.6
    assert test.p_value == pytest.approx(binomtest(60, 100, 0.5, alternative="greater").pvalue)
    # Smallest k with P(X >= k | 100, 0.5) <= 0.05 is 59; power = P(X >= 59 | 100, 0.6).
    assert test.critical_correct == 59
    assert binom.sf(58, 100, 0.5) <= 0.05 < binom.sf(57, 100, 0.5)
    assert test.power == pytest.approx(binom.sf(58, 100, 0.6))
    assert 0.6 < test.power < 0.7
    assert c2st_test(np.r_[np.zeros(300), np.ones(300)], np.full(600, 0.4)).power > 0.95
