"""``turingview realism``: the domain-classifier realism check from the command line.

Also provides :func:`run_study_realism`, which the coordinator console calls, so that the console and
``turingview realism --study NAME`` build the same data set and store the same artifact. The study layer
and the realism layer are siblings that may not import each other; this module, above both, joins them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from turingview.core.errors import InvalidInputError, TuringViewError

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]


def study_dataset(db_url: str | None, name: str, *, slices: str = "middle") -> tuple[Any, dict[str, dict[str, Any]]]:
    """The realism data set of a stored study: the presented images (exactly what readers saw).

    Study cases only (training cases excluded). The group of a case is its patient when the manifest
    gave one, else the case itself. Returns the data set and, per case id, the record fields joined onto
    ``per_image`` (blinded id, generator, patient, site).
    """
    from turingview import study as study_api
    from turingview.core.domain import Truth
    from turingview.realism import RealismDataset
    from turingview.study.presentation import decode_presented

    records = {r["blinded_id"]: r for r in study_api.case_records(db_url, name)}
    items = []
    for blinded_id, truth, data in study_api.presented_images(db_url, name):
        record = records.get(blinded_id, {})
        case_id = str(record.get("case_id") or blinded_id)
        group = str(record.get("patient") or case_id)
        label = 1 if Truth(truth) is Truth.SYNTHETIC else 0
        items.append((decode_presented(data, name=f"case {case_id}"), label, group, case_id))
    if not items:
        raise InvalidInputError(f"study {name!r} has no study cases to check")
    extra = {
        str(r.get("case_id") or b): {
            k: r.get(k) for k in ("blinded_id", "generator", "generator_version", "patient", "site")
        }
        for b, r in records.items()
    }
    return RealismDataset.from_volumes(items, slices=slices), extra


def _join(content: dict[str, Any], extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    for row in content.get("per_image", []):
        for key, value in extra.get(row["case_id"], {}).items():
            row.setdefault(key, value)
    return content


def run_study_realism(
    db_url: str | None,
    name: str,
    *,
    config: Any = None,
    out_dir: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> dict[str, Any]:
    """Run the check on a stored study, store the result as its ``realism`` artifact and write the plots.

    The artifact carries the plots as base64 PNG text under ``figures`` (``roc``, ``saliency``,
    ``spectrum``; see :func:`encode_figures`) so that the study report can show them; ``realism.json``
    does not. Nothing is stored when the run fails or is cancelled. Returns the stored JSON content.
    """
    from turingview import study as study_api
    from turingview.realism import RealismConfig, run_realism_check, write_outputs

    dataset, extra = study_dataset(db_url, name)
    result = run_realism_check(dataset, config or RealismConfig(), progress=progress, cancel=cancel)
    content = _join(result.to_dict(), extra)
    content["study"] = name
    if out_dir is None:
        from turingview.core.paths import data_dir

        out_dir = data_dir() / "realism" / name
    paths = write_outputs(result, out_dir)
    content["files"] = {kind: str(path) for kind, path in paths.items()}
    Path(paths["json"]).write_text(__import__("json").dumps(content, indent=2, allow_nan=False), encoding="utf-8")
    content["figures"], figure_notes = encode_figures(paths)
    if figure_notes:
        content["figure_notes"] = figure_notes
    content["artifact_id"] = study_api.save_artifact(db_url, name, "realism", content)
    return content


#: The plots that travel with the stored artifact, and the largest PNG carried (bytes).
FIGURE_KINDS = ("roc", "saliency", "spectrum")
MAX_FIGURE_BYTES = 2 * 1024 * 1024


def encode_figures(paths: dict[str, Path]) -> tuple[dict[str, str], list[str]]:
    """The written plots as base64 PNG text by kind (``roc``, ``saliency``, ``spectrum``), and notes on those left out.

    Only plots that exist are carried; one larger than :data:`MAX_FIGURE_BYTES` is left out with a note
    (it stays on disk next to ``realism.json``), so the study database does not swell.
    """
    import base64

    figures: dict[str, str] = {}
    notes: list[str] = []
    for kind in FIGURE_KINDS:
        path = paths.get(kind)
        if path is None or not Path(path).is_file():
            continue
        data = Path(path).read_bytes()
        if len(data) > MAX_FIGURE_BYTES:
            notes.append(f"{kind}.png is {len(data) / 1e6:.1f} MB, over the {MAX_FIGURE_BYTES / 1e6:.1f} MB "
                         f"stored with the study: left out (it is in {path})")
            continue
        figures[kind] = base64.b64encode(data).decode("ascii")
    return figures, notes


class _Bar:
    """A one-line progress bar on stderr (a plain line per step when stderr is not a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int, message: str) -> None:
        if self.quiet:
            return
        width = 28
        filled = int(width * done / max(total, 1))
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {message}"
        if self.tty:
            click.echo("\r" + line[:110].ljust(110), nl=False, err=True)
            if done >= total:
                click.echo("", err=True)
        else:
            click.echo(line, err=True)


@click.command("realism")
@click.option("--study", "study_name", metavar="NAME", help="Check a stored study's presented images.")
@click.option(
    "--db", "db_url", default=None, metavar="URL", help="Database URL for --study (default: the user database)."
)
@click.option("--real", "real_dir", type=click.Path(path_type=Path, file_okay=False), help="Folder of real images.")
@click.option(
    "--synthetic", "synthetic_dir", type=click.Path(path_type=Path, file_okay=False), help="Folder of synthetic images."
)
@click.option("--device", type=click.Choice(["auto", "cuda", "cpu"]), default="auto", show_default=True)
@click.option("--folds", default=5, show_default=True, type=int, help="Cross-validation folds (split by patient).")
@click.option("--size", default=None, type=int, help="Network input size in pixels [default: 128 on CUDA, 64 on CPU].")
@click.option("--epochs", default=None, type=int, help="Epochs per fold [default: from the data size, 8-40].")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--slices",
    type=click.Choice(["middle", "all"]),
    default="middle",
    show_default=True,
    help="Slices of each volume used as images (folds never split a volume).",
)
@click.option(
    "--near-copy-percentile",
    default=1.0,
    show_default=True,
    type=float,
    help="Near-copy threshold: this percentile of real-to-real nearest-neighbour distances.",
)
@click.option("--no-controls", is_flag=True, help="Skip the low-pass and real-versus-real controls (faster).")
@click.option("--compile", "use_compile", is_flag=True, help="torch.compile the network (CUDA).")
@click.option("--deterministic", is_flag=True, help="Deterministic kernels on CUDA (slower).")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder for realism.json and the plots.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def realism_command(
    study_name: str | None,
    db_url: str | None,
    real_dir: Path | None,
    synthetic_dir: Path | None,
    device: str,
    folds: int,
    size: int | None,
    epochs: int | None,
    seed: int,
    slices: str,
    near_copy_percentile: float,
    no_controls: bool,
    use_compile: bool,
    deterministic: bool,
    out_dir: Path,
    quiet: bool,
) -> None:
    """Can a small CNN tell the synthetic images from the real ones? (needs the [realism] extra: torch)

    Give either --study NAME or both --real DIR and --synthetic DIR. In folders, each patient's files go in
    their own sub-folder (files at the top level are their own patient).
    """
    from turingview.realism import RealismConfig, RealismDataset, torch_available

    if (study_name is None) == (real_dir is None and synthetic_dir is None):
        raise InvalidInputError("give either --study NAME or both --real DIR and --synthetic DIR")
    if study_name is None and (real_dir is None or synthetic_dir is None):
        raise InvalidInputError("--real and --synthetic must be given together")
    if not torch_available():
        raise TuringViewError("the realism check needs torch: pip install 'turingview[realism]'")
    config = RealismConfig(
        device=device,
        folds=folds,
        size=size,
        epochs=epochs,
        seed=seed,
        near_copy_percentile=near_copy_percentile,
        controls=not no_controls,
        compile=use_compile,
        deterministic=deterministic,
    )
    from turingview.realism.engine import resolve_device

    resolve_device(device)  # fail before loading any image when CUDA is asked for and absent
    bar = _Bar(quiet)
    if study_name is not None:
        content = run_study_realism(db_url, study_name, config=config, out_dir=out_dir, progress=bar)
    else:
        from turingview.realism import run_realism_check, write_outputs

        dataset = RealismDataset.from_dirs(real_dir, synthetic_dir, slices=slices)  # type: ignore[arg-type]
        result = run_realism_check(dataset, config, progress=bar)
        write_outputs(result, out_dir)
        content = result.to_dict()
    if not quiet:
        dev = content["device"]
        ci = content["auc_ci"]
        click.echo(f"device: {dev['type']} ({dev.get('name')})")
        click.echo(f"verdict: {content['verdict']}")
        click.echo(
            f"AUC {content['auc']:.3f} (95% CI {ci[0]:.3f}-{ci[1]:.3f}), accuracy {content['accuracy']:.3f}, "
            f"p = {content['p_value']:.3g}, n = {content['n_test']}, power {content['power']:.2f}"
        )
        for key in ("control_auc", "lowpass_auc", "spectral_auc"):
            if content.get(key) is not None:
                click.echo(f"{key.replace('_', ' ')}: {content[key]:.3f}")
        copies = {k: v["n_near_copies"] for k, v in content["memorisation"]["spaces"].items()}
        click.echo(f"near-copies: {copies}")
        for reason in content["verdict_reasons"]:
            click.echo(f"  - {reason}")
        click.echo(f"written to {out_dir}")
