"""Classifier-reader concordance: Spearman's rho against scipy, top-k overlap computed by hand, degenerate input."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from scipy import stats

from turingview.core.errors import InvalidInputError
from turingview.stats import concordance
from turingview.stats.concordance import classifier_reader_concordance


def test_rho_p_and_ci_equal_scipy_with_ties() -> None:
    rng = np.random.default_rng(3)
    clf = rng.uniform(0, 1, 40)
    readers = np.round(np.clip(3.5 - 2 * clf + rng.normal(0, 0.8, 40), 1, 5) * 3) / 3  # ties on purpose
    r = classifier_reader_concordance(clf, readers)
    ref = stats.spearmanr(clf, readers)
    assert r.n == 40
    assert r.rho == pytest.approx(ref.statistic, abs=1e-12) and r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.rho < 0  # the classifier's easy images are the readers' low scores
    z, se = math.atanh(ref.statistic), math.sqrt(1.06 / 37)
    assert r.rho_ci == pytest.approx((math.tanh(z - 1.959964 * se), math.tanh(z + 1.959964 * se)), abs=1e-6)
    assert r.rho_ci[0] < r.rho < r.rho_ci[1]
    assert r.top_k == 10 and r.note == ""


def test_overlap_by_hand() -> None:
    clf = {"a": 0.95, "b": 0.90, "c": 0.80, "d": 0.60, "e": 0.40, "f": 0.30, "g": 0.20, "h": 0.10}
    readers = {"a": 3.0, "b": 1.2, "c": 4.5, "d": 1.0, "e": 2.0, "f": 4.0, "g": 4.2, "h": 3.9}
    r = classifier_reader_concordance(clf, readers)  # k = ceil(8/4) = 2
    assert r.top_k == 2
    assert r.classifier_top == ("a", "b") and r.reader_bottom == ("d", "b")
    assert r.overlap_ids == ("b",) and r.overlap == 1
    assert r.expected_overlap == pytest.approx(0.5)
    # P(X >= 1), X ~ Hypergeom(N=8, K=2, n=2) = 1 - C(6,2)/C(8,2) = 1 - 15/28
    assert r.overlap_p == pytest.approx(13 / 28)
    r3 = classifier_reader_concordance(clf, readers, top_k=3)
    assert r3.classifier_top == ("a", "b", "c") and r3.reader_bottom == ("d", "b", "e")
    assert r3.overlap_ids == ("b",)
    ids = list(clf)
    ref = stats.spearmanr([clf[i] for i in ids], [readers[i] for i in ids])
    assert r.rho == pytest.approx(ref.statistic)


def test_mapping_order_does_not_matter_and_ids_must_match() -> None:
    clf = {"x": 0.9, "y": 0.5, "z": 0.1, "w": 0.3}
    readers = {"z": 4.0, "w": 3.0, "x": 1.0, "y": 2.5}
    r = classifier_reader_concordance(clf, readers)
    assert r.rho == pytest.approx(-1.0) and r.overlap_ids == ("x",)
    with pytest.raises(InvalidInputError, match="same image ids"):
        classifier_reader_concordance(clf, {"x": 1.0, "y": 2.0, "z": 3.0, "q": 1.0})
    with pytest.raises(InvalidInputError, match="3 values"):
        classifier_reader_concordance([0.1, 0.2, 0.3, 0.4], [1, 2, 3])


def test_flag_rates() -> None:
    clf = [0.9, 0.8, 0.3, 0.2, 0.1, 0.05, 0.5, 0.4]
    readers = [1.0, 1.5, 3.0, 4.0, 4.5, 4.0, 2.0, 3.5]
    flags = [1.0, 2 / 3, 0.0, 0.0, np.nan, 1 / 3, 1 / 3, 0.0]
    r = classifier_reader_concordance(clf, readers, flag_rates=flags)
    assert r.classifier_top == ("0", "1")
    assert r.flag_rate_top_k == pytest.approx((1 + 2 / 3) / 2)
    assert r.flag_rate_rest == pytest.approx((0 + 0 + 1 / 3 + 1 / 3 + 0) / 5)  # NaN (not recorded) left out
    known = ~np.isnan(flags)
    ref = stats.spearmanr(np.asarray(clf)[known], np.asarray(flags)[known])
    assert r.flag_rho == pytest.approx(ref.statistic) and r.flag_rho > 0
    assert classifier_reader_concordance(clf, readers).flag_rate_top_k is None


@pytest.mark.parametrize(("clf", "readers", "why"), [
    ([0.9, 0.1], [1.0, 4.0], "needs at least 3"),
    ([0.5, 0.5, 0.5, 0.5], [1.0, 2.0, 3.0, 4.0], "classifier scores are equal"),
    ([0.9, 0.5, 0.2, 0.1], [3.0, 3.0, 3.0, 3.0], "reader scores are equal"),
])
def test_degenerate_gives_a_note_never_a_crash(clf: list[float], readers: list[float], why: str) -> None:
    r = classifier_reader_concordance(clf, readers)
    assert math.isnan(r.rho) and why in r.note
    d = r.to_dict()
    assert d["rho"] is None and d["p_value"] is None and d["rho_ci"] is None and d["n"] == len(clf)
    assert d["overlap"] >= 0 and isinstance(d["classifier_top"], list)


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        classifier_reader_concordance([], [])
    with pytest.raises(InvalidInputError, match="probability"):
        classifier_reader_concordance([0.2, 1.3, 0.5], [1, 2, 3])
    with pytest.raises(InvalidInputError, match="top_k"):
        classifier_reader_concordance([0.2, 0.3, 0.5], [1, 2, 3], top_k=4)
    with pytest.raises(InvalidInputError, match="top_k"):
        classifier_reader_concordance([0.2, 0.3, 0.5], [1, 2, 3], top_k=0)
    with pytest.raises(InvalidInputError, match="flag rate"):
        classifier_reader_concordance([0.2, 0.3, 0.5], [1, 2, 3], flag_rates=[0.1, 2.0, 0.0])


def test_result_is_frozen_and_json_ready() -> None:
    import dataclasses
    import json

    r = classifier_reader_concordance([0.9, 0.6, 0.3, 0.1], [1.0, 2.0, 3.0, 5.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.rho = 0.0  # type: ignore[misc]
    json.dumps(r.to_dict(), allow_nan=False)
    assert r.to_dict()["rho"] == pytest.approx(-1.0) and r.to_dict()["rho_ci"] == [-1.0, -1.0]


def test_docstring_example() -> None:
    result = doctest.testmod(concordance, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_module_stays_pure() -> None:
    import subprocess
    import sys

    code = ("import sys, turingview.stats.concordance\n"
            "heavy = ('pandas', 'PySide6', 'sqlalchemy', 'torch', 'matplotlib')\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
