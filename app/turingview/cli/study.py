"""``turingview study ...``: create, list, show, follow, export and merge reader studies.

``open`` and ``audit`` are the coordinator's commands (:mod:`turingview.cli.study_audit`), registered here
lazily so both modules stay independent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from turingview.cli import LazyGroup
from turingview.core.errors import ImportProblemsError, InvalidInputError

# sub-command -> (module, attribute, help) imported on first use
_LAZY: dict[str, tuple[str, str, str]] = {
    "open": ("turingview.cli.study_audit", "open_command", "Run the blinding audit and open a study to readers."),
    "audit": ("turingview.cli.study_audit", "audit_command",
              "Blinding audit: can anything but pixels tell the classes apart?"),
}

db_option = click.option("--db", "db_url", default=None, metavar="URL",
                         help="SQLAlchemy database URL (default: the local TuringView database).")


@click.group(cls=LazyGroup, lazy_commands=_LAZY)
def study_group() -> None:
    """Create, audit, export and inspect studies."""


def _split_readers(text: str | None) -> list[str]:
    return [r.strip() for r in (text or "").split(",") if r.strip()]


@study_group.command("create")
@click.argument("name")
@click.option("--real", "real_dirs", multiple=True, type=click.Path(path_type=Path), help="Folder of real images.")
@click.option("--synthetic", "synthetic_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Folder of synthetic images.")
@click.option("--manifest", type=click.Path(path_type=Path), help="CSV: path,truth,generator,generator_version,...")
@click.option("--readers", default="", help="Comma-separated reader ids, e.g. a,b,c.")
@click.option("--seed", type=int, default=None, help="Randomisation seed (default: a fresh random one, recorded).")
@click.option("--repeat-fraction", type=float, default=0.0, show_default=True,
              help="Fraction of cases read twice, far apart (intra-reader agreement), 0-0.5.")
@click.option("--training-manifest", type=click.Path(path_type=Path), help="CSV of training cases (shown first).")
@click.option("--training", "training_count", type=int, default=0, show_default=True,
              help="Hold out N cases (half real, half synthetic, drawn with the seed) as the training block.")
@click.option("--protocol", "protocol_file", type=click.Path(path_type=Path),
              help="Text file with the reader protocol.")
@click.option("--scale", "scale_file", type=click.Path(path_type=Path),
              help="Text file with the wording of each scale point, one per line (1 = definitely synthetic).")
@click.option("--allow-back", is_flag=True, help="Readers may go back to earlier cases.")
@click.option("--allow-changes", is_flag=True, help="Readers may change an answer (kept as a new revision).")
@click.option("--binary-call", is_flag=True, help="Also ask a forced real/synthetic call.")
@db_option
def create_command(name: str, real_dirs: tuple[Path, ...], synthetic_dirs: tuple[Path, ...], manifest: Path | None,
                   readers: str, seed: int | None, repeat_fraction: float, training_manifest: Path | None,
                   training_count: int,
                   protocol_file: Path | None, scale_file: Path | None, allow_back: bool, allow_changes: bool,
                   binary_call: bool, db_url: str | None) -> None:
    """Create study NAME from folders and/or a manifest (all-or-nothing; the study starts as a draft)."""
    from turingview.study import create_study
    from turingview.study.create import DEFAULT_PROTOCOL
    from turingview.study.manifest import read_manifest_rows

    kwargs: dict[str, object] = {}
    if protocol_file is not None:
        kwargs["protocol_text"] = _read_text(protocol_file)
    if scale_file is not None:
        kwargs["scale_labels"] = tuple(line.strip() for line in _read_text(scale_file).splitlines() if line.strip())
    training_rows = []
    if training_manifest is not None:
        base = training_manifest.resolve().parent
        for row in read_manifest_rows(training_manifest):
            path = Path(row.get("path", ""))
            training_rows.append({**row, "path": str(path if path.is_absolute() else base / path)})
    bar_state = {"last": -1}
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, message: str) -> None:
        if not interactive:  # keep stderr for the one-line error when scripted
            return
        pct = int(100 * done / max(total, 1))
        if pct != bar_state["last"] and pct % 10 == 0:
            bar_state["last"] = pct
            click.echo(f"  {pct:3d}%  {message}", err=True)

    try:
        summary = create_study(db_url, name, real_dirs=real_dirs, synthetic_dirs=synthetic_dirs, manifest=manifest,
                               readers=_split_readers(readers), seed=seed, repeat_fraction=repeat_fraction,
                               training_manifest_rows=training_rows, allow_back=allow_back,
                               allow_changes=allow_changes, binary_call=binary_call, progress=progress,
                               training_count=training_count,
                               **({"protocol_text": DEFAULT_PROTOCOL} | kwargs))  # type: ignore[arg-type]
    except ImportProblemsError as error:
        raise InvalidInputError(one_line(error)) from error
    click.echo(f"created study {summary.name!r} ({summary.status.value}): {summary.n_cases} cases "
               f"({summary.n_real} real, {summary.n_synthetic} synthetic, {summary.n_training} training), "
               f"readers {', '.join(summary.readers) or '-'}, seed {summary.seed}")


def one_line(error: ImportProblemsError, limit: int = 20) -> str:
    """An import refusal as a single line: the headline, then the problems separated by ' | '."""
    head = str(error).split("\n", 1)[0]
    shown = [p.replace("\n", " ") for p in error.problems[:limit]]
    more = f" | ... and {len(error.problems) - limit} more" if len(error.problems) > limit else ""
    return f"{head}: " + " | ".join(shown) + more


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path}: cannot read ({error})") from error


@study_group.command("list")
@db_option
def list_command(db_url: str | None) -> None:
    """List studies: name, status, cases, readers, creation date."""
    from turingview.study import list_studies

    studies = list_studies(db_url)
    if not studies:
        click.echo("no studies")
        return
    click.echo(f"{'NAME':30} {'STATUS':9} {'CASES':>6} {'READERS':>7}  CREATED")
    for s in studies:
        click.echo(f"{s.name[:30]:30} {s.status.value:9} {s.n_cases:6d} {len(s.readers):7d}  "
                   f"{s.created_at:%Y-%m-%d %H:%M}")


@study_group.command("show")
@click.argument("name")
@db_option
def show_command(name: str, db_url: str | None) -> None:
    """Show a study's settings, counts, readers and audit head."""
    from turingview.study import get_study

    s = get_study(db_url, name)
    lines = [
        f"study:        {s.name}  (id {s.uid})",
        f"status:       {s.status.value}",
        f"created:      {s.created_at:%Y-%m-%d %H:%M:%S} UTC",
        f"seed:         {s.seed}",
        f"cases:        {s.n_cases} ({s.n_real} real, {s.n_synthetic} synthetic), {s.n_training} training",
        f"readers:      {', '.join(s.readers) or '-'}",
        "settings:     " + ", ".join(f"{k}={v}" for k, v in sorted(s.settings.items()) if k != "artefact_flags"),
        "scale:        " + " | ".join(f"{i + 1}={label}" for i, label in enumerate(s.scale_labels)),
        f"audit:        {s.audit_events} events, head {s.audit_head}",
    ]
    click.echo("\n".join(lines))


@study_group.command("progress")
@click.argument("name")
@db_option
def progress_command(name: str, db_url: str | None) -> None:
    """Per reader: cases done / total, median seconds per case, last activity, finished."""
    from turingview.study import study_progress

    rows = study_progress(db_url, name)
    click.echo(f"{'READER':20} {'DONE':>11} {'MEDIAN s':>9}  {'LAST ACTIVITY':19}  FINISHED")
    for p in rows:
        median = f"{p.median_seconds:9.1f}" if p.median_seconds is not None else f"{'-':>9}"
        last = f"{p.last_activity:%Y-%m-%d %H:%M:%S}" if p.last_activity else "-"
        click.echo(f"{p.reader[:20]:20} {f'{p.done}/{p.total}':>11} {median}  {last:19}  "
                   f"{'yes' if p.finished else 'no'}")


@study_group.command("add-reader")
@click.argument("name")
@click.argument("reader")
@db_option
def add_reader_command(name: str, reader: str, db_url: str | None) -> None:
    """Assign READER to study NAME and generate their order."""
    from turingview.study import add_reader

    add_reader(db_url, name, reader)
    click.echo(f"reader {reader!r} added to study {name!r}")


@study_group.command("clone")
@click.argument("name")
@click.argument("new_name")
@click.option("--seed", type=int, default=None)
@db_option
def clone_command(name: str, new_name: str, seed: int | None, db_url: str | None) -> None:
    """Copy study NAME (cases, settings, readers) into a new draft NEW_NAME with fresh orders."""
    from turingview.study import clone_study

    s = clone_study(db_url, name, new_name, seed=seed)
    click.echo(f"cloned {name!r} -> {s.name!r} (seed {s.seed})")


@study_group.command("archive")
@click.argument("name")
@db_option
def archive_command(name: str, db_url: str | None) -> None:
    """Archive study NAME (no more ratings; nothing is deleted)."""
    from turingview.study import archive_study

    archive_study(db_url, name)
    click.echo(f"study {name!r} archived")


@study_group.command("close")
@click.argument("name")
@click.option("--reason", default="closed by the coordinator")
@db_option
def close_command(name: str, reason: str, db_url: str | None) -> None:
    """Close study NAME: no more ratings are accepted."""
    from turingview.study import set_study_status

    set_study_status(db_url, name, "closed", reason=reason)
    click.echo(f"study {name!r} closed")


@study_group.command("export-reader")
@click.argument("name")
@click.option("--reader", "reader_id", required=True, help="Reader id.")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help="Package file to write.")
@db_option
def export_reader_command(name: str, reader_id: str, out_path: Path, db_url: str | None) -> None:
    """Write a self-contained, blinded reader package for an air-gapped workstation."""
    from turingview.study import export_reader_package

    path = export_reader_package(db_url, name, reader_id, out_path)
    click.echo(f"wrote reader package {path} for reader {reader_id!r}")


@study_group.command("import-ratings")
@click.argument("package", type=click.Path(path_type=Path))
@db_option
def import_ratings_command(package: Path, db_url: str | None) -> None:
    """Merge the ratings of a reader package back into its study (verified, idempotent)."""
    from turingview.study import import_ratings

    s = import_ratings(db_url, package)
    click.echo(f"study {s.study!r}, reader {s.reader!r}: {s.added} rating(s) added, "
               f"{s.already_present} already present")
