"""The report's content as plain data, shared by the HTML and the PDF renderers.

:func:`build_report` turns ``results.json`` content into a title block, a summary and a list of
:class:`Section` objects holding formatted :class:`Table` rows, paragraphs and figure references. The two
renderers only lay this out, so the HTML and the PDF always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Table:
    """A formatted table: header, rows of strings, relative column widths, per-column alignment."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    widths: list[float]
    align: list[str]
    note: str = ""


@dataclass
class Section:
    """A report section."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[Path, str]] = field(default_factory=list)


def fmt(value: Any, digits: int = 3) -> str:
    """A number with ``digits`` decimals; an integer as is; ``None`` as an en dash."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u2009")
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_ci(ci: Any, digits: int = 3) -> str:
    """``[low, high]`` or an en dash."""
    if not ci or ci[0] is None or ci[1] is None:
        return "\u2013"
    return f"{ci[0]:.{digits}f} \u2013 {ci[1]:.{digits}f}"


def fmt_p(p: Any) -> str:
    """A p-value: ``< 0.001`` below one in a thousand, else 3 decimals."""
    if p is None:
        return "\u2013"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _table(title: str, spec: list[tuple[str, float, str]], rows: list[list[str]], note: str = "") -> Table:
    return Table(title, [s[0] for s in spec], rows, [s[1] for s in spec], [s[2] for s in spec], note)


def _summary(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    d = results["data"]
    rows.append(["Readings analysed", f"{fmt(d['n_first_reads'])} first reads ({fmt(d['n_readers'])} readers x "
                                      f"{fmt(d['n_cases'])} cases), {fmt(d['n_repeat_reads'])} repeat reads"])
    if d.get("has_truth"):
        rows.append(["Cases", f"{fmt(d['n_real_cases'])} real, {fmt(d['n_synthetic_cases'])} synthetic"])
    mrmc = results.get("mrmc") or {}
    if mrmc.get("auc") is not None:
        for t in mrmc.get("tests") or [dict(mrmc, test=None)]:
            label = "Reader-averaged AUC (OR-Hillis)" + (f", {t['test']}" if t.get("test") else "")
            rows.append([label, f"{fmt(t['auc'])} (95% CI {fmt_ci(t['ci'])}, df {fmt(t.get('df'), 1)})"])
    diff = mrmc.get("difference")
    if diff:
        rows.append([f"AUC difference {diff['test_a']} - {diff['test_b']}",
                     f"{fmt(diff['estimate'])} (95% CI {fmt_ci(diff['ci'])}, F = {fmt(diff['f'], 2)}, "
                     f"p {fmt_p(diff['p'])})"])
    for eq in results.get("equivalence") or []:
        verdict = "equivalent to chance" if eq.get("equivalent") else "not shown equivalent to chance"
        label = "Equivalence (TOST)" + (f", {eq['test']}" if eq.get("test") else "")
        rows.append([label, f"AUC within 0.5 \u00b1 {fmt(eq['margin'], 2)}: {verdict} "
                            f"(p {fmt_p(eq.get('p_value'))}, 90% CI {fmt_ci(eq.get('ci'))})"])
    pooled = results.get("pooled") or {}
    if pooled and "n_ratings" in pooled:
        rows.append(["Pooled accuracy", f"{fmt(pooled.get('accuracy'))} (95% CI {fmt_ci(pooled.get('accuracy_ci'))},"
                                        f" binomial p vs 0.5 {fmt_p(pooled.get('binomial_p'))})"])
        fr = pooled.get("fooling_rate") or {}
        if fr:
            rows.append(["Fooling rate", f"{fmt(fr.get('estimate'))} (95% CI {fmt_ci(fr.get('ci'))})"])
    a = results.get("agreement") or {}
    if a.get("fleiss_kappa") is not None:
        rows.append(["Fleiss' kappa", f"{fmt(a['fleiss_kappa'])} (95% CI {fmt_ci(a.get('fleiss_kappa_ci'))})"])
    alpha = (a.get("krippendorff_alpha") or {}).get("ordinal")
    if alpha is not None:
        rows.append(["Krippendorff's alpha (ordinal)", fmt(alpha)])
    return rows


def build_report(results: dict[str, Any], figures: dict[str, Path]) -> tuple[dict[str, Any], list[Section]]:
    """Return the title block (dict) and the sections of the report."""
    prov = results["provenance"]
    conv = results["conventions"]
    title = {"title": "Reader study analysis: real versus synthetic images",
             "subtitle": f"Study {prov['study']}" if prov.get("study") else f"Ratings file {prov.get('input')}",
             "hash": prov.get("input_sha256", ""), "summary": _summary(results),
             "generated": prov.get("generated_at", "")}
    sections: list[Section] = []
    sec = Section("Conventions")
    sec.paragraphs = [f"Scale: {conv['scale_meaning']}.", conv["auc"][0].upper() + conv["auc"][1:] + ".",
                      f"Call rule: {conv['call_rule']}; sensitivity = {conv['sensitivity']}; "
                      f"specificity = {conv['specificity']}; fooling rate = {conv['fooling_rate']}.",
                      f"Agreement: {conv['kappa_weights']}.", f"Equivalence: {conv['equivalence']}.",
                      f"Analysis set: {conv['analysis_set']}. {conv['pooled_note']}.",
                      "Confidence intervals are 95% two-sided unless stated: Wilson score intervals for proportions "
                      "(Clopper-Pearson exact intervals in the tables and results.json), DeLong for single-reader "
                      "AUCs, Obuchowski-Rockette with Hillis denominator degrees of freedom for the reader-averaged "
                      "AUC."]
    sections.append(sec)
    from turingview.export import report_sections as rs

    sections += rs.detection_sections(results, figures)
    sections += rs.agreement_sections(results, figures)
    sections += rs.other_sections(results, figures)
    for number, section in enumerate(sections, start=1):
        section.title = f"{number}. {section.title}"
    return title, sections
