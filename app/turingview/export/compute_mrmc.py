"""MRMC, equivalence and score-distribution sections of ``results.json``.

Arranges data and calls :mod:`turingview.stats`; no statistic is computed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from turingview.export.frames import Matrix, first_reads, natural_key
from turingview.export.jsonsafe import Notes, estimate_dict, num, pair


def _labels(is_real: np.ndarray) -> np.ndarray:
    return np.where(is_real, "real", "synthetic")


def crossed_scores(mats: dict[str, Matrix], notes: Notes, where: str) -> tuple[np.ndarray, np.ndarray,
                                                                               list[str], int] | None:
    """Stack conditions into ``scores[test, reader, case]`` over the fully crossed part of the design.

    Keeps the readers present in every condition and the cases read by all of them under every condition
    (the OR model needs a fully crossed design); says in a note what was left out.
    """
    names = list(mats)
    first = mats[names[0]]
    if first.is_real is None:
        return None
    readers = [r for r in first.readers if all(r in m.readers for m in mats.values())]
    cases = [c for c in first.cases if all(c in m.cases for m in mats.values())]
    stack = np.full((len(names), len(readers), len(cases)), np.nan)
    for t, name in enumerate(names):
        m = mats[name]
        ri = [m.readers.index(r) for r in readers]
        ci = [m.cases.index(c) for c in cases]
        stack[t] = m.scores[np.ix_(ri, ci)]
    complete = ~np.isnan(stack).any(axis=(0, 1))
    all_cases = set().union(*(m.cases for m in mats.values()))
    dropped = len(all_cases) - int(complete.sum())
    dropped_readers = len(set().union(*(m.readers for m in mats.values()))) - len(readers)
    if dropped or dropped_readers:
        notes.add(where, f"the OR model needs a fully crossed design: analysed {len(readers)} reader(s) x "
                         f"{int(complete.sum())} case(s) read by all; left out {dropped} case(s) and "
                         f"{dropped_readers} reader(s) not read under every reader/condition")
    truth_by_case = dict(zip(first.cases, first.is_real, strict=True))
    kept = [c for c, k in zip(cases, complete, strict=True) if k]
    truth = np.array([truth_by_case[c] for c in kept], dtype=bool)
    return stack[:, :, complete], truth, readers, dropped


def mrmc(mats: dict[str, Matrix], *, notes: Notes, prefix: str) -> dict[str, Any] | None:
    """Obuchowski-Rockette / Hillis reader-averaged AUC, per condition and their difference."""
    from turingview.stats import mrmc as mr

    where = f"{prefix}mrmc"
    crossed = crossed_scores(mats, notes, where)
    if crossed is None:
        notes.add(where, "no truth column: MRMC ROC analysis needs real/synthetic truth")
        return None
    scores, truth, readers, _ = crossed
    names = list(mats)
    empty = {"auc": None, "se": None, "ci": None, "df": None, "method": "Obuchowski-Rockette (Hillis df)",
             "n_readers": len(readers), "n_real": int(truth.sum()), "n_synthetic": int((~truth).sum())}
    if scores.shape[2] == 0:
        notes.add(where, "no case was read by every reader under every condition")
        return empty
    result = notes.guard(where, lambda: mr.or_mrmc(scores, _labels(truth), reader_ids=list(readers),
                                                   test_ids=[n or "all" for n in names]))
    if result is None:
        return empty
    if result.note:
        notes.add(where, result.note)
    tests = []
    for t in result.tests:
        d = estimate_dict(t.auc, notes, f"{where}: test {t.test}" if names != [""] else where)
        tests.append({"test": t.test, "auc": d["estimate"], "se": d["se"], "ci": d["ci"], "df": d["df"],
                      "reader_aucs": [num(a) for a in t.reader_aucs], "method": d["method"]})
    head = tests[0]
    out: dict[str, Any] = {"auc": head["auc"], "se": head["se"], "ci": head["ci"], "df": head["df"],
                           "method": head["method"], "covariance": result.covariance,
                           "n_readers": result.n_readers, "n_real": result.n_real,
                           "n_synthetic": result.n_synthetic, "reader_ids": list(result.reader_ids),
                           "variance_components": {k: num(getattr(result, k)) for k in
                                                   ("var", "cov1", "cov2", "cov3", "ms_t", "ms_tr", "ms_r")}}
    if len(names) > 1:
        out["tests"] = tests
        comp = result.comparison
        if comp is not None:
            diff = estimate_dict(comp.difference, notes, f"{where}: difference")
            out["difference"] = {"test_a": comp.test_a, "test_b": comp.test_b, "estimate": diff["estimate"],
                                 "se": diff["se"], "ci": diff["ci"], "f": num(comp.f_statistic),
                                 "df_numerator": num(comp.df_numerator),
                                 "df_denominator": num(comp.df_denominator), "p": num(comp.p_value)}
        if result.global_test is not None:
            f, d1, d2, p = result.global_test
            out["global_test"] = {"f": num(f), "df_numerator": num(d1), "df_denominator": num(d2), "p": num(p)}
    return out


def equivalence(mrmc_section: dict[str, Any] | None, *, margin: float, notes: Notes,
                prefix: str) -> list[dict[str, Any]]:
    """TOST of each reader-averaged AUC within 0.5 +/- margin (equivalent = readers cannot tell)."""
    from turingview.stats import equivalence as eq

    if not mrmc_section:
        return []
    rows = mrmc_section.get("tests") or [{"test": None, **{k: mrmc_section[k] for k in ("auc", "se", "df")}}]
    out = []
    for row in rows:
        where = f"{prefix}equivalence" + (f": test {row['test']}" if row.get("test") else "")
        if row["auc"] is None or row["se"] is None:
            notes.add(where, "no reader-averaged AUC with a standard error to test")
            out.append({"test": row.get("test"), "margin": margin, "auc": row["auc"], "equivalent": None,
                        "p_value": None, "ci": None, "lower_bound": 0.5 - margin, "upper_bound": 0.5 + margin})
            continue
        res = notes.guard(where, lambda row=row: eq.tost_auc(row["auc"], row["se"], row["df"], margin=margin))
        if res is None:
            continue
        if res.note:
            notes.add(where, res.note)
        out.append({"test": row.get("test"), "margin": float(margin), "auc": num(res.estimate),
                    "se": num(res.se), "df": num(res.df), "lower_bound": num(res.lower_bound),
                    "upper_bound": num(res.upper_bound), "p_lower": num(res.p_lower), "p_upper": num(res.p_upper),
                    "p_value": num(res.p_value), "ci": pair(res.ci), "ci_level": num(1 - 2 * res.alpha),
                    "equivalent": bool(res.equivalent), "method": res.method})
    return out


def distributions(frame: pd.DataFrame, *, scale_k: int, notes: Notes, prefix: str) -> dict[str, Any]:
    """Score histograms per truth class and per generator, and the Mann-Whitney test real vs synthetic."""
    from turingview.stats import distributions as dist

    data = first_reads(frame)
    def hist(scores: np.ndarray) -> dict[str, Any]:
        h = dist.score_histogram(scores, k=scale_k)
        return {"categories": list(h.categories), "counts": list(h.counts),
                "proportions": [num(p) for p in h.proportions], "n": h.n}

    out: dict[str, Any] = {"all": hist(data["score"].to_numpy(float))}
    if data["truth"].isna().all():
        return out
    real = data.loc[data["truth"] == "real", "score"].to_numpy(float)
    synth = data.loc[data["truth"] == "synthetic", "score"].to_numpy(float)
    out["by_truth"] = {"real": hist(real), "synthetic": hist(synth)}
    if "generator" in data.columns:
        gens = sorted({g for g in data.loc[data["truth"] == "synthetic", "generator"]}, key=natural_key)
        out["by_generator"] = {
            (g or "(unnamed)"): hist(data.loc[(data["truth"] == "synthetic") & (data["generator"] == g),
                                              "score"].to_numpy(float)) for g in gens}
    where = f"{prefix}distributions: Mann-Whitney"
    mw = notes.guard(where, lambda: dist.mann_whitney(real, synth))
    out["mann_whitney"] = estimate_dict(mw, notes, where) if mw is not None else None
    return out
