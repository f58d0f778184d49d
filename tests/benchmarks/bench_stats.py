"""Statistics benchmark: all-pairs kappa and OR MRMC against bare baselines measured in the same run.

Run: ``python -m pytest tests/benchmarks/bench_stats.py -s -p no:cacheprovider``

1. ``pairwise_kappas`` (one matrix product for every reader pair, with FCE SEs, CIs and tests) for 20 readers x
   1000 cases, versus statsmodels ``cohens_kappa`` (+ ``to_table``) called on each of the 190 pairs.
2. ``or_mrmc`` (jackknife covariance from placement values) on 2 tests x 10 readers x 400 cases, versus the
   bare baseline of computing the 20 reader AUCs with scikit-learn's ``roc_auc_score``.
Printed as ratios (lower is faster than the baseline); no assertion on absolute times, only that the
results agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from sklearn.metrics import roc_auc_score
from statsmodels.stats.inter_rater import cohens_kappa, to_table

from turingview.stats.agreement import pairwise_kappas
from turingview.stats.mrmc import or_mrmc


def _best_ms(function: Callable[[], object], *, repeat: int = 5) -> float:
    function()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best * 1000.0


def test_pairwise_kappas_vs_statsmodels() -> None:
    rng = np.random.default_rng(0)
    n_cases, n_readers = 1000, 20
    truth = rng.integers(1, 6, size=n_cases)
    ratings = np.clip(truth[:, None] + rng.integers(-1, 2, size=(n_cases, n_readers)), 1, 5).astype(float)
    ids = [f"R{i:02d}" for i in range(n_readers)]
    pairs = [(i, j) for i in range(n_readers) for j in range(i + 1, n_readers)]

    def ours() -> list:
        return pairwise_kappas(ratings, ids, categories=range(1, 6))

    def baseline() -> list:
        out = []
        for i, j in pairs:
            table = to_table(ratings[:, [i, j]], bins=np.arange(0.5, 6.5))[0]
            out.append(cohens_kappa(table))
        return out

    mine, ref = ours(), baseline()
    assert len(mine) == len(ref) == 190
    for p, r in zip(mine, ref, strict=True):
        assert abs(p.kappa.estimate - r.kappa) < 1e-12 and abs(p.kappa.se - r.std_kappa) < 1e-12
    t_ours, t_base = _best_ms(ours), _best_ms(baseline)
    print(
        f"\npairwise_kappas 20 readers x 1000 cases (190 pairs): {t_ours:.1f} ms; statsmodels per pair "
        f"{t_base:.1f} ms; ratio ours/statsmodels = {t_ours / t_base:.3f} ({t_base / t_ours:.0f}x faster)"
    )


def test_or_mrmc_vs_bare_aucs() -> None:
    rng = np.random.default_rng(1)
    n_cases = 400
    real = rng.random(n_cases) < 0.5
    truth = np.where(real, "real", "synthetic")
    scores = np.clip(np.round(rng.normal(3 + 0.6 * real, 1.0, size=(2, 10, n_cases))), 1, 5)

    def ours() -> object:
        return or_mrmc(scores, truth)

    def baseline() -> list:
        return [roc_auc_score(real, scores[t, r]) for t in range(2) for r in range(10)]

    res, aucs = ours(), baseline()
    assert np.allclose([a for t in res.tests for a in t.reader_aucs], aucs)
    t_ours, t_base = _best_ms(ours), _best_ms(baseline)
    print(
        f"\nor_mrmc 2 tests x 10 readers x 400 cases (jackknife): {t_ours:.1f} ms; 20 x sklearn roc_auc_score "
        f"{t_base:.1f} ms; ratio = {t_ours / t_base:.2f}"
    )
