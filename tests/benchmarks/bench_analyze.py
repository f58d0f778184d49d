"""Benchmark: full ``analyze`` of 20 readers x 1,000 cases (20,000 ratings, MRMC and all 190 reader pairs).

Run explicitly: ``python -m pytest tests/benchmarks/bench_analyze.py -s -p no:cacheprovider``.

Baseline measured in the same run: the same 190 pairwise Cohen's kappas (unweighted, linear and quadratic
weights, 570 estimates with their SEs) with ``statsmodels.stats.inter_rater.cohens_kappa`` on confusion tables
built with numpy. Figures are printed as ratios to that baseline; the goal is the full analysis (without the
report) in under 5 s on 2 cores.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "export"))

from support import simulate, write_csv

GOAL_S = 5.0


def _best(func: Callable[[], object], repeats: int = 2) -> float:
    """Best wall time of ``repeats`` runs; the CPU time of that run is kept in ``CPU[func]``."""
    best = float("inf")
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        func()
        wall = time.perf_counter() - start
        if wall < best:
            best, CPU[id(func)] = wall, time.process_time() - cpu
    return best


CPU: dict[int, float] = {}


def _timed(func: Callable[[], object], repeats: int = 2) -> tuple[float, float]:
    wall = _best(func, repeats)
    return wall, CPU[id(func)]


def _statsmodels_pairs(scores: np.ndarray) -> list[float]:
    """190 pairs x 3 weightings with statsmodels on numpy-built 5x5 confusion tables."""
    from statsmodels.stats.inter_rater import cohens_kappa

    codes = scores.astype(int) - 1
    out = []
    r = codes.shape[0]
    for a in range(r):
        for b in range(a + 1, r):
            table = np.bincount(codes[a] * 5 + codes[b], minlength=25).reshape(5, 5)
            for wt in (None, "linear", "quadratic"):
                res = cohens_kappa(table, wt=wt) if wt else cohens_kappa(table)
                out.append(res.kappa)
    return out


def test_bench_analyze(tmp_path: Path) -> None:
    rows = simulate(20, 1000, subgroups=False, generators=("GAN-A", "Diffusion-B"), seed=11)
    csv_path = write_csv(rows, tmp_path / "ratings.csv")
    start = time.perf_counter()
    import matplotlib  # the report's libraries, imported once here so the timings below exclude imports

    from turingview.export.analysis import run_analysis
    from turingview.export.frames import matrix
    from turingview.export.ratings import load_ratings_csv
    from turingview.stats import agreement

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot
    import reportlab.platypus  # noqa: F401

    import_s = time.perf_counter() - start
    table = load_ratings_csv(csv_path)
    mat = matrix(table.frame)
    assert mat.scores.shape == (20, 1000)

    baseline, baseline_cpu = _timed(lambda: _statsmodels_pairs(mat.scores))
    ours_pairs, ours_cpu = _timed(lambda: [agreement.pairwise_kappas(
        mat.scores.T, list(mat.readers), categories=range(1, 6), weights=w) for w in ("none", "linear", "quadratic")])
    sm = _statsmodels_pairs(mat.scores)
    mine = [p.kappa.estimate for w in ("none", "linear", "quadratic")
            for p in agreement.pairwise_kappas(mat.scores.T, list(mat.readers), categories=range(1, 6), weights=w)]
    order = np.arange(570).reshape(190, 3).T.ravel()  # statsmodels loop is pair-major
    assert np.allclose(np.asarray(sm)[order], mine, atol=1e-10), "pairwise kappas differ from statsmodels"

    stats_only, stats_cpu = _timed(lambda: run_analysis(csv_path, out_dir=tmp_path / "a", report=False))
    with_html, html_cpu = _timed(lambda: run_analysis(csv_path, out_dir=tmp_path / "b", report=True, pdf=False))
    with_pdf, pdf_cpu = _timed(lambda: run_analysis(csv_path, out_dir=tmp_path / "c", report=True, pdf=True))
    results = run_analysis(csv_path, out_dir=tmp_path / "d", report=False)
    assert len(results["agreement"]["pairs"]) == 190 and results["mrmc"]["n_readers"] == 20

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print()
    print(f"analyze 20 readers x 1000 cases (20,000 ratings, 190 pairs, MRMC, 2 generators); {cores} core(s), "
          f"load average {load:.1f}")
    print("  (wall s / CPU s of this process; ratios use wall time against the baseline of the same run)")
    rows = [
        ("baseline: statsmodels cohens_kappa, 190 pairs x 3 weightings", baseline, baseline_cpu),
        ("turingview.stats.pairwise_kappas, the same 570 kappas + SEs", ours_pairs, ours_cpu),
        ("full analysis: stats + results.json + CSV/XLSX + iMRMC/RJafroc", stats_only, stats_cpu),
        ("  ... plus report.html with its four figures", with_html, html_cpu),
        ("  ... plus report.pdf", with_pdf, pdf_cpu),
    ]
    for label, wall, cpu in rows:
        print(f"  {label:<66} {wall:7.3f} / {cpu:6.3f}  {wall / baseline:6.3f}x baseline")
    print(f"  goal: full analysis (no report) < {GOAL_S:.0f} s -> {'met' if stats_only < GOAL_S else 'MISSED'} "
          f"(CPU {stats_cpu:.2f} s); report adds {with_html - stats_only:.2f} s (HTML) and "
          f"{with_pdf - with_html:.2f} s (PDF)")
    print(f"  one-off import of pandas/scipy/statsmodels/matplotlib/reportlab/turingview.export: {import_s:.2f} s")
