"""``turingview analyze --study NAME``: a real SQLite study rated through the real reading source."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from support import run_cli

from synthetic_images import write_ct_slice


def _write_ct(path: Path, rng: np.random.Generator) -> None:
    yy, xx = np.mgrid[:32, :32]
    hu = np.where((yy - 16) ** 2 + (xx - 16) ** 2 < 80, 40.0, -1000.0) + rng.normal(0, 25, (32, 32))
    write_ct_slice(path, hu)


@pytest.fixture
def rated_study(sqlite_url: str, tmp_path: Path) -> tuple[str, str]:
    """An open study (6 real + 6 synthetic CT slices, 3 readers, repeats), every order rated, a realism artifact."""
    from turingview.core.domain import DEFAULT_ARTEFACT_FLAGS, RatingInput
    from turingview.study import case_records, create_study, open_reading_source, save_artifact
    from turingview.study.opening import open_study

    rng = np.random.default_rng(1)
    real, synthetic = tmp_path / "real", tmp_path / "synthetic"
    real.mkdir()
    synthetic.mkdir()
    for i in range(6):
        _write_ct(real / f"r{i}.dcm", rng)
        _write_ct(synthetic / f"s{i}.dcm", rng)
    create_study(sqlite_url, "pilot", real_dirs=[real], synthetic_dirs=[synthetic], readers=["ann", "bob", "cy"],
                 seed=42, repeat_fraction=0.25)
    open_study(sqlite_url, "pilot")
    truth = {r["blinded_id"]: r["truth"] for r in case_records(sqlite_url, "pilot")}
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    for reader in ("ann", "bob", "cy"):
        source = open_reading_source(sqlite_url, "pilot", reader)
        try:
            for case in source.order():
                score = int(np.clip(np.round(rng.normal(3.5 if truth[case.blinded_id] == "real" else 2.5, 1)), 1, 5))
                flags = (DEFAULT_ARTEFACT_FLAGS[0],) if score <= 2 else ()
                source.record_rating(RatingInput(position=case.position, blinded_id=case.blinded_id, score=score,
                                                 shown_at=start, answered_at=start + timedelta(seconds=5),
                                                 elapsed_ms=5000, artefacts=flags))
        finally:
            source.close()
    save_artifact(sqlite_url, "pilot", "realism", {"auc": 0.61, "auc_ci": [0.52, 0.7], "accuracy": 0.58,
                                                   "p_value": 0.03, "n_test": 40, "power": 0.8,
                                                   "per_image": [{"case": "x", "p": 0.4}]})
    return sqlite_url, "pilot"


def test_analyze_study_records_study_provenance_and_realism(rated_study: tuple[str, str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from turingview.study import get_study, ratings_records

    db_url, name = rated_study
    out = tmp_path / "out"
    code, stdout, err = run_cli(["analyze", "--study", name, "--db", db_url, "--out", str(out)], capsys)
    assert code == 0, err
    assert "reader-averaged AUC" in stdout
    results = json.loads((out / "results.json").read_text())
    summary = get_study(db_url, name)
    prov = results["provenance"]
    assert prov["study"] == name and prov["seed"] == 42
    assert prov["audit_chain_head"] == summary.audit_head and len(prov["audit_chain_head"]) >= 32
    assert prov["settings"] == json.loads(json.dumps(dict(summary.settings), default=str))
    records = ratings_records(db_url, name)
    assert results["data"]["n_ratings"] == len(records)
    assert results["data"]["n_repeat_reads"] == sum(1 for r in records if int(r["repeat"]) == 1) > 0
    assert results["intra_reader"] and results["mrmc"]["n_readers"] == 3
    assert results["realism"]["auc"] == 0.61 and results["realism"]["n_per_image"] == 1
    assert results["realism_concordance"]["n"] == 0 and "no per-image" in results["realism_concordance"]["note"]
    blinding = prov["blinding_audit"]
    assert blinding["verdict"] == "clean" and blinding["unresolved_strong"] == []
    assert blinding["override_reason"] is None
    html = (out / "report.html").read_text()
    assert "Domain-classifier realism check" in html and summary.audit_head in html
    assert "blinding audit" in html and "verdict=clean" in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
        assert summary.audit_head[:16] in text.replace("\n", "")


def test_unknown_study_is_one_line(sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from turingview.study import list_studies

    list_studies(sqlite_url)  # creates the empty schema
    code, _, err = run_cli(["analyze", "--study", "nope", "--db", sqlite_url, "--out", str(tmp_path / "o")], capsys)
    assert code != 0 and err.count("\n") == 1 and "nope" in err


def _png() -> bytes:
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=60)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 0.2, 1], [0, 0.8, 1])
    ax.set_title("stored ROC")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def test_realism_verdict_figures_and_concordance_in_the_report(rated_study: tuple[str, str], tmp_path: Path,
                                                               results_schema: dict) -> None:
    import base64

    import jsonschema
    from scipy import stats

    from turingview.cli.analyze import analyse_study
    from turingview.study import case_records, ratings_records, save_artifact

    db_url, name = rated_study
    records = ratings_records(db_url, name)
    first = [r for r in records if int(r["repeat"]) == 0 and r["truth"] == "synthetic"]
    synthetic = sorted({r["case"] for r in first})
    mean = {c: np.mean([r["score"] for r in first if r["case"] == c]) for c in synthetic}
    flag = {c: np.mean([bool(r["artefacts"]) for r in first if r["case"] == c]) for c in synthetic}
    # The classifier's scores: the readers' ranking plus a twist, so rho is clearly negative but not -1.
    score = {c: float(np.clip(0.95 - 0.15 * (mean[c] - 1) + 0.1 * ((i % 3) - 1), 0, 1))
             for i, c in enumerate(synthetic)}
    label = {r["blinded_id"]: r["case_id"] for r in case_records(db_url, name)}
    per_image = [{"case_id": label[c], "blinded_id": c, "truth": "synthetic", "synthetic_score": score[c],
                  "generator": "gan-x"} for c in synthetic]
    per_image += [{"case_id": label[r["blinded_id"]], "blinded_id": r["blinded_id"], "truth": "real",
                   "synthetic_score": 0.99} for r in case_records(db_url, name) if r["truth"] == "real"]
    per_image.append({"case_id": "elsewhere", "blinded_id": "NOT-IN-STUDY", "truth": "synthetic",
                      "synthetic_score": 0.5})
    png = _png()
    save_artifact(db_url, name, "realism", {
        "verdict": "detectable", "verdict_reasons": ["the classifier tells synthetic from real: AUC 0.910"],
        "warnings": ["classes are unbalanced: check the balanced accuracy"], "auc": 0.91, "auc_ci": [0.8, 0.97],
        "accuracy": 0.84, "p_value": 0.001, "n_test": 12, "power": 0.5, "per_image": per_image,
        "figures": {"roc": base64.b64encode(png).decode(), "spectrum": base64.b64encode(b"GIF89a" + png).decode(),
                    "../../evil": base64.b64encode(png).decode()}})
    out = tmp_path / "out"
    results = analyse_study(name, db_url, out_dir=out)
    jsonschema.validate(results, results_schema, cls=jsonschema.Draft202012Validator)
    on_disk = json.loads((out / "results.json").read_text())
    conc = on_disk["realism_concordance"]
    assert conc["n"] == len(synthetic) == 6 and conc["n_classifier_synthetic"] == 7
    ref = stats.spearmanr([score[c] for c in synthetic], [mean[c] for c in synthetic])
    assert conc["rho"] == pytest.approx(ref.statistic, abs=1e-12) and conc["rho"] < 0
    assert conc["p_value"] == pytest.approx(ref.pvalue, rel=1e-9)
    assert conc["top_k"] == 2 and conc["overlap"] == len(set(conc["classifier_top"]) & set(conc["reader_bottom"]))
    by_id = {i["blinded_id"]: i for i in conc["images"]}
    assert set(by_id) == set(synthetic)
    for c in synthetic:
        assert by_id[c]["reader_mean_score"] == pytest.approx(mean[c])
        assert by_id[c]["flag_rate"] == pytest.approx(flag[c])
        assert by_id[c]["case_id"] == label[c]
    assert [i["classifier_score"] for i in conc["images"]] == sorted(score.values(), reverse=True)
    realism = on_disk["realism"]
    assert "per_image" not in realism and "figures" not in realism
    assert realism["figures_embedded"] == ["roc"] and realism["n_per_image"] == len(per_image)
    notes = {n["where"]: n["reason"] for n in on_disk["notes"]}
    assert "not a PNG" in notes["realism figures: spectrum"] and "'../../evil'" in notes["realism figures"]
    assert "1 of 7 synthetic images" in notes["realism concordance"]
    assert sorted(p.name for p in (out / "figures").glob("realism_*")) == ["realism_roc.png"]
    assert (out / "figures" / "realism_roc.png").read_bytes() == png
    assert not list(tmp_path.rglob("evil*"))
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," + base64.b64encode(png).decode() in html
    assert "Verdict: detectable" in html and "classes are unbalanced" in html and "Spearman" in html
    assert label[conc["images"][0]["blinded_id"]] in html
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True).stdout
        flat = " ".join(text.split())
        assert "Verdict: detectable" in flat and "Spearman" in flat and "most easily" in flat
