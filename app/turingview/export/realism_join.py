"""The stored realism check in the analysis: its plots, and its per-image scores joined to the readers' ratings.

Export receives the realism artifact as a plain dict (it does not import the realism or study layers).
:func:`split_realism` separates the summary shown in ``results.json`` from the per-image rows and the
embedded PNG plots; :func:`realism_concordance` joins the per-image classifier scores of the synthetic study
cases to the readers' first reads by blinded id and calls
:func:`turingview.stats.concordance.classifier_reader_concordance`; :func:`write_realism_figures` writes the
validated plots into the report's figures folder under fixed names.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from turingview.export.jsonsafe import Notes
from turingview.export.ratings import RatingsTable

#: Plot kinds accepted from the artifact, in report order, with their captions.
FIGURE_CAPTIONS = {
    "roc": "Classifier ROC curve (out-of-fold scores), with its AUC and 95% interval; positive class = synthetic.",
    "saliency": "Grad-CAM maps of the synthetic images the classifier detects most easily: the regions that give "
                "them away (score = p(synthetic)).",
    "spectrum": "Mean radial power spectra of real and synthetic images and their difference (synthetic minus "
                "real); a deviation at high frequency points to generator texture or up-sampling artefacts.",
}
#: The largest decoded plot accepted from an artifact (bytes), and the largest side in pixels.
MAX_FIGURE_BYTES = 4 * 1024 * 1024
MAX_FIGURE_SIDE = 10_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIGN_CONVENTION = ("classifier score = out-of-fold p(synthetic); reader score = mean first-read score on 1..K "
                   "(1 = definitely synthetic); rho < 0 when the classifier and the readers find the same images")
_WHERE = "realism concordance"


def split_realism(realism: Mapping[str, Any], notes: Notes
                  ) -> tuple[dict[str, Any], list[dict[str, Any]] | None, dict[str, bytes]]:
    """Split a realism artifact into its ``results.json`` summary, its per-image rows and its valid PNG plots.

    The summary drops ``per_image`` (counted in ``n_per_image``), ``figures`` (listed in
    ``figures_embedded``) and ``figure_notes`` (moved to ``notes``).
    """
    summary = {k: v for k, v in realism.items() if k not in ("per_image", "figures", "figure_notes")}
    per_image = realism.get("per_image")
    if isinstance(per_image, list):
        summary["n_per_image"] = len(per_image)
        rows = [r for r in per_image if isinstance(r, Mapping)]
    else:
        rows = None
    for text in realism.get("figure_notes") or []:
        notes.add("realism figures", str(text))
    figures = decode_figures(realism.get("figures"), notes)
    summary["figures_embedded"] = list(figures)
    return summary, rows, figures


def png_problem(data: bytes) -> str | None:
    """Why ``data`` is not a complete, well-formed PNG (``None`` when it is).

    Checks the signature, that the first chunk is a 13-byte ``IHDR`` with a sane size, every chunk's CRC-32
    and that the file ends with ``IEND``; the pixels themselves are left to the PNG decoder.
    """
    if not data.startswith(PNG_SIGNATURE):
        return "not a PNG image (no PNG signature)"
    pos, first = len(PNG_SIGNATURE), True
    while pos + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        end = pos + 12 + length
        if end > len(data):
            return "truncated PNG"
        if zlib.crc32(data[pos + 4:pos + 8 + length]) != struct.unpack(">I", data[end - 4:end])[0]:
            return f"PNG chunk {kind!r} fails its CRC check"
        if first:
            if kind != b"IHDR" or length != 13:
                return "PNG without an IHDR header"
            width, height = struct.unpack(">II", data[pos + 8:pos + 16])
            if not (0 < width <= MAX_FIGURE_SIDE and 0 < height <= MAX_FIGURE_SIDE):
                return f"PNG of {width} x {height} pixels (at most {MAX_FIGURE_SIDE} a side)"
            first = False
        if kind == b"IEND":
            return None if end == len(data) else "data after the PNG end"
        pos = end
    return "truncated PNG (no IEND)"


def decode_figures(figures: Any, notes: Notes) -> dict[str, bytes]:
    """The artifact's base64 plots that decode to a valid PNG, by kind; anything else is skipped with a note."""
    out: dict[str, bytes] = {}
    if not figures:
        return out
    if not isinstance(figures, Mapping):
        notes.add("realism figures", f"'figures' is a {type(figures).__name__}, not a mapping: no plot embedded")
        return out
    for kind in figures:
        if kind not in FIGURE_CAPTIONS:
            notes.add("realism figures", f"unknown plot {str(kind)[:40]!r} in the realism artifact: ignored")
    for kind in FIGURE_CAPTIONS:
        text = figures.get(kind)
        if text is None:
            continue
        where = f"realism figures: {kind}"
        if not isinstance(text, str) or len(text) > MAX_FIGURE_BYTES * 4 // 3 + 4:
            notes.add(where, "not base64 text of at most 4 MB: skipped")
            continue
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            notes.add(where, "not valid base64: skipped")
            continue
        problem = png_problem(data)
        if problem:
            notes.add(where, f"{problem}: skipped")
            continue
        out[kind] = data
    return out


def write_realism_figures(figures: Mapping[str, bytes], folder: Path) -> dict[str, Path]:
    """Write validated plots as ``realism_<kind>.png`` (fixed names) and return them keyed ``realism_<kind>``."""
    out: dict[str, Path] = {}
    for kind, data in figures.items():
        if kind not in FIGURE_CAPTIONS or png_problem(data):
            continue  # never write what decode_figures did not accept, under a name it did not fix
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"realism_{kind}.png"
        path.write_bytes(data)
        out[f"realism_{kind}"] = path
    return out


def _classifier_frame(per_image: list[Mapping[str, Any]]) -> pd.DataFrame:
    rows = []
    for r in per_image:
        key = r.get("blinded_id") or r.get("case")
        score = r.get("synthetic_score")
        if key is None or str(r.get("truth", "synthetic")).lower() != "synthetic" or score is None:
            continue
        rows.append({"case": str(key), "case_id": r.get("case_id"), "generator": r.get("generator"),
                     "classifier_score": score})
    frame = pd.DataFrame(rows, columns=["case", "case_id", "generator", "classifier_score"])
    frame["classifier_score"] = pd.to_numeric(frame["classifier_score"], errors="coerce")
    frame = frame[frame["classifier_score"].between(0, 1)]
    # Several slices of one case (slices="all"): the case's score is their mean.
    return frame.groupby("case", sort=False).agg(case_id=("case_id", "first"), generator=("generator", "first"),
                                                 classifier_score=("classifier_score", "mean"))


def _reader_frame(table: RatingsTable) -> pd.DataFrame:
    f = table.frame
    f = f[f["repeat"] == 0]
    if "is_training" in f.columns:
        f = f[~f["is_training"].astype(str).str.lower().isin(("1", "true"))]
    if table.has_truth:
        f = f[f["truth"] == "synthetic"]
    grouped = f.groupby("case", sort=False)
    out = grouped.agg(reader_mean_score=("score", "mean"), n_readings=("score", "size"))
    if "artefacts" in f.columns:
        out["flag_rate"] = (f["artefacts"].astype(str).str.strip() != "").groupby(f["case"], sort=False).mean()
    return out


def _text(value: Any) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def realism_concordance(table: RatingsTable, per_image: list[Mapping[str, Any]], notes: Notes) -> dict[str, Any]:
    """Join the classifier's per-image scores to the readers' ratings and measure their concordance.

    Synthetic study cases only: the artifact's rows with ``truth = synthetic`` (key ``blinded_id``, which
    ratings carry as ``case``) against first reads of cases the ratings call synthetic (training reads
    excluded). Per case: the classifier's ``synthetic_score`` (mean over slices), the readers' mean score,
    the number of readings and the flag rate (share of readings with any artefact flag, when recorded).

    Returns
    -------
    dict
        :meth:`ConcordanceResult.to_dict` fields plus ``n_classifier_synthetic``, ``n_rated_synthetic``,
        ``join_key``, ``sign_convention`` and ``images`` (every joined image, most detectable first). With
        no joined image, the statistics are ``null`` and ``note`` says why.
    """
    from turingview.stats.concordance import classifier_reader_concordance

    clf = _classifier_frame(per_image)
    readers = _reader_frame(table)
    joined = clf.join(readers, how="inner").sort_values("classifier_score", ascending=False, kind="stable")
    base: dict[str, Any] = {"n_classifier_synthetic": len(clf), "n_rated_synthetic": len(readers),
                            "join_key": "blinded_id = ratings case", "sign_convention": SIGN_CONVENTION}
    if joined.empty:
        note = ("the realism artifact has no per-image synthetic_score of a synthetic image to compare" if clf.empty
                else f"none of the {len(clf)} synthetic images of the realism check matches one of the "
                     f"{len(readers)} rated synthetic cases by blinded id (a check of another study?)")
        notes.add(_WHERE, note)
        return {"n": 0, "rho": None, "p_value": None, "rho_ci": None, "note": note, **base, "images": []}
    has_flags = "flag_rate" in joined.columns
    result = classifier_reader_concordance(
        joined["classifier_score"].to_dict(), joined["reader_mean_score"].to_dict(),
        flag_rates=joined["flag_rate"].to_dict() if has_flags else None)
    if result.note:
        notes.add(_WHERE, result.note)
    if len(joined) < len(clf):
        notes.add(_WHERE, f"{len(clf) - len(joined)} of {len(clf)} synthetic images of the realism check have "
                          "no first read in the ratings: left out of the concordance")
    joined["classifier_rank"] = joined["classifier_score"].rank(ascending=False, method="min").astype(int)
    joined["reader_rank"] = joined["reader_mean_score"].rank(ascending=True, method="min").astype(int)
    images = [{"blinded_id": case, "case_id": _text(row["case_id"]), "generator": _text(row["generator"]),
               "classifier_score": float(row["classifier_score"]), "reader_mean_score": float(row["reader_mean_score"]),
               "n_readings": int(row["n_readings"]),
               "flag_rate": float(row["flag_rate"]) if has_flags and pd.notna(row["flag_rate"]) else None,
               "classifier_rank": int(row["classifier_rank"]), "reader_rank": int(row["reader_rank"])}
              for case, row in joined.iterrows()]
    return {**result.to_dict(), **base, "images": images}
