"""The realism artifact in ``run_analysis``: PNG validation, degenerate concordance, plain ratings without a study."""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest

from turingview.export.jsonsafe import Notes
from turingview.export.realism_join import decode_figures, png_problem


def _png(width: int = 4, height: int = 3) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\0" + bytes(width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_png_checks() -> None:
    good = _png()
    from PIL import Image  # the hand-built PNG is a real one

    assert Image.open(io.BytesIO(good)).size == (4, 3)
    assert png_problem(good) is None
    assert "signature" in png_problem(b"GIF89a" + good)
    assert "truncated" in png_problem(good[:-6])
    corrupt = bytearray(good)
    corrupt[40] ^= 0xFF
    assert "CRC" in png_problem(bytes(corrupt))
    assert "after the PNG end" in png_problem(good + b"<script>")
    assert "pixels" in png_problem(_png(20_000, 1))


def test_decode_figures_keeps_only_valid_pngs_of_known_kinds() -> None:
    notes = Notes()
    good = base64.b64encode(_png()).decode()
    out = decode_figures({"roc": good, "saliency": "not base64 !!", "spectrum": base64.b64encode(b"%PDF").decode(),
                          "/etc/passwd": good}, notes)
    assert out == {"roc": _png()}
    where = {n["where"]: n["reason"] for n in notes.items}
    assert "base64" in where["realism figures: saliency"] and "PNG signature" in where["realism figures: spectrum"]
    assert "'/etc/passwd'" in where["realism figures"]
    notes = Notes()
    assert decode_figures(["roc"], notes) == {} and "not a mapping" in notes.items[0]["reason"]


def _records(n_cases: int = 8, readers: tuple[str, ...] = ("a", "b", "c")) -> list[dict]:
    rng = np.random.default_rng(5)
    out = []
    for i in range(n_cases):
        truth = "synthetic" if i % 2 else "real"
        for reader in readers:
            score = int(rng.integers(1, 6))
            out.append({"reader": reader, "case": f"B{i:02d}", "score": score, "truth": truth,
                        "artefacts": "blur" if score <= 2 else ""})
    return out


def test_too_few_joined_images_give_a_note_not_a_crash(tmp_path: Path, results_schema: dict) -> None:
    import jsonschema

    from turingview.export.analysis import run_analysis

    realism = {"verdict": "inconclusive", "auc": 0.6, "per_image": [
        {"blinded_id": "B01", "truth": "synthetic", "synthetic_score": 0.7},
        {"blinded_id": "B03", "truth": "synthetic", "synthetic_score": 0.4},
        {"blinded_id": "B00", "truth": "real", "synthetic_score": 0.2}]}
    results = run_analysis(_records(), out_dir=tmp_path / "o", realism=realism, pdf=False, subgroups=False)
    jsonschema.validate(results, results_schema, cls=jsonschema.Draft202012Validator)
    conc = results["realism_concordance"]
    assert conc["n"] == 2 and conc["rho"] is None and "at least 3" in conc["note"]
    assert any(n["where"] == "realism concordance" and "at least 3" in n["reason"] for n in results["notes"])
    json.loads((tmp_path / "o" / "results.json").read_text())  # strict JSON written
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Verdict: inconclusive" in html and "not reported" in html


def test_constant_scores_and_no_match(tmp_path: Path) -> None:
    from turingview.export.analysis import run_analysis

    per_image = [{"blinded_id": f"B{i:02d}", "truth": "synthetic", "synthetic_score": 0.5} for i in (1, 3, 5, 7)]
    results = run_analysis(_records(), out_dir=tmp_path / "o", realism={"per_image": per_image}, report=False,
                           subgroups=False)
    conc = results["realism_concordance"]
    assert conc["n"] == 4 and conc["rho"] is None and "classifier scores are equal" in conc["note"]
    other = [{"blinded_id": "X1", "truth": "synthetic", "synthetic_score": 0.9}]
    results = run_analysis(_records(), out_dir=tmp_path / "p", realism={"per_image": other}, report=False,
                           subgroups=False)
    assert results["realism_concordance"]["n"] == 0 and "another study" in results["realism_concordance"]["note"]


def test_several_slices_per_case_are_averaged_and_repeats_ignored(tmp_path: Path) -> None:
    from scipy import stats

    from turingview.export.analysis import run_analysis

    records = _records(10)
    records.append(dict(records[1], score=1 if records[1]["score"] > 1 else 5, repeat=1))  # a repeat read
    for r in records:
        r.setdefault("repeat", 0)
    synthetic = [f"B{i:02d}" for i in range(1, 10, 2)]
    slices = {c: [0.1 * j + 0.05 * k for k in range(3)] for j, c in enumerate(synthetic)}
    per_image = [{"blinded_id": c, "truth": "synthetic", "synthetic_score": s, "slice": k}
                 for c, ss in slices.items() for k, s in enumerate(ss)]
    results = run_analysis(records, out_dir=tmp_path / "o", realism={"per_image": per_image}, report=False,
                           subgroups=False)
    conc = results["realism_concordance"]
    first = [r for r in records if r["repeat"] == 0]
    means = [np.mean([r["score"] for r in first if r["case"] == c]) for c in synthetic]
    ref = stats.spearmanr([np.mean(slices[c]) for c in synthetic], means)
    assert conc["n"] == 5 and conc["rho"] == pytest.approx(ref.statistic)
    assert {i["blinded_id"]: i["classifier_score"] for i in conc["images"]} == pytest.approx(
        {c: float(np.mean(s)) for c, s in slices.items()})
    assert all(i["n_readings"] == 3 for i in conc["images"])


def test_without_per_image_there_is_no_concordance_key(tmp_path: Path) -> None:
    from turingview.export.analysis import run_analysis

    results = run_analysis(_records(), out_dir=tmp_path / "o", realism={"auc": 0.5}, report=False, subgroups=False)
    assert "realism_concordance" not in results and results["realism"]["figures_embedded"] == []
