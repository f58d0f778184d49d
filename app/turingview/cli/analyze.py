"""``turingview analyze``: statistics, tables, exports and the report for a ratings file or a stored study."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from turingview.core.errors import InvalidInputError


def _parse_scale(text: str) -> int:
    """``"1-5"`` (or ``"5"``) -> 5; the scale always starts at 1."""
    low, sep, high = text.strip().partition("-")
    if not (low.strip().isdigit() and (not sep or high.strip().isdigit())):
        raise InvalidInputError(f"--scale {text!r} is not a scale like 1-5")
    if sep and int(low) != 1:
        raise InvalidInputError(f"--scale {text!r}: the scale must start at 1 (for example 1-5)")
    k = int(high) if sep else int(low)
    if k < 2:
        raise InvalidInputError(f"--scale {text!r}: a scale needs at least 2 points")
    return k


def analyse_study(name: str, db_url: str | None = None, *, out_dir: Path, scale_k: int | None = None,
                  threshold: int = 2, margin: float = 0.1, progress: Callable[[int, int, str], None] | None = None,
                  cancel: Callable[[], bool] | None = None, report: bool = True, pdf: bool = True) -> dict:
    """Analyse a stored study: fetch its ratings, provenance and realism artifacts, then run the analysis.

    This is ``turingview analyze --study NAME``; the coordinator console calls it too. It lives at the top
    layer because ``export`` and ``study`` are sibling layers that do not import each other.

    Parameters
    ----------
    name, db_url
        The study and its database (default: the user database).
    out_dir, scale_k, threshold, margin, progress, cancel, report, pdf
        As in :func:`turingview.export.analysis.run_analysis`; ``scale_k`` defaults to the study's scale.

    Returns
    -------
    dict
        The content of ``results.json``.
    """
    from turingview import study
    from turingview.core.paths import default_db_url
    from turingview.export.analysis import run_analysis
    from turingview.export.study_inputs import latest_realism, study_provenance, study_scale_k
    from turingview.study.blinding_audit_run import blinding_summary

    url = db_url or default_db_url()
    summary = study.get_study(url, name)
    records = study.ratings_records(url, name)
    realism = latest_realism(study.load_artifacts(url, name, "realism"))
    provenance = study_provenance(summary, name, url)
    # The deciding blinding audit (verdict, unresolved strong cues, override reason) belongs in the report.
    provenance["blinding_audit"] = blinding_summary(url, name)
    return run_analysis(records, out_dir=out_dir, scale_k=scale_k or study_scale_k(summary), threshold=threshold,
                        margin=margin, provenance=provenance, progress=progress,
                        cancel=cancel, report=report, pdf=pdf, realism=realism)


_analyse_study = analyse_study  # the name the coordinator console first used


@click.command("analyze")
@click.argument("ratings", required=False, type=click.Path(path_type=Path))
@click.option("--study", "study_name", metavar="NAME", help="Analyse a stored study instead of a CSV file.")
@click.option("--db", "db_url", metavar="URL", help="Database URL for --study (default: the user database).")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Output folder (created).")
@click.option("--scale", default=None, metavar="1-K", help="Rating scale (default 1-5, or the study's scale).")
@click.option("--threshold", default=2, show_default=True, type=int,
              help="A reading is called synthetic when its score is at most this.")
@click.option("--margin", default=0.1, show_default=True, type=float,
              help="Equivalence margin: TOST of the reader-averaged AUC within 0.5 +/- margin.")
@click.option("--no-report", is_flag=True, help="Skip report.html and report.pdf.")
@click.option("--no-pdf", is_flag=True, help="Skip report.pdf (still writes report.html).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def analyze_command(ratings: Path | None, study_name: str | None, db_url: str | None, out_dir: Path,
                    scale: str | None, threshold: int, margin: float, no_report: bool, no_pdf: bool,
                    quiet: bool) -> None:
    """Agreement, detection, ROC and MRMC statistics with tables, exports and a report.

    RATINGS.csv is long format: reader, case, score (required); truth (real/synthetic), test, generator,
    repeat (0/1) and subgroup columns (modality, sex, age_band, site) are optional.
    """
    if (ratings is None) == (study_name is None):
        raise InvalidInputError("give either RATINGS.csv or --study NAME (not both)")
    scale_k = _parse_scale(scale) if scale else None
    started = time.perf_counter()

    def progress(done: int, total: int, message: str) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(f"\r[{done}/{total}] {message:<40}", err=True, nl=False)

    if study_name is not None:
        results = analyse_study(study_name, db_url, out_dir=out_dir, scale_k=scale_k, threshold=threshold,
                                 margin=margin, progress=progress, report=not no_report,
                                 pdf=not (no_pdf or no_report))
    else:
        from turingview.export.analysis import run_analysis

        results = run_analysis(ratings, out_dir=out_dir, scale_k=scale_k or 5, threshold=threshold, margin=margin,
                               progress=progress, report=not no_report, pdf=not (no_pdf or no_report))
    if quiet:
        return
    if sys.stderr.isatty():
        click.echo("", err=True)
    data = results["data"]
    click.echo(f"analysed {data['n_first_reads']} readings: {data['n_readers']} reader(s) x {data['n_cases']} cases "
               f"in {time.perf_counter() - started:.1f} s")
    mrmc = results.get("mrmc") or {}
    for t in mrmc.get("tests") or ([dict(mrmc, test=None)] if mrmc.get("auc") is not None else []):
        if t.get("auc") is None:
            continue
        ci = t["ci"]
        where = f" [{t['test']}]" if t.get("test") else ""
        click.echo(f"reader-averaged AUC{where} {t['auc']:.3f} (95% CI {ci[0]:.3f}-{ci[1]:.3f}; 0.5 = cannot tell)")
    diff = mrmc.get("difference")
    if diff and diff.get("estimate") is not None:
        click.echo(f"AUC difference {diff['test_a']} - {diff['test_b']}: {diff['estimate']:.3f} (p = {diff['p']:.3g})")
    fleiss = (results.get("agreement") or {}).get("fleiss_kappa")
    if fleiss is not None:
        click.echo(f"Fleiss' kappa {fleiss:.3f}")
    if results.get("notes"):
        click.echo(f"{len(results['notes'])} note(s) on degenerate results: see results.json 'notes'")
    click.echo(f"wrote {out_dir}/results.json, tables/, results.xlsx"
               + (", ratings.imrmc, ratings_rjafroc.xlsx" if data.get("has_truth") else "")
               + ("" if no_report else ", report.html" + ("" if no_pdf else ", report.pdf")))
