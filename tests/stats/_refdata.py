"""Readers for the CSV files of /work/shared/reference-data (see the README of each folder)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

REFERENCE_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "reference-data"


def read_matrix(path: Path, *, skip_cols: int = 1) -> np.ndarray:
    """A CSV with a header row as a float matrix (empty field -> nan), dropping the first ``skip_cols`` columns."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    return np.array([[float(v) if v.strip() else np.nan for v in r[skip_cols:]] for r in rows])


def read_long_table(path: Path, k: int) -> np.ndarray:
    """A long 'row,col,value' CSV as a k x k matrix."""
    out = np.zeros((k, k))
    with path.open(newline="", encoding="utf-8") as fh:
        for r in list(csv.reader(fh))[1:]:
            out[int(r[0]) - 1, int(r[1]) - 1] = float(r[2])
    return out


def read_dicts(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
