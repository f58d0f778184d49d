"""``turingview inspect`` and ``turingview render``: look at an image exactly as TuringView reads it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from turingview.core.errors import InvalidInputError

__all__ = ["inspect_command", "render_command"]


def _window_text(window: object) -> str:
    center = getattr(window, "center", 0.0)
    width = getattr(window, "width", 0.0)
    function = getattr(window, "function", "LINEAR")
    name = getattr(window, "name", "")
    text = f"C={center:g} W={width:g}"
    if function != "LINEAR":
        text += f" {function}"
    return f"{text} ({name})" if name else text


@click.command("inspect", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of text.")
@click.option("--volume", "volume_index", type=int, default=None, help="Volume of a 4D NIfTI (default 0).")
def inspect_command(path: Path, as_json: bool, volume_index: int | None) -> None:
    """Describe an image file or DICOM series folder.

    Prints format, modality, shape, dtype, spacing, photometric interpretation, the windows and VOI LUTs
    the file carries, the default window TuringView would open with, and the transfer syntax.
    """
    from turingview.imaging import load_image
    from turingview.imaging.display import default_window

    volume = load_image(path, volume_index=volume_index)
    default = default_window(volume) if not volume.is_color else None
    info = {
        "path": str(path),
        "format": volume.metadata.get("format", volume.source_format),
        "modality": volume.modality,
        "shape": list(volume.pixels.shape),
        "dtype": str(volume.pixels.dtype),
        "spacing": [round(float(s), 6) for s in volume.spacing],
        "photometric": volume.photometric,
        "stored_photometric": volume.metadata.get("photometric", volume.photometric),
        "windows": [
            {"center": w.center, "width": w.width, "function": w.function, "name": w.name} for w in volume.windows
        ],
        "voi_luts": [
            {"entries": int(v.lut.size), "first_mapped": v.first_mapped, "bits": v.bits, "name": v.name}
            for v in volume.voi_luts
        ],
        "default_window": None
        if default is None
        else {"center": default.center, "width": default.width, "function": default.function, "name": default.name},
        "transfer_syntax": volume.metadata.get("transfer_syntax", ""),
        "value_range": _value_range(volume.pixels),
    }
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    lines = [
        f"path:            {info['path']}",
        f"format:          {info['format']}",
        f"modality:        {info['modality']}",
        f"shape:           {' x '.join(str(n) for n in info['shape'])} (slices x rows x cols[ x 3])",
        f"dtype:           {info['dtype']} (modality values)",
        f"value range:     {info['value_range'][0]:g} .. {info['value_range'][1]:g}",
        f"spacing (mm):    {' x '.join(f'{s:g}' for s in info['spacing'])} (slice x row x col)",
        f"photometric:     {info['stored_photometric']}",
        f"transfer syntax: {info['transfer_syntax'] or '-'}",
        "windows:         " + ("; ".join(_window_text(w) for w in volume.windows) or "none in file"),
    ]
    if volume.voi_luts:
        lines.append(
            "VOI LUTs:        " + "; ".join(f"{v.lut.size} entries from {v.first_mapped}" for v in volume.voi_luts)
        )
    if default is not None:
        lines.append(f"default window:  {_window_text(default)}")
    click.echo("\n".join(lines))


def _value_range(pixels: object) -> list[float]:
    import numpy as np

    array = np.asarray(pixels)
    if array.dtype.kind == "f":
        finite = array[np.isfinite(array)]
        if finite.size == 0:
            return [0.0, 0.0]
        return [float(finite.min()), float(finite.max())]
    return [float(array.min()), float(array.max())]


def _parse_window(text: str) -> tuple[float, float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise InvalidInputError(f"--window {text!r}: expected CENTER,WIDTH (e.g. 40,400)")
    try:
        center, width = float(parts[0]), float(parts[1])
    except ValueError:
        raise InvalidInputError(f"--window {text!r}: CENTER and WIDTH must be numbers") from None
    if width < 1:
        raise InvalidInputError(f"--window {text!r}: WIDTH must be >= 1")
    return center, width


@click.command("render", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="PNG file to write.")
@click.option("--window", "window_text", default=None, metavar="CENTER,WIDTH", help="VOI window, e.g. 40,400.")
@click.option("--preset", "preset_name", default=None, help="Named window preset, e.g. ct-lung (see docs).")
@click.option("--slice", "slice_index", type=int, default=None, help="Slice index (default: the middle slice).")
@click.option("--frame", "frame_index", type=int, default=None, help="Frame of a multi-frame file (same as --slice).")
@click.option("--volume", "volume_index", type=int, default=None, help="Volume of a 4D NIfTI (default 0).")
def render_command(
    path: Path,
    out: Path,
    window_text: str | None,
    preset_name: str | None,
    slice_index: int | None,
    frame_index: int | None,
    volume_index: int | None,
) -> None:
    """Render one slice to PNG exactly as a reader sees it.

    Default: the middle slice with the default window (the file's first window, else its VOI LUT, else a
    robust 0.5-99.5 percentile window). The PNG holds the presented uint8 pixels and no metadata.
    """
    from turingview.imaging import Window, load_image
    from turingview.imaging.display import render_slice
    from turingview.imaging.encode import save_png
    from turingview.imaging.presets import preset

    if window_text is not None and preset_name is not None:
        raise InvalidInputError("give either --window or --preset, not both")
    if slice_index is not None and frame_index is not None and slice_index != frame_index:
        raise InvalidInputError("--slice and --frame name the same axis; give one of them")
    if out.suffix.lower() != ".png":
        raise InvalidInputError(f"--out {out}: the output must be a .png file")
    window = None
    if window_text is not None:
        center, width = _parse_window(window_text)
        window = Window(center=center, width=width, name="cli")
    elif preset_name is not None:
        try:
            window = preset(preset_name)
        except KeyError as exc:
            raise InvalidInputError(str(exc.args[0])) from None
    volume = load_image(path, volume_index=volume_index)
    index = slice_index if slice_index is not None else frame_index
    if index is None:
        index = volume.middle_slice
    if not 0 <= index < volume.n_slices:
        raise InvalidInputError(f"{path}: slice {index} out of range 0..{volume.n_slices - 1}")
    image = render_slice(volume, index, window)
    save_png(image, out)
    click.echo(f"wrote {out} ({image.shape[1]}x{image.shape[0]}, slice {index} of {volume.n_slices})")
