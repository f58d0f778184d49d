"""Detection sections of ``results.json``: per reader, pooled, per generator, ROC curves, paired DeLong.

Arranges data and calls :mod:`turingview.stats`; no statistic is computed here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from turingview.export.frames import Matrix, first_reads, natural_key
from turingview.export.jsonsafe import Notes, estimate_dict, estimate_fields, num, pair


def _labels(is_real: np.ndarray) -> np.ndarray:
    return np.where(is_real, "real", "synthetic")


def _detection(scores: np.ndarray, is_real: np.ndarray, threshold: int, notes: Notes, where: str) -> dict[str, Any]:
    """AUC (DeLong), sensitivity, specificity, accuracy (Wilson and Clopper-Pearson) and the binomial test."""
    from turingview.stats import detection

    result = notes.guard(where, lambda: detection.detection_summary(scores, _labels(is_real), threshold=threshold))
    out: dict[str, Any] = {}
    out.update(estimate_fields(None if result is None else result.auc, "auc", notes, f"{where}: AUC"))
    for name in ("sensitivity", "specificity", "accuracy"):
        est = None if result is None else getattr(result, name)
        fields = estimate_fields(est, name, notes, f"{where}: {name}")
        out[name], out[f"{name}_ci"] = fields[name], fields[f"{name}_ci"]
        out[f"{name}_ci_exact"] = None if result is None else pair(getattr(result, f"{name}_exact_ci"))
    if result is None:
        out.update({"binomial_p": None, "n_real": None, "n_synthetic": None, "tp": None, "fn": None,
                    "tn": None, "fp": None})
        return out
    out["binomial_p"] = num(result.accuracy.p_value)
    out.update({"n_real": result.n_real, "n_synthetic": result.n_synthetic, "tp": result.tp, "fn": result.fn,
                "tn": result.tn, "fp": result.fp})
    return out


def reader_rows(mat: Matrix, *, test: str | None, threshold: int, notes: Notes, prefix: str) -> list[dict[str, Any]]:
    """One ``per_reader`` entry per reader of one condition."""
    rows = []
    for i, reader in enumerate(mat.readers):
        where = f"{prefix}reader {reader}" + (f" test {test}" if test else "")
        read = ~np.isnan(mat.scores[i])
        scores = mat.scores[i, read]
        row: dict[str, Any] = {"reader": reader, "test": test, "n_cases": int(read.sum())}
        if mat.is_real is None:
            row.update(dict.fromkeys(("auc", "auc_se", "auc_ci", "sensitivity", "sensitivity_ci", "specificity",
                                      "specificity_ci", "accuracy", "accuracy_ci", "binomial_p")))
            rows.append(row)
            continue
        row.update(_detection(scores, mat.is_real[read], threshold, notes, where))
        rows.append(row)
    if mat.is_real is None:
        notes.add(f"{prefix}per_reader", "no truth column: detection and ROC statistics are not computed")
    return rows


def pooled(frame: pd.DataFrame, *, threshold: int, notes: Notes, prefix: str) -> dict[str, Any] | None:
    """Detection over all first reads of all readers (readings treated as independent: see docs)."""
    data = first_reads(frame)
    if data["truth"].isna().all():
        return None
    scores = data["score"].to_numpy(dtype=float)
    is_real = (data["truth"] == "real").to_numpy()
    out: dict[str, Any] = {"n_ratings": len(data), "n_readers": int(data["reader"].nunique()),
                           "n_cases": int(data["case"].nunique())}
    out.update(_detection(scores, is_real, threshold, notes, f"{prefix}pooled"))
    out["fooling_rate"] = _fooling(scores, is_real, threshold, notes, f"{prefix}pooled: fooling rate")
    return out


def _fooling(scores: np.ndarray, is_real: np.ndarray, threshold: int, notes: Notes, where: str) -> dict | None:
    from turingview.stats import detection

    synth = scores[~is_real]
    est = notes.guard(where, lambda: detection.fooling_rate(synth, threshold=threshold))
    return estimate_dict(est, notes, where)


def per_generator(frame: pd.DataFrame, *, threshold: int, notes: Notes, prefix: str) -> list[dict[str, Any]]:
    """Per generator: fooling rate, sensitivity and AUC of its synthetic cases against all real cases."""
    data = first_reads(frame)
    if "generator" not in data.columns or data["truth"].isna().all():
        return []
    synth = data[data["truth"] == "synthetic"]
    real_scores = data.loc[data["truth"] == "real", "score"].to_numpy(dtype=float)
    out = []
    names = sorted((g for g in synth["generator"].unique()), key=natural_key)
    for gen in names:
        label = gen or "(unnamed)"
        where = f"{prefix}generator {label}"
        g_scores = synth.loc[synth["generator"] == gen, "score"].to_numpy(dtype=float)
        row: dict[str, Any] = {"generator": label, "n_ratings": len(g_scores),
                               "n_cases": int(synth.loc[synth["generator"] == gen, "case"].nunique())}
        row["fooling_rate"] = _fooling(g_scores, np.zeros(len(g_scores), bool), threshold, notes,
                                       f"{where}: fooling rate")
        both = np.concatenate([real_scores, g_scores])
        truth = np.concatenate([np.ones(len(real_scores), bool), np.zeros(len(g_scores), bool)])
        det = _detection(both, truth, threshold, notes, where)
        row.update({k: det[k] for k in ("auc", "auc_se", "auc_ci", "sensitivity", "sensitivity_ci",
                                        "sensitivity_ci_exact", "tp", "fn")})
        out.append(row)
    return out


def roc_curves(mat: Matrix, *, test: str | None, notes: Notes) -> list[dict[str, Any]]:
    """Empirical ROC operating points per reader (positive class = real, higher score = more real)."""
    from turingview.stats import roc

    if mat.is_real is None:
        return []
    out = []
    for i, reader in enumerate(mat.readers):
        read = ~np.isnan(mat.scores[i])
        s, t = mat.scores[i, read], mat.is_real[read]
        curve = notes.guard(f"reader {reader}: ROC curve", lambda s=s, t=t: roc.roc_curve(s[t], s[~t]))
        if curve is None:
            continue
        if curve.note:
            notes.add(f"reader {reader}: ROC curve", curve.note)
        fpr, tpr, thr = _curve_arrays(curve)
        out.append({"reader": reader, "test": test, "auc": num(curve.auc), "fpr": fpr, "tpr": tpr,
                    "thresholds": thr})
    return out


def _curve_arrays(curve: Any) -> tuple[list, list, list]:
    fpr, tpr, thr = curve.fpr, curve.tpr, curve.thresholds

    def lst(a: Any) -> list:
        return [] if a is None else [num(x) for x in np.asarray(a, dtype=float).tolist()]

    return lst(fpr), lst(tpr), lst(thr)


def paired_delong(mats: dict[str, Matrix], notes: Notes) -> list[dict[str, Any]]:
    """Per reader, paired DeLong comparison of the first two conditions on the cases read under both."""
    from turingview.stats import roc

    names = list(mats)
    if len(names) < 2:
        return []
    out = []
    a_name, b_name = names[0], names[1]
    if len(names) > 2:
        notes.add("roc_paired", f"{len(names)} conditions: the paired DeLong test compares the first two "
                                f"({a_name} vs {b_name})")
    a, b = mats[a_name], mats[b_name]
    shared_cases = [c for c in a.cases if c in set(b.cases)]
    ia = np.array([a.cases.index(c) for c in shared_cases], dtype=int)
    ib = np.array([b.cases.index(c) for c in shared_cases], dtype=int)
    if a.is_real is None:
        return []
    truth = a.is_real[ia]
    for reader in a.readers:
        if reader not in b.readers:
            continue
        sa = a.scores[a.readers.index(reader), ia]
        sb = b.scores[b.readers.index(reader), ib]
        both = ~np.isnan(sa) & ~np.isnan(sb)
        where = f"roc_paired: reader {reader}"
        t = truth[both]
        x, y = sa[both], sb[both]
        res = notes.guard(where, lambda x=x, y=y, t=t: roc.delong_paired(x[t], x[~t], y[t], y[~t]))
        row: dict[str, Any] = {"reader": reader, "test_a": a_name, "test_b": b_name, "n_cases": int(both.sum())}
        if res is None:
            row.update({"auc_a": None, "auc_b": None, "correlation": None, "difference": None})
        else:
            row.update({"auc_a": num(res.auc_a.estimate), "auc_b": num(res.auc_b.estimate),
                        "correlation": num(res.correlation),
                        "difference": estimate_dict(res.difference, notes, where)})
        out.append(row)
    return out
