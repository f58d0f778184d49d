"""Folds split by patient, stratified by class; the real-versus-real halves."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turingview.core.errors import InvalidInputError
from turingview.realism.folds import patient_halves, stratified_group_folds


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(1, 6)), min_size=6, max_size=40),
    st.integers(2, 6),
    st.integers(0, 99),
)
def test_groups_stay_whole_and_every_fold_has_both_classes(spec, k, seed) -> None:
    labels = np.concatenate([[c] * n for c, n in spec])
    groups = np.concatenate([[f"p{i}"] * n for i, (_, n) in enumerate(spec)])
    if min((np.array([c for c, _ in spec]) == c).sum() for c in (0, 1)) < 2:
        with pytest.raises(InvalidInputError, match="at least 2 patients"):
            stratified_group_folds(labels, groups, k, seed=seed)
        return
    folds = stratified_group_folds(labels, groups, k, seed=seed)
    for g in np.unique(groups):
        assert np.unique(folds[groups == g]).size == 1
    for f in np.unique(folds):
        assert set(labels[folds == f]) == {0, 1}
    assert np.array_equal(folds, stratified_group_folds(labels, groups, k, seed=seed))


def test_folds_are_balanced_for_equal_groups() -> None:
    labels = np.repeat([0, 1], 50)
    groups = np.repeat(np.arange(20), 5)
    folds = stratified_group_folds(labels, groups, 5, seed=0)
    for f in range(5):
        assert (labels[folds == f] == 0).sum() == 10 and (labels[folds == f] == 1).sum() == 10


def test_patient_halves_keep_patients_whole_and_balance_images() -> None:
    groups = np.repeat([f"p{i}" for i in range(10)], [1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
    halves = patient_halves(groups, seed=4)
    for g in np.unique(groups):
        assert np.unique(halves[groups == g]).size == 1
    assert abs(int((halves == 0).sum()) - int((halves == 1).sum())) <= 1
    with pytest.raises(InvalidInputError, match="at least 4"):
        patient_halves(np.array(["a", "b", "c"]), seed=0)
