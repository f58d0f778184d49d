"""Designs and edge cases: no truth, a test column (MRMC difference), subgroups, degenerate data, the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from support import simulate

from turingview.core.errors import CancelledError
from turingview.export.analysis import run_analysis
from turingview.stats import mrmc, roc


def _valid(results: dict, schema: dict) -> None:
    jsonschema.validate(results, schema, cls=jsonschema.Draft202012Validator)


def test_without_truth_agreement_still_runs(tmp_path: Path, ratings_csv: Callable[..., Path],
                                            results_schema: dict) -> None:
    path = ratings_csv(n_readers=3, n_cases=30, truth=False, generators=(), subgroups=False)
    out = tmp_path / "out"
    results = run_analysis(path, out_dir=out, report=True, pdf=False)
    _valid(results, results_schema)
    assert results["agreement"]["fleiss_kappa"] is not None
    assert len(results["agreement"]["pairs"]) == 3
    assert results["mrmc"] is None and results["pooled"] is None
    assert all(r["auc"] is None for r in results["per_reader"])
    wheres = " ".join(n["where"] for n in results["notes"])
    assert "per_reader" in wheres and "mrmc" in wheres and "exports" in wheres
    assert not (out / "ratings.imrmc").exists() and (out / "report.html").exists()


def test_test_column_gives_the_mrmc_difference(tmp_path: Path, ratings_csv: Callable[..., Path],
                                               results_schema: dict) -> None:
    path = ratings_csv(n_readers=4, n_cases=40, tests=("standard", "enhanced"), test_shift=0.8, subgroups=False,
                       generators=())
    results = run_analysis(path, out_dir=tmp_path / "out", report=False)
    _valid(results, results_schema)
    m = results["mrmc"]
    assert [t["test"] for t in m["tests"]] == ["enhanced", "standard"]
    diff = m["difference"]
    assert {"estimate", "ci", "f", "df_denominator", "p"} <= set(diff)
    data = pd.read_csv(path, dtype={"reader": str, "case": str})
    cube = np.stack([data[data["test"] == t].pivot(index="reader", columns="case", values="score").to_numpy(float)
                     for t in ("enhanced", "standard")])
    truth = data.groupby("case")["truth"].first().sort_index().to_numpy()
    direct = mrmc.or_mrmc(cube, truth, test_ids=["enhanced", "standard"])
    assert diff["estimate"] == pytest.approx(direct.comparison.difference.estimate, abs=1e-12)
    assert diff["p"] == pytest.approx(direct.comparison.p_value, rel=1e-9)
    assert len(results["per_reader"]) == 8 and {r["test"] for r in results["per_reader"]} == {"enhanced", "standard"}
    assert len(results["roc_paired"]) == 4
    r1 = data[data["reader"] == "R1"]
    a = r1[r1["test"] == "enhanced"].set_index("case").sort_index()
    b = r1[r1["test"] == "standard"].set_index("case").sort_index()
    real = (a["truth"] == "real").to_numpy()
    paired = roc.delong_paired(a["score"][real], a["score"][~real], b["score"][real], b["score"][~real])
    assert results["roc_paired"][0]["difference"]["estimate"] == pytest.approx(paired.difference.estimate)
    assert len(results["equivalence"]) == 2 and set(results["agreement"]["by_test"]) == {"enhanced", "standard"}
    header = (tmp_path / "out" / "ratings.imrmc").read_text()
    assert "NM: 2" in header


def test_subgroup_tables_appear_when_the_columns_exist(tmp_path: Path, ratings_csv: Callable[..., Path],
                                                       results_schema: dict) -> None:
    path = ratings_csv(n_readers=3, n_cases=36, seed=5)
    results = run_analysis(path, out_dir=tmp_path / "out", report=False)
    _valid(results, results_schema)
    assert set(results["subgroups"]) == {"generator", "sex", "age_band", "site"}
    assert set(results["subgroups"]["generator"]) == {"GAN-A", "Diffusion-B"}
    female = results["subgroups"]["sex"]["F"]
    data = pd.read_csv(path, dtype=str)
    assert female["pooled"]["n_ratings"] == int((data["sex"] == "F").sum())
    gan = results["subgroups"]["generator"]["GAN-A"]
    n_gan = int(((data["generator"] == "GAN-A") | (data["truth"] == "real")).sum())
    assert gan["pooled"]["n_ratings"] == n_gan  # a generator's subset = its synthetic cases + all real cases
    table = pd.read_csv(tmp_path / "out" / "tables" / "subgroups.csv")
    assert set(table["column"]) == {"generator", "sex", "age_band", "site"}
    assert [g["generator"] for g in results["per_generator"]] == ["Diffusion-B", "GAN-A"]
    plain = run_analysis(ratings_csv("plain.csv", n_readers=2, n_cases=20, subgroups=False, generators=()),
                         out_dir=tmp_path / "plain", report=False)
    assert plain["subgroups"] == {} and plain["per_generator"] == []


def test_one_reader_gives_notes_not_crashes(tmp_path: Path, ratings_csv: Callable[..., Path],
                                            results_schema: dict) -> None:
    path = ratings_csv(n_readers=1, n_cases=20, subgroups=False)
    out = tmp_path / "out"
    results = run_analysis(path, out_dir=out, report=True, pdf=True)
    _valid(results, results_schema)
    assert results["agreement"]["fleiss_kappa"] is None and results["agreement"]["pairs"] == []
    assert results["per_reader"][0]["auc"] is not None
    reasons = {n["where"]: n["reason"] for n in results["notes"]}
    assert "at least 2 readers" in reasons["agreement"]
    assert any(w.startswith("mrmc") for w in reasons)
    assert (out / "report.pdf").stat().st_size > 10_000


def test_all_scores_equal_gives_defined_answers_with_reasons(tmp_path: Path, results_schema: dict) -> None:
    rows = [{"reader": f"R{r}", "case": f"C{c}", "score": 3, "truth": "real" if c % 2 else "synthetic"}
            for r in range(3) for c in range(12)]
    results = run_analysis(rows, out_dir=tmp_path / "out", report=True, pdf=False)
    _valid(results, results_schema)
    assert all(r["auc"] == pytest.approx(0.5) for r in results["per_reader"])  # ties: AUC 0.5
    assert results["agreement"]["krippendorff_alpha"]["nominal"] is None
    assert results["notes"], "degenerate agreement must be explained"
    assert all(n["reason"] for n in results["notes"])
    text = (tmp_path / "out" / "results.json").read_text()
    assert "NaN" not in text
    json.loads(text)


def test_records_input_progress_and_provenance(tmp_path: Path) -> None:
    rows = simulate(3, 20, subgroups=False, generators=())
    calls: list[tuple[int, int, str]] = []
    results = run_analysis(rows, out_dir=tmp_path / "out", report=False, provenance={"study": "demo", "seed": 7},
                           progress=lambda d, t, m: calls.append((d, t, m)))
    assert results["provenance"]["study"] == "demo" and results["provenance"]["seed"] == 7
    assert len(results["provenance"]["input_sha256"]) == 64
    assert calls[-1][0] == calls[-1][1] and all(d <= t for d, t, _ in calls)
    assert [d for d, _, _ in calls] == sorted(d for d, _, _ in calls)


def test_cancel_leaves_nothing_written(tmp_path: Path) -> None:
    rows = simulate(3, 20, subgroups=False, generators=())
    seen: list[str] = []

    def cancel() -> bool:
        seen.append("asked")
        return len(seen) > 3

    out = tmp_path / "out"
    with pytest.raises(CancelledError):
        run_analysis(rows, out_dir=out, report=False, cancel=cancel)
    assert not out.exists()
    assert not list(tmp_path.glob(".turingview-analysis-*"))


def test_rerun_replaces_outputs_in_an_existing_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_analysis(simulate(2, 16, subgroups=False, generators=()), out_dir=out, report=False)
    first = (out / "results.json").read_text()
    run_analysis(simulate(2, 16, subgroups=False, generators=(), seed=9), out_dir=out, report=False)
    assert (out / "results.json").read_text() != first
