"""The Van Dyke (1993) MRMC data set through the whole ``analyze`` pipeline (test column -> OR/Hillis).

5 readers x 2 modalities x 114 cases (45 diseased). Mapped to our conventions: diseased = "real" (the
positive class, higher rating = more "real"), modality = ``test``. The published Obuchowski-Rockette/Hillis
analysis (jackknife covariance; OR-DBM MRMC, RJafroc ``StSignificanceTesting(method = "OR")``, MRMCaov):
reader-averaged AUCs 0.8970 and 0.9408, F = 4.46 on (1, 15.26) df, p = 0.0517.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from support import run_cli

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference-data" / "vandyke-mrmc" / "vandyke.csv"


@pytest.mark.skipif(not REFERENCE.is_file(), reason="shared reference data not available")
def test_vandyke_through_analyze(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from turingview.stats import mrmc

    rows = list(csv.DictReader(REFERENCE.open()))
    long = tmp_path / "vandyke_long.csv"
    with long.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["reader", "case", "test", "score", "truth"])
        for r in rows:
            writer.writerow([f"reader{r['reader']}", f"case{int(r['case']):03d}", f"modality{r['treatment']}",
                             r["rating"], "real" if r["truth"] == "1" else "synthetic"])
    out = tmp_path / "out"
    code, stdout, err = run_cli(["analyze", str(long), "--out", str(out), "--no-report"], capsys)
    assert code == 0, err
    results = json.loads((out / "results.json").read_text())
    m = results["mrmc"]
    aucs = {t["test"]: t["auc"] for t in m["tests"]}
    assert aucs["modality1"] == pytest.approx(0.89703704, abs=5e-6)
    assert aucs["modality2"] == pytest.approx(0.94083736, abs=5e-6)
    diff = m["difference"]
    assert diff["estimate"] == pytest.approx(0.89703704 - 0.94083736, abs=1e-5)
    assert diff["f"] == pytest.approx(4.456, abs=0.01)
    assert diff["df_denominator"] == pytest.approx(15.26, abs=0.02)
    assert diff["p"] == pytest.approx(0.0517, abs=0.0005)
    # and exactly what a direct call on the same arrays gives
    scores = np.zeros((2, 5, 114))
    truth = np.empty(114, dtype=object)
    for r in rows:
        scores[int(r["treatment"]) - 1, int(r["reader"]) - 1, int(r["case"]) - 1] = float(r["rating"])
        truth[int(r["case"]) - 1] = "real" if r["truth"] == "1" else "synthetic"
    direct = mrmc.or_mrmc(scores, list(truth))
    assert diff["p"] == pytest.approx(direct.comparison.p_value, rel=1e-12)
    assert "modality1 - modality2" in stdout or "AUC difference" in stdout
    # the iMRMC export carries the same design
    header = (out / "ratings.imrmc").read_text()
    assert "NR: 5" in header and "N0: 69" in header and "N1: 45" in header and "NM: 2" in header
