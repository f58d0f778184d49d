"""Loading and validating a long-format ratings table (CSV file or records) into a tidy DataFrame.

The long format has one row per reading: ``reader, case, score`` are required; ``truth`` (real/synthetic),
``test`` (the condition the case was read under), ``generator``, ``repeat`` (0 = first read, 1 = the
repeated read used for intra-reader agreement) and the subgroup columns (``modality, sex, age_band, site``)
are optional. Every problem is reported as one :class:`~turingview.core.errors.InvalidInputError` naming the
row: the 1-based line number of a CSV file (the header is line 1) or the 1-based record number of a list
of records.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from turingview.core.errors import InvalidInputError

REQUIRED_COLUMNS: tuple[str, ...] = ("reader", "case", "score")
#: Case-level columns analysed per level when present (``generator`` has its own rule, see docs/analysis.md).
SUBGROUP_COLUMNS: tuple[str, ...] = ("generator", "modality", "sex", "age_band", "site")
_TRUTH_LABELS = {"real": "real", "synthetic": "synthetic"}
_EMPTY = {"", "na", "n/a", "nan", "null"}


@dataclass(frozen=True)
class RatingsTable:
    """A validated ratings table.

    Attributes
    ----------
    frame
        One row per reading with columns ``reader, case, score (int), truth ('real'|'synthetic'|None),
        test, repeat (int 0/1), row (1-based source row)`` and any optional columns found.
    scale_k
        The declared scale 1..K.
    has_truth, has_test
        Whether the data carries truth labels / a test (condition) column.
    subgroup_columns
        The subgroup columns present with at least one non-empty value.
    source
        Human-readable source (file name or "records").
    sha256
        SHA-256 of the input file's bytes, or of the canonical JSON of the records.
    """

    frame: pd.DataFrame
    scale_k: int
    has_truth: bool
    has_test: bool
    subgroup_columns: tuple[str, ...]
    source: str
    sha256: str
    extra_columns: tuple[str, ...] = field(default=())


def _where(source: str, is_csv: bool, row: int) -> str:
    return f"{source} line {row}" if is_csv else f"{source} record {row}"


def _clean(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text.str.lower().isin(_EMPTY) | text.isna(), "")


def _validate(raw: pd.DataFrame, *, scale_k: int, source: str, is_csv: bool, sha256: str) -> RatingsTable:
    if not isinstance(scale_k, int) or isinstance(scale_k, bool) or scale_k < 2:
        raise InvalidInputError(f"scale must have at least 2 points, got {scale_k!r}")
    raw = raw.rename(columns={c: str(c).strip().lower() for c in raw.columns})
    first_data_row = 2 if is_csv else 1
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        where = f"{source} line 1 (header)" if is_csv else f"{source} record 1"
        raise InvalidInputError(f"{where}: missing required column(s) {', '.join(missing)}; "
                                f"found {', '.join(map(str, raw.columns)) or 'none'}")
    if len(raw) == 0:
        raise InvalidInputError(f"{source}: no ratings (the table has a header but no rows)")
    rows = np.arange(first_data_row, first_data_row + len(raw))
    frame = pd.DataFrame({"row": rows})
    for name in raw.columns:
        frame[name] = _clean(raw[name]).to_numpy()

    def fail(mask: np.ndarray, reason: str | Callable[[int], str]) -> None:
        idx = int(np.flatnonzero(mask)[0])
        text = reason(idx) if callable(reason) else reason
        raise InvalidInputError(f"{_where(source, is_csv, int(rows[idx]))}: {text}")

    for name in ("reader", "case"):
        empty = (frame[name] == "").to_numpy()
        if empty.any():
            fail(empty, f"empty {name} id")

    score_num = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(score_num) | (score_num != np.round(score_num))
    if bad.any():
        fail(bad, lambda i: f"score {frame['score'].iat[i]!r} is not an integer on the scale 1..{scale_k}")
    outside = (score_num < 1) | (score_num > scale_k)
    if outside.any():
        fail(outside, lambda i: f"score {int(score_num[i])} is outside the scale 1..{scale_k}")
    frame["score"] = score_num.astype(np.int64)

    has_truth = "truth" in frame.columns and bool((frame["truth"] != "").any())
    if has_truth:
        lowered = frame["truth"].str.lower()
        blank = (lowered == "").to_numpy()
        if blank.any():
            fail(blank, "missing truth label: expected 'real' or 'synthetic'")
        unknown = ~lowered.isin(list(_TRUTH_LABELS)).to_numpy()
        if unknown.any():
            fail(unknown, lambda i: f"unknown truth label {frame['truth'].iat[i]!r}: expected 'real' or 'synthetic'")
        frame["truth"] = lowered.map(_TRUTH_LABELS).astype(object)
    else:
        frame["truth"] = None

    if "repeat" in frame.columns:
        rep = frame["repeat"].replace("", "0")
        rep_num = pd.to_numeric(rep, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isin(rep_num, (0.0, 1.0))
        if bad.any():
            fail(bad, lambda i: f"repeat {frame['repeat'].iat[i]!r} must be 0 (first read) or 1 (repeated read)")
        frame["repeat"] = rep_num.astype(np.int64)
    else:
        frame["repeat"] = 0

    has_test = "test" in frame.columns and bool((frame["test"] != "").any())
    if has_test:
        empty = (frame["test"] == "").to_numpy()
        if empty.any():
            fail(empty, "empty test (condition) while other rows name one")
    else:
        frame["test"] = ""

    key = ["reader", "case", "test", "repeat"]
    dup = frame.duplicated(key, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        same = frame[(frame[key] == frame.loc[i, key]).all(axis=1)]
        first = int(same["row"].iat[0])
        what = f"reader {frame['reader'].iat[i]!r} and case {frame['case'].iat[i]!r}"
        if has_test:
            what += f" under test {frame['test'].iat[i]!r}"
        fail(dup, f"duplicate rating of {what} (first at {_where(source, is_csv, first)}); "
                  "mark a deliberate second reading with repeat=1")

    if has_truth:
        per_case = frame.groupby("case", sort=False)["truth"].transform("first")
        conflict = (per_case != frame["truth"]).to_numpy()
        if conflict.any():
            i = int(np.flatnonzero(conflict)[0])
            case = frame["case"].iat[i]
            first = int(frame.loc[frame["case"] == case, "row"].iat[0])
            fail(conflict, f"case {case!r} has truth {frame['truth'].iat[i]!r} here but "
                           f"{per_case.iat[i]!r} at {_where(source, is_csv, first)}")

    present = tuple(c for c in SUBGROUP_COLUMNS if c in frame.columns and bool((frame[c] != "").any()))
    for column in present:
        if column == "generator":
            continue
        per_case = frame.groupby("case", sort=False)[column].transform("first")
        conflict = (per_case != frame[column]).to_numpy()
        if conflict.any():
            i = int(np.flatnonzero(conflict)[0])
            fail(conflict, f"case {frame['case'].iat[i]!r} has {column} {frame[column].iat[i]!r} here but "
                           f"{per_case.iat[i]!r} in an earlier row")
    known = {"row", "reader", "case", "score", "truth", "test", "repeat", *SUBGROUP_COLUMNS}
    extra = tuple(c for c in frame.columns if c not in known)
    return RatingsTable(frame=frame, scale_k=scale_k, has_truth=has_truth, has_test=has_test,
                        subgroup_columns=present, source=source, sha256=sha256, extra_columns=extra)


def load_ratings_csv(path: str | Path, *, scale_k: int = 5) -> RatingsTable:
    """Read and validate a long-format ratings CSV.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma separated, header row).
    scale_k
        Number of scale points K; scores must be integers in 1..K.

    Raises
    ------
    InvalidInputError
        Naming the file and the 1-based line of the first bad row.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read the ratings file ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    import io

    try:
        raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, skipinitialspace=True,
                          encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InvalidInputError(f"{path}: not a readable CSV file ({str(exc).splitlines()[0]})") from exc
    return _validate(raw, scale_k=scale_k, source=path.name, is_csv=True, sha256=digest)


def records_sha256(records: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, compact) of a list of records."""
    import json

    h = hashlib.sha256()
    for record in records:
        h.update(json.dumps(record, sort_keys=True, default=str, separators=(",", ":")).encode())
        h.update(b"\n")
    return h.hexdigest()


def load_ratings_records(records: Iterable[Mapping[str, Any]], *, scale_k: int = 5,
                         source: str = "records") -> RatingsTable:
    """Validate ratings given as a list of dicts (for example :func:`turingview.study.ratings_records`).

    Values are converted to text before validation (``None`` is empty); lists (artefact flags) are joined
    with ``"; "``. Errors name the 1-based record number.
    """
    records = list(records)
    digest = records_sha256(records)

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, (list, tuple)):
            return "; ".join(map(str, value))
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(getattr(value, "value", value))

    raw = pd.DataFrame([{k: text(v) for k, v in r.items()} for r in records])
    if raw.empty and not records:
        raise InvalidInputError(f"{source}: no ratings")
    return _validate(raw, scale_k=scale_k, source=source, is_csv=False, sha256=digest)
