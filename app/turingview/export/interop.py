"""Exports for established MRMC software: iMRMC (FDA/DIDSR) and RJafroc (JAFROC Excel format).

Both files hold the first reads (``repeat = 0``) of cases with known truth, with **real = diseased /
signal-present / positive** and **synthetic = non-diseased / signal-absent / negative**, because a higher
score means "more real" (so the detection AUC is the ROC AUC these tools compute). Readers, cases and
conditions are numbered 1..n (both tools want integer case ids); ``ids_key.csv`` maps every number back to
the original id.

iMRMC ``.imrmc`` (Gallas; also read by ``RJafroc::DfReadDataFile(format = "iMRMC")``): free description
lines, ``NR:``/``N0:``/``N1:``/``NM:`` lines, ``BEGIN DATA:``, then ``readerID,caseID,modalityID,score``
rows; the truth rows come first with reader ``-1``, modality ``0`` and score ``1`` (real) or ``0``
(synthetic).

RJafroc JAFROC workbook (``RJafroc::DfReadDataFile(file)``, ROC paradigm, the original three-sheet format):
``Truth`` (CaseID, LesionID, Weight: real cases LesionID 1 Weight 1, synthetic cases LesionID 0 Weight 0),
``FP`` (ReaderID, ModalityID, CaseID, FP_Rating: ratings of synthetic cases) and ``TP`` (ReaderID,
ModalityID, CaseID, LesionID, TP_Rating: ratings of real cases, LesionID 1).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from turingview.export.frames import natural_key
from turingview.export.ratings import RatingsTable


def _keyed(table: RatingsTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First reads with truth, plus integer ids for reader, case and condition; and the id key table."""
    f = table.frame
    data = f[(f["repeat"] == 0) & f["truth"].notna()].copy()
    readers = sorted(data["reader"].unique(), key=natural_key)
    tests = sorted(data["test"].unique(), key=natural_key)
    # synthetic (negative) cases first, then real: the order iMRMC and JAFROC examples use
    truth = data.groupby("case")["truth"].first()
    cases = sorted(truth.index, key=lambda c: (truth[c] == "real", natural_key(c)))
    maps = {"reader": {r: i + 1 for i, r in enumerate(readers)}, "case": {c: i + 1 for i, c in enumerate(cases)},
            "test": {t: i + 1 for i, t in enumerate(tests)}}
    for col, m in maps.items():
        data[f"{col}_id"] = data[col].map(m)
    key = pd.DataFrame([{"kind": kind, "id": i, "original": orig or "(single condition)"}
                        for kind, m in maps.items() for orig, i in m.items()])
    key["truth"] = [truth.get(o) if k == "case" else None for k, o in zip(key["kind"], key["original"], strict=True)]
    return data.sort_values(["test_id", "reader_id", "case_id"]), key


def write_imrmc(table: RatingsTable, path: Path) -> bool:
    """Write the iMRMC input file (and ``ids_key.csv`` beside it); ``False`` when the data has no truth."""
    if not table.has_truth:
        return False
    data, key = _keyed(table)
    truth = data.groupby("case_id")["truth"].first().sort_index()
    tests = key[key["kind"] == "test"]
    lines = [
        "TuringView export for iMRMC (real vs synthetic detection study)",
        f"Generated {datetime.now(UTC).strftime('%Y-%m-%d %H.%M UTC')} from {table.source}",
        f"Input SHA-256 {table.sha256}",
        f"Scores 1..{table.scale_k}; higher = more real. Truth 1 = real (signal present); 0 = synthetic.",
        "Reader, case and modality numbers are listed in ids_key.csv",
        "Modalities " + "; ".join(f"{i} = {o}" for i, o in zip(tests["id"], tests["original"], strict=True)),
        "",
        f"NR: {data['reader_id'].nunique()}",
        f"N0: {int((truth == 'synthetic').sum())}",
        f"N1: {int((truth == 'real').sum())}",
        f"NM: {data['test_id'].nunique()}",
        "",
        "BEGIN DATA:",
    ]
    lines += [f"-1,{c},0,{1 if t == 'real' else 0}" for c, t in truth.items()]
    lines += [f"{r},{c},{m},{s}" for r, c, m, s in zip(data["reader_id"], data["case_id"], data["test_id"],
                                                          data["score"], strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    key.to_csv(path.parent / "ids_key.csv", index=False, lineterminator="\n")
    return True


def write_rjafroc(table: RatingsTable, path: Path) -> bool:
    """Write the JAFROC Excel workbook (sheets Truth, FP, TP); ``False`` when the data has no truth."""
    if not table.has_truth:
        return False
    data, key = _keyed(table)
    truth = data.groupby("case_id")["truth"].first().sort_index()
    is_real = truth == "real"
    truth_sheet = pd.DataFrame({"CaseID": truth.index.astype(int), "LesionID": is_real.astype(int).to_numpy(),
                                "Weight": is_real.astype(float).to_numpy()})
    real_rows = data["truth"] == "real"
    fp = pd.DataFrame({"ReaderID": data.loc[~real_rows, "reader_id"].to_numpy(),
                       "ModalityID": data.loc[~real_rows, "test_id"].to_numpy(),
                       "CaseID": data.loc[~real_rows, "case_id"].to_numpy(),
                       "FP_Rating": data.loc[~real_rows, "score"].to_numpy()})
    tp = pd.DataFrame({"ReaderID": data.loc[real_rows, "reader_id"].to_numpy(),
                       "ModalityID": data.loc[real_rows, "test_id"].to_numpy(),
                       "CaseID": data.loc[real_rows, "case_id"].to_numpy(), "LesionID": 1,
                       "TP_Rating": data.loc[real_rows, "score"].to_numpy()})
    from turingview.export.xlsx import write_xlsx

    write_xlsx([("Truth", truth_sheet), ("FP", fp), ("TP", tp)], path)
    key.to_csv(path.parent / "ids_key.csv", index=False, lineterminator="\n")
    return True


def read_imrmc(path: Path) -> tuple[dict[str, int], pd.DataFrame]:
    """Parse an ``.imrmc`` file back: the header counts and the data rows (used by the tests and for checks)."""
    header: dict[str, int] = {}
    rows = []
    in_data = False
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if not in_data:
            name, _, value = text.partition(":")
            if name in {"NR", "N0", "N1", "NM"}:
                header[name] = int(value)
            in_data = text == "BEGIN DATA:"
            continue
        if text:
            r, c, m, s = text.split(",")
            rows.append((int(r), int(c), int(m), float(s)))
    return header, pd.DataFrame(rows, columns=["readerID", "caseID", "modalityID", "score"])
