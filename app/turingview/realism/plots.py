"""Figures of the realism check and :func:`write_outputs` (matplotlib Agg, imported lazily; no pyplot).

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas, never through
``pyplot``'s global state, so the coordinator console can write them from a worker thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from turingview.realism.result import RealismResult

__all__ = ["write_outputs"]


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def plot_roc(result: RealismResult, path: Path) -> Path:
    """Out-of-fold ROC curve of the classifier, with the AUC and its interval in the legend."""
    fig = _figure(4.5, 4.5)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--", label="chance")
    lo, hi = result.auc_ci
    ax.step(
        result.roc["fpr"], result.roc["tpr"], where="post", lw=2, label=f"CNN AUC {result.auc:.3f} ({lo:.3f}-{hi:.3f})"
    )
    ax.set_xlabel("false positive rate (real called synthetic)")
    ax.set_ylabel("true positive rate (synthetic detected)")
    ax.set_title(f"Out-of-fold ROC, n = {result.c2st.n_test}: {result.verdict}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_saliency(result: RealismResult, path: Path) -> Path | None:
    """Grad-CAM overlays of the most detectable synthetic images (score in each title)."""
    if result.saliency is None or result.saliency_images is None or len(result.saliency) == 0:
        return None
    k = len(result.saliency)
    cols = min(k, 4)
    rows = -(-k // cols)
    fig = _figure(2.6 * cols, 3.1 * rows)
    for j in range(k):
        ax = fig.add_subplot(rows, cols, j + 1)
        ax.imshow(result.saliency_images[j], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        cam = result.saliency[j]
        if cam.max() > 0:
            ax.imshow(cam / cam.max(), cmap="jet", alpha=0.4, vmin=0, vmax=1, interpolation="bilinear")
        info = result.top_synthetic[j]
        ax.set_title(f"{info['case_id']}\np(synthetic) {info['score']:.2f}", fontsize=7)
        ax.axis("off")
    fig.suptitle("What gives the most detectable synthetic images away (Grad-CAM)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_spectrum(result: RealismResult, path: Path) -> Path:
    """Mean log radial power spectra of both classes and their difference (synthetic minus real)."""
    f = np.asarray(result.spectrum["frequency"])
    fig = _figure(8, 3.6)
    ax1 = fig.add_subplot(1, 2, 1)
    ax1.plot(f, result.spectrum["real"], label="real")
    ax1.plot(f, result.spectrum["synthetic"], label="synthetic")
    ax1.set_xlabel("spatial frequency (cycles/pixel)")
    ax1.set_ylabel("mean log10 power")
    ax1.legend(fontsize=8)
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.axhline(0, color="0.6", lw=1)
    ax2.plot(f, result.spectrum["difference"], color="C3", label="all synthetic")
    if "top_synthetic_difference" in result.spectrum:
        ax2.plot(f, result.spectrum["top_synthetic_difference"], color="C4", ls="--", label="most detectable")
    ax2.legend(fontsize=8)
    ax2.set_xlabel("spatial frequency (cycles/pixel)")
    ax2.set_ylabel("synthetic - real (log10 power)")
    lo, hi = result.spectral.ci
    ax2.set_title(f"spectral test AUC {result.spectral.estimate:.3f} ({lo:.3f}-{hi:.3f})", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    return path


def write_outputs(result: RealismResult, out_dir: str | Path) -> dict[str, Path]:
    """Write ``realism.json``, ``roc.png``, ``saliency.png`` and ``spectrum.png`` into ``out_dir``.

    Returns the written paths by kind. The folder is created if needed; existing files are replaced.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {"json": result.write_json(out / "realism.json")}
    paths["roc"] = plot_roc(result, out / "roc.png")
    saliency = plot_saliency(result, out / "saliency.png")
    if saliency is not None:
        paths["saliency"] = saliency
    paths["spectrum"] = plot_spectrum(result, out / "spectrum.png")
    return paths
