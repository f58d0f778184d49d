"""``turingview study audit`` and ``turingview study open``: the blinding audit and the guarded opening.

Registered lazily by ``turingview study`` (the study engineer's group). The console's Blinding audit screen
calls the same functions (:func:`turingview.study.blinding_audit_run.audit_study`,
:func:`turingview.study.opening.open_study`), so both give the same result.

Exit status of ``audit``: 0 when no strong cue survives presentation, 10 when one does (the study would
need an override to open); errors keep their usual codes.

:class:`ConsoleStudyBackend` is the coordinator console's backend: the UI may not import the study/storage stack,
so this top-layer module wires it (``turingview.ui.console.run_console`` loads it when no backend is given, as
the reader screens load ``turingview.cli.gui.StudyBackend``). Each of its methods calls the same function as the
matching command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

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


# ------------------------------------------------------------------------------------------ console backend
class ConsoleStudyBackend:
    """The coordinator console's backend (:class:`turingview.ui.console.backend.ConsoleBackend`).

    Lives at the top layer because the UI may not import the study/storage stack. Every method calls the same
    function as the matching command (``study create/clone/archive/audit/open/progress/export-reader/
    import-ratings``, ``analyze --study``, ``realism``), so the console and the command line give the same
    results.
    """

    def __init__(self, db_url: str | None = None, *, realism_config: object | None = None) -> None:
        self.db_url = db_url or default_db_url()
        self._analysed: dict[str, str] = {}  # study -> fingerprint of the inputs of its last analysis
        self.realism_config = realism_config  # None: the command's defaults

    def _fingerprint(self, name: str) -> str:
        """What the analysis depends on: the ratings (as hashed by the analysis) and the stored realism results."""
        from turingview import study as study_api
        from turingview.export.ratings import records_sha256

        realism = study_api.load_artifacts(self.db_url, name, "realism")
        return f"{records_sha256(study_api.ratings_records(self.db_url, name))}:{len(realism)}"

    def describe(self) -> str:
        from turingview.core.paths import redact_url

        return redact_url(self.db_url)

    def default_protocol(self) -> str:
        from turingview.study.create import DEFAULT_PROTOCOL

        return DEFAULT_PROTOCOL

    # studies ---------------------------------------------------------------------------------------
    def list_studies(self):
        from turingview.study import list_studies

        return list_studies(self.db_url)

    def get_study(self, name: str):
        from turingview.study import get_study

        return get_study(self.db_url, name)

    def create_study(self, request, *, progress, cancel):
        """``turingview study create`` with the wizard's values (training CSV paths resolved the same way)."""
        from turingview.study import create_study
        from turingview.study.manifest import read_manifest_rows

        training_rows = []
        if request.training_manifest is not None:
            base = Path(request.training_manifest).resolve().parent
            for row in read_manifest_rows(Path(request.training_manifest)):
                path = Path(row.get("path", ""))
                training_rows.append({**row, "path": str(path if path.is_absolute() else base / path)})
        kwargs = {"protocol_text": request.protocol_text} if request.protocol_text else {}
        return create_study(
            self.db_url, request.name, real_dirs=request.real_dirs, synthetic_dirs=request.synthetic_dirs,
            manifest=request.manifest, readers=list(request.readers), seed=request.seed,
            repeat_fraction=request.repeat_fraction, training_manifest_rows=training_rows,
            scale_labels=tuple(request.scale_labels), allow_back=request.allow_back,
            allow_changes=request.allow_changes, binary_call=request.binary_call, progress=progress, cancel=cancel,
            **kwargs,
        )

    def sample_images(self, real_dirs, synthetic_dirs, manifest, *, per_class, progress, cancel):
        """Render the middle slice of an evenly spaced sample of each class, as a reader would see it."""
        from turingview.core.domain import Truth
        from turingview.core.errors import CancelledError, TuringViewError
        from turingview.imaging import load_image
        from turingview.imaging.display import default_window, render_slice
        from turingview.study.manifest import read_manifest_rows, specs_from_dir, specs_from_rows
        from turingview.ui.console.backend import SampleImages

        problems: list[str] = []
        specs = []
        for folder in real_dirs:
            specs += specs_from_dir(Path(folder), Truth.REAL, problems)
        for folder in synthetic_dirs:
            specs += specs_from_dir(Path(folder), Truth.SYNTHETIC, problems)
        if manifest is not None:
            rows = read_manifest_rows(Path(manifest))
            specs += specs_from_rows(rows, Path(manifest).resolve().parent, Path(manifest).name, problems=problems)
        specs = [s for s in specs if not s.is_training]
        by_class = {t: [s for s in specs if s.truth is t] for t in Truth}
        picked = {t: _evenly(v, per_class) for t, v in by_class.items()}
        total = sum(len(v) for v in picked.values())
        arrays: dict[Truth, list] = {t: [] for t in Truth}
        done = 0
        for truth, chosen in picked.items():
            for spec in chosen:
                if cancel():
                    raise CancelledError("sample thumbnails cancelled")
                progress(done, total, f"rendering {spec.path.name}")
                try:
                    volume = load_image(spec.path)
                    window = None if volume.is_color else default_window(volume)
                    arrays[truth].append(render_slice(volume, volume.middle_slice, window))
                except TuringViewError as error:
                    problems.append(str(error))
                done += 1
        progress(total, total, "samples ready")
        return SampleImages(real=arrays[Truth.REAL], synthetic=arrays[Truth.SYNTHETIC],
                            counts={t.value: len(v) for t, v in by_class.items()}, problems=tuple(problems))

    def clone_study(self, name: str, new_name: str, *, seed: int | None = None):
        from turingview.study import clone_study

        return clone_study(self.db_url, name, new_name, seed=seed)

    def archive_study(self, name: str, *, reason: str):
        from turingview.study import archive_study

        return archive_study(self.db_url, name, reason=reason)

    def close_study(self, name: str, *, reason: str):
        from turingview.study import set_study_status

        return set_study_status(self.db_url, name, "closed", reason=reason)

    # blinding audit --------------------------------------------------------------------------------
    def audit_study(self, name: str, *, stages, progress, cancel) -> dict:
        from turingview.study.blinding_audit_run import audit_study

        return audit_study(self.db_url, name, stages=tuple(stages), progress=progress, cancel=cancel).to_dict()

    def latest_audit(self, name: str) -> dict | None:
        from turingview.study.blinding_audit_run import latest_audit

        return latest_audit(self.db_url, name)

    def open_study(self, name: str, *, override_reason, progress, cancel) -> dict:
        from turingview.study.blinding_audit_run import latest_audit
        from turingview.study.opening import open_study

        outcome = open_study(self.db_url, name, override_reason=override_reason, progress=progress, cancel=cancel)
        return {"audit": latest_audit(self.db_url, name) or outcome.audit.to_dict(),
                "overridden": outcome.overridden, "override_reason": outcome.override_reason}

    # progress ----------------------------------------------------------------------------------------
    def study_progress(self, name: str):
        from turingview.study import study_progress

        return study_progress(self.db_url, name)

    def package_log(self, name: str) -> list[dict]:
        """Reader packages exported and ratings imported, newest first, from the study's audit trail."""
        import json as _json

        from turingview.storage import store_scope

        out = []
        with store_scope(self.db_url) as store:
            study = store.study(name)
            for kind in ("package_exported", "ratings_imported"):
                for event in store.events(study, kind):
                    payload = _json.loads(event.body).get("payload", {})
                    if kind == "package_exported":
                        detail = f"{payload.get('n_items', '?')} cases, package {str(payload.get('package_id'))[:8]}"
                        label = "package out"
                    else:
                        detail = (f"{payload.get('added', 0)} rating(s) added, {payload.get('already_present', 0)} "
                                  f"already present, package {str(payload.get('package_id'))[:8]}")
                        label = "ratings back"
                    out.append({"when": f"{event.at:%Y-%m-%d %H:%M}", "event": label,
                                "reader": payload.get("reader", "?"), "detail": detail, "seq": event.seq})
        out.sort(key=lambda e: e["seq"], reverse=True)
        return out

    def export_reader_package(self, name: str, reader: str, out: Path) -> Path:
        from turingview.study import export_reader_package

        return export_reader_package(self.db_url, name, reader, out)

    def import_ratings(self, path: Path):
        from turingview.study import import_ratings

        return import_ratings(self.db_url, path)

    # results -----------------------------------------------------------------------------------------
    def analysis_dir(self, name: str) -> Path:
        from turingview.core.paths import data_dir

        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
        return data_dir() / "analysis" / safe

    def analyse(self, name: str, *, progress, cancel) -> tuple[dict, Path, dict]:
        """``turingview analyze --study NAME --out <data dir>/analysis/NAME``: the same function as the CLI.

        A cancelled run raises :class:`CancelledError` and writes nothing.
        Returns the results, the output folder and the tidy tables as ``name -> (columns, rows)``.
        """
        from turingview.cli.analyze import analyse_study
        from turingview.export.tables import tidy_tables

        out = self.analysis_dir(name)
        fingerprint = self._fingerprint(name)
        results = analyse_study(name, self.db_url, out_dir=out, progress=progress, cancel=cancel)
        self._analysed[name] = fingerprint
        tables = {}
        for key, frame in tidy_tables(results).items():
            frame = frame.astype(object).where(frame.notna(), None)
            tables[key] = ([str(c) for c in frame.columns], [list(r) for r in frame.itertuples(index=False)])
        return results, out, tables

    def export(self, name: str, fmt: str, dest: Path, *, progress, cancel) -> Path:
        """Copy one output of the current analysis to ``dest`` (a folder for ``csv``).

        The analysis is re-run first unless the last one in this session used exactly the current ratings.
        """
        import shutil

        from turingview.core.errors import InvalidInputError

        files = {"csv": "tables", "xlsx": "results.xlsx", "json": "results.json", "html": "report.html",
                 "pdf": "report.pdf", "imrmc": "ratings.imrmc", "rjafroc": "ratings_rjafroc.xlsx"}
        if fmt not in files:
            raise InvalidInputError(f"unknown export format {fmt!r}: expected one of {', '.join(files)}")
        out = self.analysis_dir(name)
        current = self._analysed.get(name) == self._fingerprint(name) and (out / "results.json").exists()
        if not current:  # ratings came in (or nothing was analysed yet): analyse first, as the CLI would
            _, out, _ = self.analyse(name, progress=progress, cancel=cancel)
        source = out / files[fmt]
        if not source.exists():
            raise InvalidInputError(f"{fmt} export is not available for study {name!r} (see the analysis notes)")
        dest = Path(dest)
        if source.is_dir():
            target = dest / source.name if dest.exists() and dest.is_dir() else dest
            shutil.copytree(source, target, dirs_exist_ok=True)
            return target
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest)
        return dest

    def realism_check(self, name: str, *, progress, cancel) -> dict:
        """``turingview realism --study NAME``: the same function; torch is imported here, on demand.

        The result is stored with the study (its ``realism`` artifact, which the next analysis shows in the
        report) and the plots go to ``<data dir>/realism/NAME``.
        """
        from turingview.cli.realism import run_study_realism

        return run_study_realism(self.db_url, name, config=self.realism_config, progress=progress, cancel=cancel)


def _evenly(items: list, count: int) -> list:
    """``count`` items spread evenly over ``items`` (all of them when there are fewer)."""
    if len(items) <= count:
        return list(items)
    step = len(items) / count
    return [items[int(i * step)] for i in range(count)]
