"""Reshaping the validated long table into the arrays the statistics functions take.

Nothing here computes a statistic: it selects rows (first reads, one condition, one subgroup) and pivots
them into ``readers x cases`` matrices with NaN for a reading that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Matrix:
    """Scores of one condition as a ``readers x cases`` array (NaN = not read).

    Attributes
    ----------
    readers, cases
        Row and column labels, in sorted order.
    scores
        ``float`` array, shape ``(len(readers), len(cases))``.
    is_real
        Per case: ``True`` real, ``False`` synthetic; ``None`` when the data has no truth.
    """

    readers: tuple[str, ...]
    cases: tuple[str, ...]
    scores: np.ndarray
    is_real: np.ndarray | None

    @property
    def complete_cases(self) -> np.ndarray:
        """Boolean mask of the cases read by every reader."""
        return ~np.isnan(self.scores).any(axis=0)


def natural_key(text: str) -> tuple:
    """Sort key that orders ``R2`` before ``R10``."""
    import re

    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(text)))


def first_reads(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``repeat == 0`` (the analysis set; repeated reads feed intra-reader agreement only)."""
    return frame[frame["repeat"] == 0]


def case_truth(frame: pd.DataFrame) -> pd.Series | None:
    """Truth per case (``True`` = real) or ``None`` when the data has no truth."""
    if frame["truth"].isna().all():
        return None
    return frame.groupby("case")["truth"].first().eq("real")


def matrix(frame: pd.DataFrame, *, readers: list[str] | None = None) -> Matrix:
    """Pivot first reads of one condition to a :class:`Matrix`."""
    data = first_reads(frame)
    reader_ids = sorted(data["reader"].unique(), key=natural_key) if readers is None else list(readers)
    case_ids = sorted(data["case"].unique(), key=natural_key)
    r_index = {r: i for i, r in enumerate(reader_ids)}
    c_index = {c: j for j, c in enumerate(case_ids)}
    scores = np.full((len(reader_ids), len(case_ids)), np.nan)
    ri = data["reader"].map(r_index).to_numpy()
    keep = ~pd.isna(ri)
    ci = data["case"].map(c_index).to_numpy()
    scores[ri[keep].astype(int), ci[keep].astype(int)] = data["score"].to_numpy(dtype=float)[keep]
    truth = case_truth(data)
    is_real = None if truth is None else truth.reindex(case_ids).to_numpy(dtype=bool)
    return Matrix(tuple(reader_ids), tuple(case_ids), scores, is_real)


def conditions(frame: pd.DataFrame) -> list[str]:
    """The test conditions in natural order (``[""]`` when the data has no test column)."""
    return sorted(frame["test"].unique(), key=natural_key)


def subgroup_subset(frame: pd.DataFrame, column: str, level: str) -> pd.DataFrame:
    """Rows of one subgroup level.

    For ``generator`` the subset is the synthetic cases of that generator plus every real case (a real image
    has no generator), so detection statistics compare that generator against the real images.
    """
    if column == "generator":
        return frame[(frame["generator"] == level) | (frame["truth"] == "real")]
    return frame[frame[column] == level]


def levels(frame: pd.DataFrame, column: str) -> list[str]:
    """Non-empty levels of a subgroup column (for ``generator``: of synthetic cases when truth is known).

    A column with a single level gives no subgroups (its only subgroup would be the whole data).
    """
    values = frame[column]
    if column == "generator" and not frame["truth"].isna().all():
        values = values[frame["truth"] == "synthetic"]
    found = sorted((v for v in values.unique() if v != ""), key=natural_key)
    return found if len(found) > 1 else []
