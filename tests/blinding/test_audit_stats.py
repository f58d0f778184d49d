"""The separation statistics of the blinding audit: AUCs against independent implementations and properties."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from turingview.study.blinding_audit_stats import (
    MIN_PER_CLASS,
    categorical_separation,
    chance_bound,
    grade,
    mann_whitney_auc,
    numeric_separation,
)


@pytest.mark.parametrize("seed", range(5))
def test_mann_whitney_auc_matches_sklearn_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    syn = rng.integers(0, 6, size=17).astype(float)
    real = rng.integers(0, 6, size=23).astype(float)
    y = np.r_[np.ones(syn.size), np.zeros(real.size)]
    assert mann_whitney_auc(syn, real) == pytest.approx(roc_auc_score(y, np.r_[syn, real]))


def test_numeric_separation_is_folded_and_names_direction() -> None:
    lower = numeric_separation(real=[5, 6, 7], synthetic=[1, 2, 3])
    assert lower.auc == 1.0 and lower.higher_in == "real"
    same = numeric_separation(real=[1, 2, 3], synthetic=[1, 2, 3])
    assert same.auc == 0.5 and same.higher_in == "neither"


def test_categorical_perfect_split_and_frequency_score() -> None:
    sep = categorical_separation(real=["ACME"] * 6, synthetic=["(absent)"] * 6)
    assert sep.auc == 1.0 and sep.perfect and sep.auc_frequency == 1.0
    # three vendors on the real side, a fourth on the synthetic side: still one perfect split
    multi = categorical_separation(real=["A", "B", "C"] * 3, synthetic=["D"] * 9)
    assert multi.auc == 1.0 and multi.best_category == "D"


def test_values_unique_to_each_file_carry_no_information() -> None:
    sep = categorical_separation(real=[f"r{i}" for i in range(10)], synthetic=[f"s{i}" for i in range(10)])
    assert sep.auc_frequency == pytest.approx(0.5)
    assert sep.auc_split == pytest.approx(0.55)
    assert not sep.perfect


def test_shared_category_mix_gives_intermediate_auc() -> None:
    sep = categorical_separation(real=["int16"] * 8 + ["float32"] * 2, synthetic=["float32"] * 8 + ["int16"] * 2)
    assert sep.auc_split == pytest.approx(0.8)
    assert not sep.perfect


def test_grade_thresholds_and_minimum_count() -> None:
    assert grade(1.0, MIN_PER_CLASS - 1, 50) == "too few cases"
    assert grade(0.85, 40, 40) == "strong"
    assert grade(0.7, 40, 40) == "moderate"
    assert grade(0.6, 40, 40) == "none"
    # in a 5-versus-5 pilot, 0.8 is within chance (bound ~0.87): not graded
    assert chance_bound(5, 5) == pytest.approx(0.5 + 1.96 * np.sqrt(11 / 300))
    assert grade(0.8, 5, 5) == "none"
    assert grade(1.0, 5, 5) == "strong"
    assert grade(1.0, 3, 3, perfect_categorical=True) == "strong"


def test_chance_bound_holds_under_the_null() -> None:
    """Pure-noise cues exceed the bound about 5% of the time (the bound is what it claims to be)."""
    rng = np.random.default_rng(0)
    n = 12
    exceed = 0
    trials = 2000
    for _ in range(trials):
        sep = numeric_separation(rng.normal(size=n), rng.normal(size=n))
        exceed += sep.auc >= chance_bound(n, n)
    assert 0.02 < exceed / trials < 0.08


@pytest.mark.parametrize("values", [["dicom"] * 9 + ["nifti"] * 7, ["CT"] * 5 + ["MR"] * 4 + ["OT"] * 3])
def test_identical_category_distributions_do_not_separate(values: list[str]) -> None:
    """Leave-one-out scoring is biased against each case's own class; it must not read as separation."""
    sep = categorical_separation(real=list(values), synthetic=list(reversed(values)))
    assert sep.auc == pytest.approx(0.5) and sep.auc_frequency == 0.5
    assert grade(sep.auc, len(values), len(values), perfect_categorical=sep.perfect) == "none"


def test_frequency_score_finds_multi_category_splits() -> None:
    # no single value separates, but the frequency score does: a, b mostly real; c, d mostly synthetic
    sep = categorical_separation(real=["a"] * 5 + ["b"] * 5 + ["c"], synthetic=["c"] * 5 + ["d"] * 5 + ["a"])
    assert sep.auc_frequency > sep.auc_split and sep.auc_frequency > 0.85
