"""Agreement sections of ``results.json``: pairwise Cohen, Fleiss, Krippendorff, Gwet, intra-reader.

Arranges data and calls :mod:`turingview.stats.agreement`; no statistic is computed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from turingview.export.frames import Matrix, natural_key
from turingview.export.jsonsafe import Notes, estimate_dict, num, pair


def agreement(mat: Matrix, *, scale_k: int, notes: Notes, prefix: str) -> dict[str, Any]:
    """Inter-reader agreement over the first reads of one condition (all scale points 1..K as categories)."""
    from turingview.stats import agreement as ag

    categories = list(range(1, scale_k + 1))
    where = f"{prefix}agreement"
    out: dict[str, Any] = {"n_readers": len(mat.readers), "n_cases": len(mat.cases)}
    if len(mat.readers) < 2:
        notes.add(where, f"{len(mat.readers)} reader: inter-reader agreement needs at least 2 readers")
        out.update({"fleiss_kappa": None, "fleiss_kappa_se": None, "fleiss_kappa_ci": None, "fleiss_kappa_z": None,
                    "fleiss_kappa_p": None, "krippendorff_alpha": {"nominal": None, "ordinal": None,
                                                                   "interval": None},
                    "gwet_ac1": None, "gwet_ac1_se": None, "gwet_ac1_ci": None, "gwet_ac2": None,
                    "gwet_ac2_se": None, "gwet_ac2_ci": None, "pairs": []})
        return out
    subjects_x_raters = mat.scores.T
    fleiss = notes.guard(f"{where}: Fleiss' kappa",
                         lambda: ag.fleiss_kappa(subjects_x_raters, categories=categories))
    out.update(_flat(fleiss, "fleiss_kappa", notes, f"{where}: Fleiss' kappa"))
    out["fleiss_kappa_z"] = None if fleiss is None else num(fleiss.statistic)
    out["fleiss_kappa_p"] = None if fleiss is None else num(fleiss.p_value)
    alphas: dict[str, Any] = {}
    alpha_detail: dict[str, Any] = {}
    for level in ("nominal", "ordinal", "interval"):
        w = f"{where}: Krippendorff's alpha ({level})"
        est = notes.guard(w, lambda level=level: ag.krippendorff_alpha(mat.scores, level=level,
                                                                       categories=categories))
        value = _value(est)
        alphas[level] = value
        alpha_detail[level] = estimate_dict(est, notes, w) if hasattr(est, "estimate") else None
        if est is not None and value is None:
            notes.add(w, "alpha undefined for this data (no variation or no pairable values)")
    out["krippendorff_alpha"] = alphas
    out["krippendorff_alpha_detail"] = alpha_detail
    for weights, name in (("none", "gwet_ac1"), ("quadratic", "gwet_ac2")):
        w = f"{where}: Gwet's {'AC1' if weights == 'none' else 'AC2 (quadratic weights)'}"
        est = notes.guard(w, lambda weights=weights: ag.gwet_ac(subjects_x_raters, categories=categories,
                                                                weights=weights))
        out.update(_flat(est, name, notes, w))
    out["pairs"] = pairwise(mat, categories=categories, notes=notes, where=where)
    return out


def _value(est: Any) -> float | None:
    if est is None:
        return None
    return num(est.estimate) if hasattr(est, "estimate") else num(est)


def _flat(est: Any, name: str, notes: Notes, where: str) -> dict[str, Any]:
    if est is None:
        return {name: None, f"{name}_se": None, f"{name}_ci": None}
    if getattr(est, "note", ""):
        notes.add(where, est.note)
    value = num(est.estimate)
    if value is None:
        notes.add(where, getattr(est, "note", "") or "undefined for this data")
    return {name: value, f"{name}_se": num(est.se), f"{name}_ci": pair((est.ci_low, est.ci_high))}


def pairwise(mat: Matrix, *, categories: list[int], notes: Notes, where: str) -> list[dict[str, Any]]:
    """Cohen's kappa (unweighted, linear, quadratic) for every reader pair on the cases both read."""
    from turingview.stats import agreement as ag

    cases_x_readers = mat.scores.T
    by_weight = {}
    for weights in ("none", "linear", "quadratic"):
        by_weight[weights] = notes.guard(f"{where}: pairwise kappa ({weights})", lambda weights=weights: (
            ag.pairwise_kappas(cases_x_readers, list(mat.readers), categories=categories, weights=weights))) or []
    read = ~np.isnan(mat.scores)
    ia, ib = np.triu_indices(len(mat.readers), 1)
    counts = (read[ia] & read[ib]).sum(axis=1)
    out = []
    for p, (a, b, n) in enumerate(zip(ia.tolist(), ib.tolist(), counts.tolist(), strict=True)):
        row: dict[str, Any] = {"reader_a": mat.readers[a], "reader_b": mat.readers[b], "n_cases": int(n)}
        w = f"{where}: pair {mat.readers[a]}-{mat.readers[b]}"
        for weights, key in (("none", "kappa"), ("linear", "kappa_linear"), ("quadratic", "kappa_quadratic")):
            results = by_weight[weights]
            est = results[p].kappa if p < len(results) else None
            row.update(_flat(est, key, notes, f"{w} ({weights})"))
            if est is not None:
                row[f"{key}_z"], row[f"{key}_p"] = num(est.statistic), num(est.p_value)
        out.append(row)
    return out


def intra_reader(frame: pd.DataFrame, *, scale_k: int, notes: Notes, prefix: str) -> list[dict[str, Any]]:
    """Per reader (and condition), kappa between the first and the repeated read of the same cases."""
    from turingview.stats import agreement as ag

    categories = list(range(1, scale_k + 1))
    rep = frame[frame["repeat"] == 1]
    if rep.empty:
        return []
    first = frame[frame["repeat"] == 0].set_index(["reader", "test", "case"])["score"]
    second = rep.set_index(["reader", "test", "case"])["score"]
    joined = pd.concat({"first": first, "second": second}, axis=1, join="inner").reset_index()
    out = []
    keys = sorted({(r, t) for r, t in zip(rep["reader"], rep["test"], strict=True)},
                  key=lambda k: (natural_key(k[0]), natural_key(k[1])))
    for reader, test in keys:
        part = joined[(joined["reader"] == reader) & (joined["test"] == test)]
        where = f"{prefix}intra_reader: reader {reader}" + (f" test {test}" if test else "")
        row: dict[str, Any] = {"reader": reader, "test": test or None, "n_pairs": len(part)}
        if part.empty:
            notes.add(where, "repeated reads have no matching first read of the same case")
        f, s = part["first"].to_numpy(int), part["second"].to_numpy(int)
        for weights, key in (("none", "kappa"), ("linear", "kappa_linear"), ("quadratic", "kappa_quadratic")):
            est = None
            if len(part):
                est = notes.guard(f"{where} ({weights})", lambda weights=weights, f=f, s=s: _intra(
                    ag, f, s, categories, weights))
            row.update(_flat(est, key, notes, f"{where} ({weights})"))
        out.append(row)
    return out


def _intra(ag: Any, first: np.ndarray, second: np.ndarray, categories: list[int], weights: str) -> Any:
    return ag.intra_reader_kappa(first, second, categories=categories, weights=weights)
