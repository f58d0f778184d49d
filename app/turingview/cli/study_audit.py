"""``turingview study audit`` and ``turingview study open``: the blinding audit and the guarded opening.

Registered lazily by ``turingview study`` (the study engineer's group). The console's Blinding audit screen
calls the same functions (:func:`turingview.study.blinding_audit_run.audit_study`,
:func:`turingview.study.opening.open_study`), so both give the same result.

Exit status of ``audit``: 0 when no strong cue survives presentation, 10 when one does (the study would
need an override to open); errors keep their usual codes.
"""

from __future__ import annotations

import json
import sys

import click

from turingview.core.paths import default_db_url

#: Exit status of ``study audit`` when a strong cue is unresolved.
EXIT_STRONG_CUE = 10


def format_report(result: dict) -> str:
    """Human-readable text of an audit's ``to_dict()``: verdict, then every graded cue with its remedy."""
    lines = [f"Blinding audit of study {result['study']!r}: {result['verdict'].upper()}"]
    th = result["thresholds"]
    lines.append(
        f"  strong: AUC >= {th['strong_auc']}, moderate: AUC >= {th['moderate_auc']}, "
        f"judged only with >= {th['min_cases_per_class']} cases per class"
    )
    for stage in ("raw", "presented"):
        report = result.get(stage)
        if not report:
            continue
        title = "Raw files" if stage == "raw" else "Presented images (what readers see)"
        lines.append("")
        lines.append(
            f"{title}: {report['n_real']} real, {report['n_synthetic']} synthetic; "
            f"{report['n_strong']} strong, {report['n_moderate']} moderate, "
            f"{report['n_cues_identical']} cue(s) identical in every case"
        )
        graded = [c for c in report["cues"] if c["strength"] in ("strong", "moderate")]
        for cue in graded:
            lines.append(f"  [{cue['strength'].upper():8}] AUC {cue['auc']:.2f}  {cue['label']}: {cue['finding']}")
            lines.append(f"             what to do: {cue['remedy']}")
        for problem in report["problems"]:
            lines.append(f"  problem: {problem}")
    if result.get("resolved_by_presentation"):
        lines.append("")
        lines.append("Removed by the presentation step: " + ", ".join(result["resolved_by_presentation"]))
    if result["unresolved_strong"]:
        lines.append("")
        lines.append(
            "Unresolved strong cue(s): " + ", ".join(result["unresolved_strong"])
            + ". Opening needs `turingview study open NAME --override REASON`."
        )
    return "\n".join(lines)


@click.command("audit")
@click.argument("name")
@click.option("--db", "db_url", default=None, help="Database URL (default: the local TuringView database).")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
@click.option(
    "--presented/--raw",
    "presented",
    default=None,
    help="Audit only the presented images (what readers see) or only the raw files (default: both).",
)
@click.option("--no-save", is_flag=True, help="Do not store the result with the study.")
def audit_command(name: str, db_url: str | None, as_json: bool, presented: bool | None, no_save: bool) -> None:
    """Check whether anything besides the image content separates real from synthetic cases."""
    from turingview.study.blinding_audit_run import audit_study

    stages = ("raw", "presented") if presented is None else (("presented",) if presented else ("raw",))
    result = audit_study(db_url or default_db_url(), name, stages=stages, save=not no_save)
    content = result.to_dict()
    if as_json:
        click.echo(json.dumps(content, indent=2, sort_keys=False))
    else:
        click.echo(format_report(content))
    if result.unresolved_strong:
        # SystemExit, not click's Exit: the top-level boundary runs click in non-standalone mode
        sys.exit(EXIT_STRONG_CUE)


@click.command("open")
@click.argument("name")
@click.option("--db", "db_url", default=None, help="Database URL (default: the local TuringView database).")
@click.option(
    "--override",
    "override_reason",
    default=None,
    metavar="REASON",
    help="Open despite unresolved strong cues; the reason is recorded in the audit trail and the report.",
)
def open_command(name: str, db_url: str | None, override_reason: str | None) -> None:
    """Re-run the blinding audit and open the study to readers."""
    from turingview.study.opening import open_study

    outcome = open_study(db_url or default_db_url(), name, override_reason=override_reason)
    verdict = outcome.audit.verdict
    if outcome.overridden:
        click.echo(
            f"study {name!r} is open, with an override for {len(outcome.audit.unresolved_strong)} strong cue(s) "
            f"(recorded in the audit trail): {outcome.override_reason}"
        )
    else:
        click.echo(f"study {name!r} is open (blinding audit: {verdict})")
