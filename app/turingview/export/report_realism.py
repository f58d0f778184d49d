"""The report's domain-classifier section: verdict, test table, concordance with the readers and the plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from turingview.export.report_model import Section, _table, fmt, fmt_ci, fmt_p

L, R = "LEFT", "RIGHT"
#: Rows of the "most detectable synthetic images" table.
TOP_ROWS = 10

_KEYS = ("auc", "auc_ci", "accuracy", "p_value", "n_test", "power", "control_auc", "lowpass_auc", "spectral_auc")
_LABELS = {"auc": "classifier AUC (real vs synthetic)", "auc_ci": "AUC 95% CI", "accuracy": "accuracy",
           "p_value": "C2ST p-value (H0: accuracy = 0.5)", "n_test": "held-out images", "power": "power",
           "control_auc": "control AUC (real vs real)", "lowpass_auc": "AUC after low-pass filtering",
           "spectral_auc": "AUC of spectral features"}


def realism_sections(results: dict[str, Any], figures: dict[str, Path]) -> list[Section]:
    """The realism section (verdict, reasons, warnings, test table, plots) and, when the per-image scores
    were joined to the ratings, the classifier-and-readers section right after it; none without a check."""
    realism = results.get("realism")
    if not realism:
        return []
    from turingview.export.realism_join import FIGURE_CAPTIONS

    sec = Section("Domain-classifier realism check")
    verdict = realism.get("verdict")
    if verdict:
        sec.paragraphs.append(f"Verdict: {verdict}. A small CNN, trained and tested in patient-grouped "
                              "cross-validation, tries to tell the study's synthetic images from its real ones.")
    sec.paragraphs += [f"\u2022 {r}" for r in realism.get("verdict_reasons") or [] if r]
    sec.paragraphs += [f"Warning: {w}" for w in realism.get("warnings") or [] if w]
    rows = [[_LABELS[k], fmt_ci(realism[k]) if k.endswith("_ci") else fmt_p(realism[k]) if k == "p_value"
             else fmt(realism[k])] for k in _KEYS if realism.get(k) is not None]
    if realism.get("error"):
        rows.append(["error", str(realism["error"])])
    sec.tables.append(_table("Classifier two-sample test (stored by turingview realism)",
                             [("quantity", 2.0, L), ("value", 2.0, R)], rows))
    for kind, caption in FIGURE_CAPTIONS.items():
        if f"realism_{kind}" in figures:
            sec.figures.append((figures[f"realism_{kind}"], caption))
    out = [sec]
    conc = results.get("realism_concordance")
    if conc is not None:
        out.append(_concordance(conc))
    return out


def _p(p: Any) -> str:
    text = fmt_p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _concordance(conc: dict[str, Any]) -> Section:
    sec = Section("Classifier and readers: do they find the same synthetic images?")
    n = conc.get("n") or 0
    head = (f"{fmt(n)} synthetic study images have both a classifier score and first reads "
            f"({fmt(conc.get('n_classifier_synthetic'))} scored by the classifier, "
            f"{fmt(conc.get('n_rated_synthetic'))} rated by readers).")
    if conc.get("rho") is None:
        sec.paragraphs.append(f"{head} Spearman's rho is not reported: {conc.get('note') or 'undefined'}.")
    else:
        p = conc.get("p_value")
        if p is None or p >= 0.05:
            agree = "no significant association between the two rankings at the 5% level"
        elif conc["rho"] < 0:
            agree = "the readers tend to score the images the classifier detects most easily lowest"
        else:
            agree = ("the classifier detects most easily the images readers find realistic (it keys on cues the "
                     "readers do not use)")
        sec.paragraphs.append(
            f"{head} Spearman's rho between p(synthetic) and the mean reader score = {fmt(conc['rho'])} "
            f"(95% CI {fmt_ci(conc.get('rho_ci'))}, {_p(conc.get('p_value'))}, n = {fmt(n)}): {agree}. "
            "A negative rho means both find the same images.")
    if n and conc.get("top_k"):
        k = conc["top_k"]
        text = (f"Of the classifier's {k} most detectable images, {conc['overlap']} are among the readers' {k} "
                f"lowest-scored ({fmt(conc.get('expected_overlap'), 1)} expected by chance, hypergeometric "
                f"{_p(conc.get('overlap_p'))}).")
        if conc.get("flag_rate_top_k") is not None:
            text += (f" Share of readers flagging an artefact: {fmt(conc['flag_rate_top_k'], 2)} on those {k}, "
                     f"{fmt(conc.get('flag_rate_rest'), 2)} on the other synthetic images.")
        sec.paragraphs.append(text)
    images = conc.get("images") or []
    if images:
        has_flags = any(i.get("flag_rate") is not None for i in images)
        spec = [("rank", 0.6, R), ("image (blinded id)", 1.6, L), ("case", 1.6, L), ("generator", 1.3, L),
                ("p(synthetic)", 1.1, R), ("mean reader score", 1.3, R), ("reader rank", 1.0, R),
                ("readings", 0.9, R)] + ([("flag rate", 0.9, R)] if has_flags else [])
        rows = [[fmt(i["classifier_rank"]), str(i["blinded_id"]), i.get("case_id") or "\u2013",
                 i.get("generator") or "\u2013", fmt(i["classifier_score"]), fmt(i["reader_mean_score"], 2),
                 fmt(i.get("reader_rank")), fmt(i.get("n_readings"))]
                + ([fmt(i.get("flag_rate"), 2)] if has_flags else []) for i in images[:TOP_ROWS]]
        sec.tables.append(_table(
            f"The {min(TOP_ROWS, len(images))} synthetic images the classifier detects most easily, with the "
            "readers' view of them", spec, rows,
            note="Reader rank 1 = the lowest mean score (judged least realistic). All joined images are in "
                 "results.json (realism_concordance.images)."))
    return sec
