"""``run_analysis``: the whole analysis of a ratings table, written to a folder.

It validates the table, calls the statistics (:mod:`turingview.stats`) section by section, writes
``results.json`` (strict JSON, validated against ``results.schema.json``), the tidy CSV tables, the XLSX
workbook, the iMRMC and RJafroc exports, and the HTML and PDF reports. Outputs are written to a staging
folder and moved into place only when everything succeeded, so a failed or cancelled run leaves nothing
half-written. The command line (``turingview analyze``) and the coordinator console both call it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from turingview.core.errors import CancelledError, InvalidInputError, TuringViewError
from turingview.export import compute_agreement as cag
from turingview.export import compute_detection as cdet
from turingview.export import compute_mrmc as cmr
from turingview.export.frames import conditions, levels, matrix, subgroup_subset
from turingview.export.jsonsafe import Notes, strict
from turingview.export.ratings import RatingsTable, load_ratings_csv, load_ratings_records

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
SCHEMA_VERSION = "1.0"


def results_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that every ``results.json`` satisfies (``results.schema.json``)."""
    from importlib import resources

    return json.loads(resources.files("turingview.export").joinpath("results.schema.json").read_text("utf-8"))


def conventions(scale_k: int, threshold: int, margin: float) -> dict[str, Any]:
    """The conventions block written into every output."""
    return {
        "scale": [1, scale_k],
        "scale_meaning": f"ordinal 1..{scale_k}: 1 = definitely synthetic / implausible, "
                         f"{scale_k} = definitely real / fully plausible",
        "truth_labels": ["real", "synthetic"],
        "auc": "detection AUC = P(score of a real case > score of a synthetic case) + 0.5 P(tie); "
               "0.5 = readers cannot tell real from synthetic",
        "threshold": threshold,
        "call_rule": f"a reading is called synthetic when its score <= {threshold}",
        "sensitivity": "synthetic cases called synthetic / synthetic cases",
        "specificity": "real cases not called synthetic / real cases",
        "fooling_rate": "synthetic cases not called synthetic (score > threshold) / synthetic cases",
        "kappa_weights": f"weighted kappa weights over the declared scale 1..{scale_k} "
                         "(linear: 1 - |i-j|/(K-1); quadratic: 1 - ((i-j)/(K-1))^2)",
        "equivalence_margin": margin,
        "equivalence": f"TOST: reader-averaged AUC within 0.5 +/- {margin} at alpha 0.05 (90% CI inside bounds)",
        "confidence_level": 0.95,
        "pooled_note": "pooled proportions treat every reading as independent (readers x cases); "
                       "the MRMC analysis accounts for reader and case variability",
        "analysis_set": "first reads (repeat = 0); repeated reads feed intra-reader agreement only",
    }


def _check(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("analysis cancelled; nothing was written")


def analyse_table(table: RatingsTable, *, threshold: int, margin: float, prefix: str = "",
                  notes: Notes, subgroups: bool = True, progress: Progress | None = None,
                  cancel: Cancel | None = None) -> dict[str, Any]:
    """Every statistics section for one table (the whole data or one subgroup)."""
    frame, k = table.frame, table.scale_k
    conds = conditions(frame)
    steps = ["detection", "agreement", "mrmc", "distributions"]
    total = len(steps) + (len(table.subgroup_columns) if subgroups else 0)
    done = 0

    def step(message: str) -> None:
        nonlocal done
        _check(cancel)
        if progress is not None:
            progress(done, total, message)
        done += 1

    mats = {c: matrix(frame[frame["test"] == c]) for c in conds}
    out: dict[str, Any] = {"conditions": [c for c in conds if c] or None}
    step("detection per reader")
    per_reader, roc = [], []
    for c, m in mats.items():
        per_reader += cdet.reader_rows(m, test=c or None, threshold=threshold, notes=notes, prefix=prefix)
        roc += cdet.roc_curves(m, test=c or None, notes=notes)
    out["per_reader"] = per_reader
    out["roc_curves"] = roc
    out["pooled"] = cdet.pooled(frame, threshold=threshold, notes=notes, prefix=prefix) if len(conds) == 1 else {
        c: cdet.pooled(frame[frame["test"] == c], threshold=threshold, notes=notes, prefix=f"{prefix}test {c}: ")
        for c in conds}
    out["per_generator"] = cdet.per_generator(frame, threshold=threshold, notes=notes, prefix=prefix) \
        if len(conds) == 1 else [dict(row, test=c) for c in conds for row in cdet.per_generator(
            frame[frame["test"] == c], threshold=threshold, notes=notes, prefix=f"{prefix}test {c}: ")]
    out["roc_paired"] = cdet.paired_delong(mats, notes) if len(conds) > 1 else []
    step("agreement")
    agreements = {c: cag.agreement(m, scale_k=k, notes=notes, prefix=f"{prefix}test {c}: " if c else prefix)
                  for c, m in mats.items()}
    out["agreement"] = agreements[conds[0]]
    if len(conds) > 1:
        out["agreement"] = dict(out["agreement"], test=conds[0], by_test=agreements)
    out["intra_reader"] = cag.intra_reader(frame, scale_k=k, notes=notes, prefix=prefix)
    step("MRMC")
    out["mrmc"] = cmr.mrmc(mats, notes=notes, prefix=prefix)
    out["equivalence"] = cmr.equivalence(out["mrmc"], margin=margin, notes=notes, prefix=prefix)
    step("score distributions")
    out["distributions"] = cmr.distributions(frame, scale_k=k, notes=notes, prefix=prefix)
    if subgroups:
        out["subgroups"] = {}
        for column in table.subgroup_columns:
            step(f"subgroups by {column}")
            found = levels(frame, column)
            if not found:
                continue
            out["subgroups"][column] = {}
            for level in found:
                sub = subgroup_subset(frame, column, level)
                sub_table = RatingsTable(sub, k, table.has_truth, table.has_test, (), table.source, table.sha256)
                out["subgroups"][column][level] = analyse_table(
                    sub_table, threshold=threshold, margin=margin, prefix=f"{column}={level}: ", notes=notes,
                    subgroups=False, cancel=cancel)
                for key in ("roc_curves",):
                    out["subgroups"][column][level].pop(key, None)
    if progress is not None:
        progress(total, total, "statistics done")
    return out


def software_versions() -> dict[str, str | None]:
    """Versions of TuringView and of the numerical stack (from installed package metadata)."""
    import platform
    from importlib import metadata

    from turingview import __version__

    out: dict[str, str | None] = {"turingview": __version__}
    for name in ("numpy", "scipy", "statsmodels", "pandas", "matplotlib", "reportlab", "openpyxl"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    out["python"] = platform.python_version()
    return out


def run_analysis(table_records_or_csv: str | Path | Iterable[Mapping[str, Any]] | RatingsTable, *,
                 out_dir: str | Path, scale_k: int = 5, threshold: int = 2, margin: float = 0.1,
                 provenance: Mapping[str, Any] | None = None, progress: Progress | None = None,
                 cancel: Cancel | None = None, report: bool = True, pdf: bool = True,
                 subgroups: bool = True, realism: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Analyse a ratings table and write every output to ``out_dir``.

    Parameters
    ----------
    table_records_or_csv
        A long-format ratings CSV path, a list of rating records (dicts, as from
        :func:`turingview.study.ratings_records`) or an already validated :class:`RatingsTable`.
    out_dir
        Destination folder (created; existing files of the same name are replaced).
    scale_k, threshold, margin
        Scale 1..K, call threshold (synthetic when score <= threshold), TOST equivalence margin around 0.5.
    provenance
        Extra provenance (study name, settings, seed, audit chain head) merged into ``results.json``.
    progress, cancel
        ``progress(done, total, message)`` is called as sections finish; ``cancel()`` returning ``True``
        stops the run with :class:`~turingview.core.errors.CancelledError` and nothing written.
    report, pdf
        Write ``report.html`` (and ``report.pdf``); the benchmark turns these off to time the rest.
    subgroups
        Repeat every statistic per subgroup level (generator, modality, sex, age band, site).
    realism
        The stored realism-check result (``turingview realism``), shown in the report when given: its
        summary goes to ``results.json`` ``realism``, its valid PNG plots (``figures``) into the report, and
        its ``per_image`` scores, joined to the ratings by blinded id, to ``realism_concordance``.

    Returns
    -------
    dict
        The content of ``results.json``.

    Raises
    ------
    InvalidInputError
        Bad ratings (naming the row) or bad options.
    CancelledError
        ``cancel()`` returned ``True``.
    """
    if not isinstance(threshold, int) or not 1 <= threshold < scale_k:
        raise InvalidInputError(f"threshold {threshold!r} must be an integer in 1..{scale_k - 1} "
                                f"(scores <= threshold are called synthetic)")
    if not 0 < float(margin) < 0.5:
        raise InvalidInputError(f"margin {margin!r} must lie strictly between 0 and 0.5")
    if isinstance(table_records_or_csv, RatingsTable):
        table = table_records_or_csv
    elif isinstance(table_records_or_csv, str | Path):
        table = load_ratings_csv(table_records_or_csv, scale_k=scale_k)
    else:
        table = load_ratings_records(table_records_or_csv, scale_k=scale_k,
                                     source=str((provenance or {}).get("source", "study ratings")))
    total = 4 + len(table.subgroup_columns) + 3
    base = 4 + len(table.subgroup_columns)

    def outer(done: int, _total: int, message: str) -> None:
        if progress is not None:
            progress(done, total, message)

    notes = Notes()
    body = analyse_table(table, threshold=threshold, margin=margin, notes=notes, subgroups=subgroups,
                         progress=outer, cancel=cancel)
    from datetime import UTC, datetime

    prov: dict[str, Any] = {"input": table.source, "input_sha256": table.sha256, "n_rows": len(table.frame),
                            "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
                            "software": software_versions()}
    prov.update(dict(provenance or {}))
    if not table.has_truth:
        notes.add("exports", "no truth column: the iMRMC and RJafroc files are not written (they need truth)")
    results: dict[str, Any] = {"schema_version": SCHEMA_VERSION,
                               "conventions": conventions(scale_k, threshold, margin), "provenance": prov,
                               "data": _data_summary(table), **body}
    results.setdefault("subgroups", {})
    realism_pngs: dict[str, bytes] = {}
    if realism:
        from turingview.export import realism_join

        results["realism"], per_image, realism_pngs = realism_join.split_realism(realism, notes)
        if per_image:
            results["realism_concordance"] = realism_join.realism_concordance(table, per_image, notes)
    results["notes"] = notes.items
    results = strict(results, notes)
    results["notes"] = notes.items
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"{out}: the output folder is a file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".turingview-analysis-", dir=out.parent))
    except OSError as exc:
        raise TuringViewError(f"{out}: cannot write the analysis there ({exc.strerror or exc})") from exc
    try:
        _write_all(results, table, staging, report=report, pdf=pdf, cancel=cancel, realism_pngs=realism_pngs,
                   progress=lambda i, msg: outer(base + i, total, msg))
        _check(cancel)
        out.mkdir(parents=True, exist_ok=True)
        for item in staging.iterdir():
            target = out / item.name
            if target.is_dir():
                shutil.rmtree(target)
            item.replace(target)
    except OSError as exc:
        raise TuringViewError(f"{out}: cannot write the analysis there ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    outer(total, total, "done")
    return results


def _data_summary(table: RatingsTable) -> dict[str, Any]:
    f = table.frame
    first = f[f["repeat"] == 0]
    truth = first.groupby("case")["truth"].first()
    return {"n_ratings": len(f), "n_first_reads": len(first), "n_repeat_reads": int((f["repeat"] == 1).sum()),
            "n_readers": int(f["reader"].nunique()), "n_cases": int(f["case"].nunique()),
            "n_real_cases": int((truth == "real").sum()) if table.has_truth else None,
            "n_synthetic_cases": int((truth == "synthetic").sum()) if table.has_truth else None,
            "has_truth": table.has_truth, "has_test": table.has_test,
            "subgroup_columns": list(table.subgroup_columns), "scale_k": table.scale_k}


def _write_all(results: dict[str, Any], table: RatingsTable, folder: Path, *, report: bool, pdf: bool,
               cancel: Cancel | None, progress: Callable[[int, str], None],
               realism_pngs: Mapping[str, bytes] | None = None) -> None:
    from turingview.export import interop, tables

    (folder / "results.json").write_text(json.dumps(results, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    frames = tables.tidy_tables(results)
    tables.write_csv_tables(frames, folder / "tables")
    tables.write_xlsx(frames, folder / "results.xlsx", results)
    progress(0, "tables written")
    _check(cancel)
    interop.write_imrmc(table, folder / "ratings.imrmc")
    interop.write_rjafroc(table, folder / "ratings_rjafroc.xlsx")
    progress(1, "iMRMC and RJafroc exports written")
    _check(cancel)
    if report:
        from turingview.export import plots, report_html

        figures = plots.write_figures(results, folder / "figures")
        if realism_pngs:
            from turingview.export.realism_join import write_realism_figures

            figures.update(write_realism_figures(realism_pngs, folder / "figures"))
        report_html.write_html(results, figures, folder / "report.html")
        if pdf:
            from turingview.export import report_pdf

            report_pdf.write_pdf(results, figures, folder / "report.pdf")
    progress(2, "report written")
