"""Test support: simulated reader-study ratings (a latent-variable model) and an in-process CLI runner.

Used by the export tests and the analysis benchmark.

Each case has a latent "realness" (real cases shifted up by ``separation``); each reader sees it with
reader noise and cuts it into 1..K with their own thresholds, so readers agree partly and detect partly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from turingview.cli import main


def simulate(n_readers: int = 5, n_cases: int = 60, *, k: int = 5, separation: float = 0.6, seed: int = 0,
             generators: tuple[str, ...] = ("GAN-A", "Diffusion-B"), subgroups: bool = True,
             tests: tuple[str, ...] = (), test_shift: float = 0.5, repeat_fraction: float = 0.0,
             truth: bool = True) -> list[dict[str, object]]:
    """Long-format rating rows (dicts) of a fully crossed design."""
    rng = np.random.default_rng(seed)
    is_real = np.zeros(n_cases, dtype=bool)
    is_real[: n_cases // 2] = True
    rng.shuffle(is_real)
    latent = rng.normal(0, 1, n_cases) + separation * is_real
    gen = np.array([generators[i % len(generators)] if generators else "" for i in range(n_cases)], dtype=object)
    sex = rng.choice(["F", "M"], n_cases)
    age = rng.choice(["<50", "50-70", ">70"], n_cases)
    site = rng.choice(["site-1", "site-2"], n_cases)
    cuts0 = np.linspace(-1.2, 1.2, k - 1)
    rows: list[dict[str, object]] = []
    conditions = tests or ("",)
    repeated = rng.random(n_cases) < repeat_fraction
    for t_index, test in enumerate(conditions):
        shift = test_shift * t_index * is_real
        for r in range(n_readers):
            cuts = cuts0 + rng.normal(0, 0.25)
            for rep in (0, 1):
                noise = rng.normal(0, 0.7, n_cases)
                score = 1 + np.searchsorted(cuts, latent + shift + noise)
                for c in range(n_cases):
                    if rep == 1 and not repeated[c]:
                        continue
                    row: dict[str, object] = {"reader": f"R{r + 1}", "case": f"C{c + 1:04d}", "score": int(score[c])}
                    if truth:
                        row["truth"] = "real" if is_real[c] else "synthetic"
                    if test:
                        row["test"] = test
                    if generators:
                        row["generator"] = "" if is_real[c] else gen[c]
                    if repeat_fraction:
                        row["repeat"] = rep
                    if subgroups:
                        row.update({"sex": sex[c], "age_band": age[c], "site": site[c]})
                    rows.append(row)
    return rows


def write_csv(rows: list[dict[str, object]], path: Path) -> Path:
    """Write rows as a CSV with the union of their keys as header."""
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str, str]:
    """Run ``turingview`` in-process through the real CLI boundary; return (exit code, stdout, stderr)."""
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:  # pragma: no cover - main always exits
        code = 0
    if capsys is None:
        return code, "", ""
    captured = capsys.readouterr()
    return code, captured.out, captured.err
