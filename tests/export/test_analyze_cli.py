"""``turingview analyze`` end to end: every output written, valid, and equal to direct statistics calls."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import numpy as np
import openpyxl
import pandas as pd
import pytest

from turingview.export.interop import read_imrmc
from turingview.stats import agreement, mrmc, roc

EXPECTED_FILES = ["results.json", "results.xlsx", "ratings.imrmc", "ratings_rjafroc.xlsx", "ids_key.csv",
                  "report.html", "report.pdf", "tables/per_reader.csv", "tables/agreement_pairs.csv",
                  "tables/agreement.csv", "tables/mrmc.csv", "tables/equivalence.csv", "tables/per_generator.csv",
                  "tables/intra_reader.csv", "tables/distributions.csv", "tables/subgroups.csv", "tables/notes.csv",
                  "tables/provenance.csv", "tables/conventions.csv", "tables/roc_curves.csv",
                  "figures/roc.png", "figures/histogram.png", "figures/kappa.png", "figures/fooling.png"]


def _long(csv: Path) -> pd.DataFrame:
    return pd.read_csv(csv, dtype={"reader": str, "case": str}, keep_default_na=False)


def test_exit_code_and_every_file_written(full_run: dict) -> None:
    assert full_run["code"] == 0
    out: Path = full_run["out"]
    missing = [name for name in EXPECTED_FILES if not (out / name).is_file()]
    assert missing == []
    assert not list(out.parent.glob(".turingview-analysis-*")), "staging folder left behind"


def test_results_json_is_valid_against_the_schema(full_run: dict, results_schema: dict) -> None:
    jsonschema.Draft202012Validator.check_schema(results_schema)
    jsonschema.validate(full_run["results"], results_schema, cls=jsonschema.Draft202012Validator)
    text = (full_run["out"] / "results.json").read_text()
    assert "NaN" not in text and "Infinity" not in text


def test_schema_rejects_a_broken_results_file(full_run: dict, results_schema: dict) -> None:
    broken = json.loads(json.dumps(full_run["results"]))
    broken["per_reader"][0]["auc_ci"] = [0.4]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, results_schema, cls=jsonschema.Draft202012Validator)
    del broken["agreement"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, results_schema, cls=jsonschema.Draft202012Validator)


def test_provenance_and_conventions(full_run: dict) -> None:
    import hashlib

    r = full_run["results"]
    assert r["provenance"]["input_sha256"] == hashlib.sha256(full_run["csv"].read_bytes()).hexdigest()
    assert set(r["provenance"]["software"]) >= {"turingview", "numpy", "scipy", "statsmodels", "pandas", "python"}
    assert r["conventions"]["threshold"] == 2 and r["conventions"]["scale"] == [1, 5]
    assert r["data"]["n_repeat_reads"] > 0


def test_numbers_equal_direct_calls_of_the_statistics(full_run: dict) -> None:
    r = full_run["results"]
    data = _long(full_run["csv"])
    first = data[data["repeat"] == 0]
    wide = first.pivot(index="reader", columns="case", values="score")
    truth = first.groupby("case")["truth"].first().reindex(wide.columns)
    is_real = (truth == "real").to_numpy()
    row = next(p for p in r["per_reader"] if p["reader"] == "R2")
    s = wide.loc["R2"].to_numpy(float)
    direct = roc.delong_auc(s[is_real], s[~is_real])
    assert row["auc"] == pytest.approx(direct.estimate, abs=1e-12)
    assert row["auc_ci"] == pytest.approx([direct.ci_low, direct.ci_high], abs=1e-12)
    pair = next(p for p in r["agreement"]["pairs"] if (p["reader_a"], p["reader_b"]) == ("R1", "R3"))
    k = agreement.cohen_kappa(wide.loc["R1"].to_numpy(int), wide.loc["R3"].to_numpy(int),
                              categories=range(1, 6), weights="linear")
    assert pair["kappa_linear"] == pytest.approx(k.estimate, abs=1e-12)
    assert pair["kappa_linear_se"] == pytest.approx(k.se, abs=1e-12)
    fleiss = agreement.fleiss_kappa(wide.to_numpy(float).T, categories=range(1, 6))
    assert r["agreement"]["fleiss_kappa"] == pytest.approx(fleiss.estimate, abs=1e-12)
    assert r["agreement"]["fleiss_kappa_z"] == pytest.approx(fleiss.statistic, abs=1e-12)
    alpha = agreement.krippendorff_alpha(wide.to_numpy(float), level="ordinal", categories=range(1, 6))
    assert r["agreement"]["krippendorff_alpha"]["ordinal"] == pytest.approx(alpha.estimate, abs=1e-12)
    labels = np.where(is_real, "real", "synthetic")
    res = mrmc.or_mrmc(wide.to_numpy(float), labels)
    assert r["mrmc"]["auc"] == pytest.approx(res.tests[0].auc.estimate, abs=1e-12)
    assert r["mrmc"]["df"] == pytest.approx(res.tests[0].auc.df, rel=1e-12)
    assert len(r["agreement"]["pairs"]) == 10


def test_tidy_csv_tables_carry_the_json_numbers(full_run: dict) -> None:
    r = full_run["results"]
    per_reader = pd.read_csv(full_run["out"] / "tables" / "per_reader.csv", dtype={"reader": str})
    assert list(per_reader["reader"]) == [p["reader"] for p in r["per_reader"]]
    assert per_reader["auc_ci_low"].to_numpy() == pytest.approx([p["auc_ci"][0] for p in r["per_reader"]])
    pairs = pd.read_csv(full_run["out"] / "tables" / "agreement_pairs.csv")
    assert len(pairs) == len(r["agreement"]["pairs"])
    assert pairs["kappa_quadratic"].to_numpy() == pytest.approx([p["kappa_quadratic"] for p in r["agreement"]["pairs"]])


def test_xlsx_workbook_opens_with_a_sheet_per_table(full_run: dict) -> None:
    book = openpyxl.load_workbook(full_run["out"] / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "README"
    for name in ("per_reader", "agreement_pairs", "mrmc", "subgroups", "provenance", "notes"):
        assert name in book.sheetnames
    sheets = pd.read_excel(full_run["out"] / "results.xlsx", sheet_name=None)
    csv = pd.read_csv(full_run["out"] / "tables" / "per_reader.csv", dtype={"reader": str})
    pd.testing.assert_frame_equal(sheets["per_reader"].astype({"reader": str}), csv, check_dtype=False)


def test_imrmc_file_parses_back(full_run: dict) -> None:
    header, rows = read_imrmc(full_run["out"] / "ratings.imrmc")
    data = _long(full_run["csv"])
    first = data[data["repeat"] == 0]
    truth = first.groupby("case")["truth"].first()
    assert header == {"NR": 5, "N0": int((truth == "synthetic").sum()), "N1": int((truth == "real").sum()), "NM": 1}
    truth_rows = rows[rows["readerID"] == -1]
    assert len(truth_rows) == len(truth) and set(truth_rows["score"]) == {0.0, 1.0}
    ratings = rows[rows["readerID"] != -1]
    assert len(ratings) == len(first)
    key = pd.read_csv(full_run["out"] / "ids_key.csv", dtype=str)
    case_of = {int(i): o for k, i, o in zip(key["kind"], key["id"], key["original"], strict=True) if k == "case"}
    reader_of = {int(i): o for k, i, o in zip(key["kind"], key["id"], key["original"], strict=True) if k == "reader"}
    back = {(reader_of[r], case_of[c]): s for r, c, s in zip(ratings["readerID"], ratings["caseID"],
                                                             ratings["score"], strict=True)}
    orig = {(r, c): float(s) for r, c, s in zip(first["reader"], first["case"], first["score"], strict=True)}
    assert back == orig
    real_ids = {c for c, t in zip(truth_rows["caseID"], truth_rows["score"], strict=True) if t == 1}
    assert {case_of[c] for c in real_ids} == set(truth[truth == "real"].index)


def test_rjafroc_workbook_follows_the_jafroc_roc_layout(full_run: dict) -> None:
    sheets = pd.read_excel(full_run["out"] / "ratings_rjafroc.xlsx", sheet_name=None)
    assert list(sheets) == ["Truth", "FP", "TP"]
    assert list(sheets["Truth"].columns) == ["CaseID", "LesionID", "Weight"]
    assert list(sheets["FP"].columns) == ["ReaderID", "ModalityID", "CaseID", "FP_Rating"]
    assert list(sheets["TP"].columns) == ["ReaderID", "ModalityID", "CaseID", "LesionID", "TP_Rating"]
    truth = sheets["Truth"].set_index("CaseID")
    assert set(truth.loc[sheets["TP"]["CaseID"], "LesionID"]) == {1}  # real = diseased, lesion 1
    assert set(truth.loc[sheets["FP"]["CaseID"], "LesionID"]) == {0}  # synthetic = non-diseased
    n_first = int((_long(full_run["csv"])["repeat"] == 0).sum())
    assert len(sheets["FP"]) + len(sheets["TP"]) == n_first


def test_html_report_embeds_figures_and_provenance(full_run: dict) -> None:
    import html as html_lib

    html = html_lib.unescape((full_run["out"] / "report.html").read_text())
    assert full_run["results"]["provenance"]["input_sha256"] in html
    assert html.count("data:image/png;base64,") == 4
    assert "Reader-averaged AUC" in html and "Cohen's kappa per reader pair" in html


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdf_pages_are_numbered_and_carry_the_input_hash(full_run: dict) -> None:
    pdf = full_run["out"] / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 5 <= pages <= 12
    digest = full_run["results"]["provenance"]["input_sha256"]
    for page in (1, pages):
        text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        assert f"Page {page} of {pages}" in text
        assert digest in text.replace("\n", " ")
    first = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Summary of results" in first and "Reader-averaged AUC" in first
