"""Tidy tables (one row per observation, one column per variable) built from ``results.json``.

Each table is written as ``tables/<name>.csv`` and as a sheet of ``results.xlsx``. The tables carry exactly
the numbers of ``results.json``; nothing is recomputed here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

#: Table name -> one-line description (README sheet of the workbook, docs/analysis.md).
TABLE_DESCRIPTIONS: dict[str, str] = {
    "per_reader": "detection per reader (and condition): AUC (DeLong), sensitivity, specificity, accuracy",
    "pooled": "detection over all first reads of all readers",
    "per_generator": "per generator: fooling rate, sensitivity, AUC of its synthetic cases vs all real cases",
    "agreement": "inter-reader agreement: Fleiss' kappa, Krippendorff's alpha, Gwet's AC1/AC2",
    "agreement_pairs": "Cohen's kappa per reader pair: unweighted, linear and quadratic weights",
    "intra_reader": "intra-reader (test-retest) kappa from repeated reads",
    "mrmc": "Obuchowski-Rockette/Hillis reader-averaged AUC per condition, and the difference",
    "equivalence": "TOST equivalence of the reader-averaged AUC to 0.5 within the margin",
    "roc_paired": "paired DeLong comparison of two conditions, per reader",
    "distributions": "score histograms per truth class and per generator",
    "roc_curves": "empirical ROC operating points per reader",
    "subgroups": "headline statistics per subgroup level",
    "notes": "degenerate or undefined answers and their reasons",
    "conventions": "scale, truth, AUC, call threshold and weighting conventions",
    "provenance": "input hash, study, seed, audit chain head, software versions",
}

_CI_SUFFIX = "_ci"


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, list) and len(value) == 2 and (key.endswith(_CI_SUFFIX) or key.endswith("_exact")
                                                           or key == "ci"):
            out[f"{key}_low"], out[f"{key}_high"] = value
        elif isinstance(value, dict):
            for sub, v in _flatten(value).items():
                out[f"{key}_{sub}"] = v
        elif isinstance(value, list):
            continue
        else:
            out[key] = value
    return out


def _agreement_rows(agreement: dict[str, Any] | None, test: str | None) -> list[dict[str, Any]]:
    if not agreement:
        return []
    rows = []
    for name, label in (("fleiss_kappa", "Fleiss' kappa"), ("gwet_ac1", "Gwet's AC1"),
                        ("gwet_ac2", "Gwet's AC2 (quadratic)")):
        ci = agreement.get(f"{name}_ci") or [None, None]
        rows.append({"test": test, "statistic": label, "estimate": agreement.get(name),
                     "se": agreement.get(f"{name}_se"), "ci_low": ci[0], "ci_high": ci[1],
                     "z": agreement.get("fleiss_kappa_z") if name == "fleiss_kappa" else None,
                     "p": agreement.get("fleiss_kappa_p") if name == "fleiss_kappa" else None})
    for level, value in (agreement.get("krippendorff_alpha") or {}).items():
        detail = (agreement.get("krippendorff_alpha_detail") or {}).get(level) or {}
        ci = detail.get("ci") or [None, None]
        rows.append({"test": test, "statistic": f"Krippendorff's alpha ({level})", "estimate": value,
                     "se": detail.get("se"), "ci_low": ci[0], "ci_high": ci[1], "z": None, "p": None})
    return rows


def tidy_tables(results: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Build every tidy table from a results dict (as written to ``results.json``)."""
    t: dict[str, pd.DataFrame] = {}
    t["per_reader"] = pd.DataFrame([_flatten(r) for r in results.get("per_reader", [])])
    pooled = results.get("pooled")
    if isinstance(pooled, dict) and pooled and "n_ratings" not in pooled:
        t["pooled"] = pd.DataFrame([_flatten(dict(v, test=k)) for k, v in pooled.items() if v])
    else:
        t["pooled"] = pd.DataFrame([_flatten(pooled)] if pooled else [])
    t["per_generator"] = pd.DataFrame([_flatten(r) for r in results.get("per_generator", [])])
    agreement = results.get("agreement") or {}
    by_test = agreement.get("by_test")
    if by_test:
        rows = [r for test, a in by_test.items() for r in _agreement_rows(a, test)]
        pairs = [dict(p, test=test) for test, a in by_test.items() for p in a.get("pairs", [])]
    else:
        rows, pairs = _agreement_rows(agreement, None), list(agreement.get("pairs", []))
    t["agreement"] = pd.DataFrame(rows)
    t["agreement_pairs"] = pd.DataFrame([_flatten(p) for p in pairs])
    t["intra_reader"] = pd.DataFrame([_flatten(r) for r in results.get("intra_reader", [])])
    t["mrmc"] = _mrmc_table(results.get("mrmc"))
    t["equivalence"] = pd.DataFrame([_flatten(r) for r in results.get("equivalence", [])])
    t["roc_paired"] = pd.DataFrame([_flatten(r) for r in results.get("roc_paired", [])])
    t["distributions"] = _distribution_table(results.get("distributions") or {})
    t["roc_curves"] = pd.DataFrame([
        {"reader": c["reader"], "test": c["test"], "point": i, "fpr": x, "tpr": y,
         "threshold": c["thresholds"][i] if i < len(c.get("thresholds") or []) else None}
        for c in results.get("roc_curves", []) for i, (x, y) in enumerate(zip(c["fpr"], c["tpr"], strict=True))])
    t["subgroups"] = _subgroup_table(results.get("subgroups") or {})
    t["notes"] = pd.DataFrame(results.get("notes", []), columns=["where", "reason"])
    t["conventions"] = pd.DataFrame([{"item": k, "value": str(v)} for k, v in results["conventions"].items()])
    prov = _flatten(results.get("provenance", {}))
    t["provenance"] = pd.DataFrame([{"item": k, "value": "" if v is None else str(v)} for k, v in prov.items()])
    return t


def _mrmc_table(mrmc: dict[str, Any] | None) -> pd.DataFrame:
    if not mrmc:
        return pd.DataFrame()
    rows = []
    tests = mrmc.get("tests") or [dict(mrmc, test=None)]
    for t in tests:
        ci = t.get("ci") or [None, None]
        rows.append({"row": "auc", "test": t.get("test"), "estimate": t.get("auc"), "se": t.get("se"),
                     "ci_low": ci[0], "ci_high": ci[1], "df": t.get("df"), "f": None, "p": None,
                     "method": t.get("method")})
    diff = mrmc.get("difference")
    if diff:
        ci = diff.get("ci") or [None, None]
        rows.append({"row": "difference", "test": f"{diff['test_a']} - {diff['test_b']}",
                     "estimate": diff["estimate"], "se": diff.get("se"), "ci_low": ci[0], "ci_high": ci[1],
                     "df": diff.get("df_denominator"), "f": diff.get("f"), "p": diff.get("p"),
                     "method": "OR/Hillis F test"})
    return pd.DataFrame(rows)


def _distribution_table(dist: dict[str, Any]) -> pd.DataFrame:
    rows = []

    def add(group: str, level: str, h: dict[str, Any]) -> None:
        for c, n, p in zip(h["categories"], h["counts"], h["proportions"], strict=True):
            rows.append({"group": group, "level": level, "score": c, "count": n, "proportion": p})

    if "all" in dist:
        add("all", "all", dist["all"])
    for level, h in (dist.get("by_truth") or {}).items():
        add("truth", level, h)
    for level, h in (dist.get("by_generator") or {}).items():
        add("generator", level, h)
    return pd.DataFrame(rows)


def _subgroup_table(subgroups: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for column, by_level in subgroups.items():
        for level, res in by_level.items():
            pooled = res.get("pooled") or {}
            if pooled and "n_ratings" not in pooled:
                pooled = next(iter(pooled.values())) or {}
            mrmc = res.get("mrmc") or {}
            agreement = res.get("agreement") or {}
            alpha = agreement.get("krippendorff_alpha") or {}
            fool = pooled.get("fooling_rate") or {}
            rows.append({
                "column": column, "level": level, "n_ratings": pooled.get("n_ratings"),
                "n_cases": pooled.get("n_cases"), "mrmc_auc": mrmc.get("auc"),
                "mrmc_ci_low": (mrmc.get("ci") or [None, None])[0], "mrmc_ci_high": (mrmc.get("ci") or [None, None])[1],
                "sensitivity": pooled.get("sensitivity"), "specificity": pooled.get("specificity"),
                "accuracy": pooled.get("accuracy"), "fooling_rate": fool.get("estimate"),
                "fleiss_kappa": agreement.get("fleiss_kappa"), "krippendorff_alpha_ordinal": alpha.get("ordinal"),
                "gwet_ac1": agreement.get("gwet_ac1")})
    return pd.DataFrame(rows)


def write_csv_tables(frames: dict[str, pd.DataFrame], folder: Path) -> list[Path]:
    """Write each table as ``<folder>/<name>.csv`` (UTF-8, header row, empty field = not available)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths


def write_xlsx(frames: dict[str, pd.DataFrame], path: Path, results: dict[str, Any]) -> None:
    """Write a workbook with a README sheet (conventions, provenance, table list) and a sheet per table."""
    from turingview.export.xlsx import write_xlsx as write_book

    readme = [("TuringView analysis", ""), ("input", results["provenance"].get("input")),
              ("input SHA-256", results["provenance"].get("input_sha256")), ("", "")]
    readme += [(f"convention: {k}", str(v)) for k, v in results["conventions"].items()]
    readme += [("", "")] + [(f"sheet {name}", TABLE_DESCRIPTIONS.get(name, "")) for name in frames]
    sheets = [("README", pd.DataFrame(readme, columns=["item", "value"])), *frames.items()]
    write_book(sheets, path)
