"""Report figures (matplotlib, Agg backend, imported lazily) drawn from ``results.json`` content.

Every function takes the results dict and a PNG path, draws one figure at print resolution and returns the
path, or ``None`` when the data holds nothing to draw (for example no truth column: no ROC curve).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

_DPI = 150
_REAL, _SYNTH, _MEAN = "#1f77b4", "#d62728", "#111111"


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False,
                         "axes.spines.right": False, "figure.dpi": _DPI})
    return plt


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


def roc_figure(results: dict[str, Any], path: Path) -> Path | None:
    """Per-reader empirical ROC curves and their vertical average, per condition."""
    curves = results.get("roc_curves") or []
    if not curves:
        return None
    plt = _plt()
    tests = list(dict.fromkeys(c["test"] for c in curves))
    fig, axes = plt.subplots(1, len(tests), figsize=(5.2 * len(tests), 4.6), squeeze=False)
    mrmc = results.get("mrmc") or {}
    by_test = {t.get("test"): t for t in (mrmc.get("tests") or [])}
    grid = np.linspace(0, 1, 201)
    for ax, test in zip(axes[0], tests, strict=True):
        mine = [c for c in curves if c["test"] == test]
        stack = []
        for c in mine:
            ax.step(c["fpr"], c["tpr"], where="post", color=_REAL, alpha=0.25, linewidth=0.9)
            # vertical average for display: interpolate each empirical curve on a common FPR grid
            stack.append(np.interp(grid, c["fpr"], c["tpr"]))
        ax.plot(grid, np.mean(stack, axis=0), color=_MEAN, linewidth=2.0, label="reader average (vertical)")
        ax.plot([0, 1], [0, 1], linestyle="--", color="#888888", linewidth=0.8, label="chance (AUC 0.5)")
        ax.plot([], [], color=_REAL, alpha=0.5, label=f"individual readers (n={len(mine)})")
        head = by_test.get(test, mrmc) if test else mrmc
        auc = head.get("auc") if head else None
        title = "ROC: real vs synthetic" + (f" - {test}" if test else "")
        if auc is not None:
            title += f"\nreader-averaged AUC {auc:.3f} (OR-Hillis)"
        ax.set_title(title)
        ax.set_xlabel("1 - specificity (synthetic called real)")
        ax.set_ylabel("sensitivity for real (real called real)")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.01)
        ax.set_aspect("equal")
        ax.legend(loc="lower right", fontsize=7, frameon=False)
    return _save(fig, path)


def histogram_figure(results: dict[str, Any], path: Path) -> Path | None:
    """Score distributions of real and synthetic cases (share of readings per score)."""
    dist = (results.get("distributions") or {}).get("by_truth")
    if not dist:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.6, 3.4))
    cats = np.asarray(dist["real"]["categories"])
    width = 0.38
    for offset, label, color in ((-width / 2, "real", _REAL), (width / 2, "synthetic", _SYNTH)):
        h = dist[label]
        ax.bar(cats + offset, [p or 0 for p in h["proportions"]], width, color=color,
               label=f"{label} (n={h['n']})")
    k = int(cats.max())
    ax.set_xticks(cats, [f"{c}" + ("\nsynthetic" if c == 1 else "\nreal" if c == k else "") for c in cats])
    ax.set_xlabel("score")
    ax.set_ylabel("share of readings")
    ax.set_title("Score distribution by truth")
    ax.legend(frameon=False, fontsize=8)
    return _save(fig, path)


def kappa_heatmap(results: dict[str, Any], path: Path) -> Path | None:
    """Reader x reader matrix of quadratic-weighted Cohen's kappa."""
    agreement = results.get("agreement") or {}
    pairs = agreement.get("pairs") or []
    if not pairs:
        return None
    from turingview.export.frames import natural_key

    readers = sorted({p["reader_a"] for p in pairs} | {p["reader_b"] for p in pairs}, key=natural_key)
    idx = {r: i for i, r in enumerate(readers)}
    mat = np.full((len(readers), len(readers)), np.nan)  # diagonal left empty (grey)
    for p in pairs:
        value = p.get("kappa_quadratic")
        if value is not None:
            mat[idx[p["reader_a"]], idx[p["reader_b"]]] = mat[idx[p["reader_b"]], idx[p["reader_a"]]] = value
    plt = _plt()
    size = min(3.2 + 0.28 * len(readers), 7.5)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    import matplotlib as mpl

    cmap = mpl.colormaps["viridis"].with_extremes(bad="#dddddd")
    finite = mat[np.isfinite(mat)]
    low = float(finite.min()) if finite.size else 0.0
    im = ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=min(0.0, low), vmax=1.0)
    ax.set_xticks(range(len(readers)), readers, rotation=90, fontsize=7)
    ax.set_yticks(range(len(readers)), readers, fontsize=7)
    if len(readers) <= 12:
        for i in range(len(readers)):
            for j in range(len(readers)):
                if i != j and np.isfinite(mat[i, j]):
                    ax.text(j, i, f"{mat[i, j]:.2f}", ha="center", va="center", fontsize=6,
                            color="white" if mat[i, j] < 0.55 else "black")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="quadratic-weighted kappa")
    ax.set_title("Inter-reader agreement (Cohen's kappa, quadratic weights)")
    return _save(fig, path)


def fooling_figure(results: dict[str, Any], path: Path) -> Path | None:
    """Fooling rate per generator with its 95% Wilson interval."""
    rows = [r for r in results.get("per_generator") or [] if (r.get("fooling_rate") or {}).get("estimate")
            is not None]
    if not rows:
        return None
    plt = _plt()
    labels = [r["generator"] + (f" ({r['test']})" if r.get("test") else "") for r in rows]
    est = np.array([r["fooling_rate"]["estimate"] for r in rows])
    ci = np.array([[v if v is not None else e for v in (r["fooling_rate"].get("ci") or [e, e])]
                   for r, e in zip(rows, est, strict=True)])
    fig, ax = plt.subplots(figsize=(5.6, 0.9 + 0.42 * len(rows)))
    y = np.arange(len(rows))
    ax.barh(y, est, color=_SYNTH, alpha=0.8, height=0.6)
    ax.errorbar(est, y, xerr=[est - ci[:, 0], ci[:, 1] - est], fmt="none", ecolor="black", capsize=3,
                linewidth=0.9)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.axvline(0.5, linestyle="--", color="#888888", linewidth=0.8)
    thr = results["conventions"]["threshold"]
    ax.set_xlabel(f"fooling rate (synthetic readings scored > {thr}), 95% CI")
    ax.set_title("Fooling rate per generator")
    return _save(fig, path)


FIGURES = {"roc": roc_figure, "histogram": histogram_figure, "kappa": kappa_heatmap, "fooling": fooling_figure}


def write_figures(results: dict[str, Any], folder: Path) -> dict[str, Path]:
    """Draw every figure that has data; return ``name -> PNG path``."""
    out = {}
    for name, func in FIGURES.items():
        p = func(results, folder / f"{name}.png")
        if p is not None:
            out[name] = p
    return out
