"""Report sections (detection, agreement, subgroups, realism, notes, provenance) as formatted tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from turingview.export.report_model import Section, _table, fmt, fmt_ci, fmt_p

L, R = "LEFT", "RIGHT"


def detection_sections(results: dict[str, Any], figures: dict[str, Path]) -> list[Section]:
    """ROC/MRMC, per-reader detection, per-generator and distribution sections."""
    out = []
    sec = Section("Detection: can readers tell real from synthetic?")
    if not results["data"].get("has_truth"):
        sec.paragraphs.append("The ratings carry no truth column: detection, ROC and MRMC statistics need "
                              "real/synthetic labels and are not computed. Agreement statistics follow.")
    mrmc = results.get("mrmc")
    if mrmc and mrmc.get("auc") is not None:
        rows = [[t.get("test") or "all", fmt(t["auc"]), fmt(t["se"]), fmt_ci(t["ci"]), fmt(t.get("df"), 1)]
                for t in (mrmc.get("tests") or [dict(mrmc, test=None)])]
        diff = mrmc.get("difference")
        if diff:
            rows.append([f"{diff['test_a']} - {diff['test_b']}", fmt(diff["estimate"]), fmt(diff.get("se")),
                         fmt_ci(diff["ci"]), f"{fmt(diff.get('df_denominator'), 1)}  (F {fmt(diff['f'], 2)}, "
                                             f"p {fmt_p(diff['p'])})"])
        sec.tables.append(_table(
            f"Reader-averaged AUC, readers and cases random ({mrmc['n_readers']} readers, {mrmc['n_real']} real "
            f"and {mrmc['n_synthetic']} synthetic cases)",
            [("condition", 2.2, L), ("AUC", 1, R), ("SE", 1, R), ("95% CI", 1.8, R), ("df", 2.4, R)], rows,
            note=f"Method: {mrmc['method']}."))
    eq = results.get("equivalence") or []
    if eq:
        sec.tables.append(_table(
            "Equivalence to chance (TOST)", [("condition", 1.6, L), ("AUC", 0.9, R), ("bounds", 1.5, R),
                                             ("90% CI", 1.6, R), ("p", 0.9, R), ("equivalent", 1.0, L)],
            [[e.get("test") or "all", fmt(e.get("auc")), fmt_ci([e.get("lower_bound"), e.get("upper_bound")], 2),
              fmt_ci(e.get("ci")), fmt_p(e.get("p_value")), fmt(e.get("equivalent"))] for e in eq]))
    paired = [p for p in results.get("roc_paired") or [] if p.get("difference")]
    if paired:
        rows = [[p["reader"], fmt(p["n_cases"]), fmt(p.get("auc_a")), fmt(p.get("auc_b")),
                 f"{fmt(p['difference'].get('estimate'))} ({fmt_ci(p['difference'].get('ci'))})",
                 fmt(p['difference'].get('statistic'), 2), fmt_p(p['difference'].get('p_value'))] for p in paired]
        a, b = paired[0]["test_a"], paired[0]["test_b"]
        sec.tables.append(_table(f"Paired DeLong comparison per reader: {a} vs {b} on the same cases",
                                 [("reader", 1.3, L), ("n", 0.7, R), (f"AUC {a}", 1.2, R), (f"AUC {b}", 1.2, R),
                                  ("difference (95% CI)", 2.4, R), ("z", 0.8, R), ("p", 0.8, R)], rows))
    if "roc" in figures:
        sec.figures.append((figures["roc"], "Empirical ROC curves per reader (thin) and their vertical average "
                                            "(thick). Positive class = real."))
    per_reader = [r for r in results.get("per_reader") or [] if r.get("auc") is not None or r.get("accuracy")
                  is not None]
    if per_reader:
        has_test = any(r.get("test") for r in per_reader)
        spec = [("reader", 1.3, L)] + ([("test", 1.1, L)] if has_test else []) + [
            ("n", 0.7, R), ("AUC (95% CI)", 2.0, R), ("sensitivity (95% CI)", 2.0, R),
            ("specificity (95% CI)", 2.0, R), ("accuracy (95% CI)", 2.0, R), ("p", 0.8, R)]
        rows = [[r["reader"]] + ([r.get("test") or ""] if has_test else []) + [
            fmt(r["n_cases"]), _ci_cell(r, "auc"), _ci_cell(r, "sensitivity"), _ci_cell(r, "specificity"),
            _ci_cell(r, "accuracy"), fmt_p(r.get("binomial_p"))] for r in per_reader]
        sec.tables.append(_table("Detection per reader (AUC: DeLong; proportions: Wilson; p: exact binomial "
                                 "test of accuracy = 0.5)", spec, rows))
    pooled = results.get("pooled")
    if pooled:
        items = pooled.items() if "n_ratings" not in pooled else [(None, pooled)]
        rows = [[t or "all", fmt(p["n_ratings"]), _ci_cell(p, "auc"), _ci_cell(p, "sensitivity"),
                 _ci_cell(p, "specificity"), _ci_cell(p, "accuracy"),
                 _est_cell(p.get("fooling_rate"))] for t, p in items if p]
        sec.tables.append(_table("Pooled over readers (readings treated as independent)",
                                 [("condition", 1.2, L), ("readings", 1.0, R), ("AUC", 2.0, R), ("sensitivity", 2.0, R),
                                  ("specificity", 2.0, R), ("accuracy", 2.0, R), ("fooling rate", 2.0, R)], rows))
    out.append(sec)
    gens = results.get("per_generator") or []
    if gens:
        sec = Section("Per generator")
        has_test = any(g.get("test") for g in gens)
        spec = [("generator", 2.0, L)] + ([("test", 1.0, L)] if has_test else []) + [
            ("readings", 1.0, R), ("fooling rate (95% CI)", 2.4, R), ("sensitivity (95% CI)", 2.4, R),
            ("AUC vs real (95% CI)", 2.4, R)]
        rows = [[g["generator"]] + ([g.get("test") or ""] if has_test else []) + [
            fmt(g["n_ratings"]), _est_cell(g.get("fooling_rate")), _ci_cell(g, "sensitivity"), _ci_cell(g, "auc")]
            for g in gens]
        sec.tables.append(_table("Fooling rate and detection of each generator's images against all real images",
                                 spec, rows))
        if "fooling" in figures:
            sec.figures.append((figures["fooling"], "Fooling rate per generator with 95% Wilson intervals."))
        out.append(sec)
    dist = results.get("distributions") or {}
    sec = Section("Score distributions")
    if dist.get("by_truth"):
        h = dist["by_truth"]
        cats = h["real"]["categories"]
        rows = [[label, fmt(h[label]["n"])] + [f"{c} ({p * 100:.1f}%)" if p is not None else fmt(c) for c, p in
                                               zip(h[label]["counts"], h[label]["proportions"], strict=True)]
                for label in ("real", "synthetic")]
        for gen, gh in (dist.get("by_generator") or {}).items():
            rows.append([f"synthetic: {gen}", fmt(gh["n"])] + [
                f"{c} ({p * 100:.1f}%)" if p is not None else fmt(c)
                for c, p in zip(gh["counts"], gh["proportions"], strict=True)])
        sec.tables.append(_table("Readings per score", [("group", 2.2, L), ("n", 0.8, R)] +
                                 [(f"score {c}", 1.3, R) for c in cats], rows))
        mw = dist.get("mann_whitney")
        if mw:
            sec.paragraphs.append(f"Mann-Whitney test of real versus synthetic scores (two-sided): "
                                  f"U = {fmt(mw['estimate'], 1)}, p {fmt_p(mw.get('p_value'))}. "
                                  f"U divided by (n real x n synthetic) is the pooled detection AUC.")
    elif dist.get("all"):
        h = dist["all"]
        sec.tables.append(_table("Readings per score (all readings; no truth column)",
                                 [("group", 2.2, L), ("n", 0.8, R)] + [(f"score {c}", 1.3, R) for c in h["categories"]],
                                 [["all", fmt(h["n"])] + [f"{c} ({p * 100:.1f}%)" if p is not None else fmt(c)
                                                          for c, p in zip(h["counts"], h["proportions"],
                                                                          strict=True)]]))
    if "histogram" in figures:
        sec.figures.append((figures["histogram"], "Share of readings per score, real vs synthetic."))
    if sec.tables or sec.figures:
        out.append(sec)
    return out


def _ci_cell(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    if value is None:
        return "\u2013"
    return f"{fmt(value)} ({fmt_ci(row.get(f'{name}_ci'))})"


def _est_cell(est: dict[str, Any] | None) -> str:
    if not est or est.get("estimate") is None:
        return "\u2013"
    return f"{fmt(est['estimate'])} ({fmt_ci(est.get('ci'))})"


def agreement_sections(results: dict[str, Any], figures: dict[str, Path]) -> list[Section]:
    """Agreement and intra-reader sections."""
    a = results.get("agreement") or {}
    sec = Section("Agreement between readers")
    if a and a.get("n_readers", 2) < 2:
        sec.paragraphs.append(f"Inter-reader agreement needs at least two readers; the data has "
                              f"{a.get('n_readers')}.")
    rows = []
    for name, label in (("fleiss_kappa", "Fleiss' kappa"), ("gwet_ac1", "Gwet's AC1"),
                        ("gwet_ac2", "Gwet's AC2 (quadratic weights)")):
        if name in a:
            extra = f"z = {fmt(a.get('fleiss_kappa_z'), 2)}, p {fmt_p(a.get('fleiss_kappa_p'))}" \
                if name == "fleiss_kappa" and a.get("fleiss_kappa_z") is not None else ""
            rows.append([label, fmt(a.get(name)), fmt(a.get(f"{name}_se")), fmt_ci(a.get(f"{name}_ci")), extra])
    detail = a.get("krippendorff_alpha_detail") or {}
    for level, value in (a.get("krippendorff_alpha") or {}).items():
        d = detail.get(level) or {}
        rows.append([f"Krippendorff's alpha ({level})", fmt(value), fmt(d.get("se")), fmt_ci(d.get("ci")), ""])
    if rows and a.get("n_readers", 2) >= 2:
        title = "Multi-reader agreement over the scale 1..K" + (f" (condition {a['test']})" if a.get("test") else "")
        sec.tables.append(_table(title, [("statistic", 2.6, L), ("estimate", 1.0, R), ("SE", 0.9, R),
                                         ("95% CI", 1.6, R), ("test", 1.9, R)], rows))
    pairs = a.get("pairs") or []
    if pairs:
        rows = [[f"{p['reader_a']} / {p['reader_b']}", fmt(p["n_cases"]),
                 f"{fmt(p.get('kappa'))} ({fmt_ci(p.get('kappa_ci'))})",
                 f"{fmt(p.get('kappa_linear'))} ({fmt_ci(p.get('kappa_linear_ci'))})",
                 f"{fmt(p.get('kappa_quadratic'))} ({fmt_ci(p.get('kappa_quadratic_ci'))})"] for p in pairs]
        sec.tables.append(_table(f"Cohen's kappa per reader pair ({len(pairs)} pairs; 95% CI)",
                                 [("pair", 2.0, L), ("n", 0.7, R), ("unweighted", 2.2, R), ("linear", 2.2, R),
                                  ("quadratic", 2.2, R)], rows))
    if "kappa" in figures:
        sec.figures.append((figures["kappa"], "Quadratic-weighted Cohen's kappa for every reader pair."))
    out = [sec] if sec.tables or sec.paragraphs else []
    intra = results.get("intra_reader") or []
    sec = Section("Agreement of readers with themselves")
    if intra:
        sec.paragraphs.append("Cases shown twice to the same reader (repeat = 1) give test-retest agreement; the "
                              "repeated reads are excluded from every other statistic.")
        rows = [[r["reader"] + (f" ({r['test']})" if r.get("test") else ""), fmt(r["n_pairs"]),
                 f"{fmt(r.get('kappa'))} ({fmt_ci(r.get('kappa_ci'))})",
                 f"{fmt(r.get('kappa_quadratic'))} ({fmt_ci(r.get('kappa_quadratic_ci'))})"] for r in intra]
        sec.tables.append(_table("Intra-reader agreement (first vs repeated read of the same case)",
                                 [("reader", 2.0, L), ("pairs", 0.8, R), ("kappa (95% CI)", 2.4, R),
                                  ("quadratic kappa (95% CI)", 2.4, R)], rows))
        out.append(sec)
    return out


def other_sections(results: dict[str, Any], figures: dict[str, Path]) -> list[Section]:
    """Subgroups, realism check, notes and provenance."""
    out = []
    subs = results.get("subgroups") or {}
    rows = []
    for column, by_level in subs.items():
        for level, res in by_level.items():
            m = res.get("mrmc") or {}
            p = res.get("pooled") or {}
            if p and "n_ratings" not in p:
                p = next(iter(p.values())) or {}
            a = res.get("agreement") or {}
            rows.append([column, level, fmt(p.get("n_ratings")), f"{fmt(m.get('auc'))} ({fmt_ci(m.get('ci'))})",
                         fmt(p.get("accuracy")), _est_cell(p.get("fooling_rate")), fmt(a.get("fleiss_kappa")),
                         fmt((a.get("krippendorff_alpha") or {}).get("ordinal"))])
    if rows:
        sec = Section("Subgroups")
        sec.paragraphs.append("Every statistic is repeated per subgroup level in results.json (subgroups) and the "
                              "tables; for a generator the subset is its synthetic cases plus all real cases.")
        sec.tables.append(_table("Headline statistics per subgroup level",
                                 [("column", 1.2, L), ("level", 1.4, L), ("readings", 1.0, R),
                                  ("MRMC AUC (95% CI)", 2.3, R), ("accuracy", 1.0, R), ("fooling rate", 2.0, R),
                                  ("Fleiss", 0.9, R), ("alpha ord.", 1.0, R)], rows))
        out.append(sec)
    from turingview.export.report_realism import realism_sections

    out += realism_sections(results, figures)
    notes = results.get("notes") or []
    sec = Section("Notes on degenerate or undefined results")
    if notes:
        sec.tables.append(_table(f"{len(notes)} note(s)", [("where", 2.2, L), ("reason", 5.0, L)],
                                 [[n["where"], n["reason"]] for n in notes[:200]],
                                 note="" if len(notes) <= 200 else f"{len(notes) - 200} more in results.json"))
    else:
        sec.paragraphs.append("None: every statistic was defined for this data.")
    out.append(sec)
    prov = results["provenance"]
    sec = Section("Provenance")
    rows = [[_PROV_LABELS.get(k, k.replace("_", " ")), _prov_value(v)] for k, v in prov.items()
            if k not in ("software", "settings")]
    rows += [[f"setting: {k}", _prov_value(v)] for k, v in (prov.get("settings") or {}).items()]
    rows += [[f"software: {k}", v or "not installed"] for k, v in (prov.get("software") or {}).items()]
    sec.tables.append(_table("Data, study and software", [("item", 2.0, L), ("value", 5.2, L)], rows))
    out.append(sec)
    return out


_PROV_LABELS = {"input": "input", "input_sha256": "input SHA-256", "n_rows": "rows read",
                "generated_at": "generated", "source": "source", "study": "study", "study_uid": "study UID",
                "study_status": "study status", "seed": "randomisation seed", "audit_chain_head": "audit chain head",
                "audit_events": "audit events", "database": "database", "blinding_audit": "blinding audit"}


def _prov_value(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "; ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return "\u2013" if value is None else str(value)
