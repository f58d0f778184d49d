"""``run_realism_check``: the whole domain-classifier check, with progress and cancel (imports torch).

Order of work (each step reports progress): cross-validated CNN (the main test), the same CNN on
low-passed images of both classes, the real-versus-real control, the spectral test, the memorisation
probe, and Grad-CAM maps of the most detectable synthetic images.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from turingview import __version__
from turingview.core.errors import CancelledError, InvalidInputError
from turingview.realism import memorisation as mem
from turingview.realism.config import RealismConfig
from turingview.realism.data import RealismDataset
from turingview.realism.engine import Trainer, device_info, resolve_device, to_device_tensor
from turingview.realism.folds import patient_halves, stratified_group_folds
from turingview.realism.metrics import auc_with_ci, c2st_test
from turingview.realism.result import RealismResult, decide_verdict
from turingview.realism.saliency import grad_cam
from turingview.realism.spectral import cross_validated_logistic, radial_profiles

__all__ = ["run_realism_check"]

Progress = Callable[[int, int, str], None]


class _Progress:
    def __init__(self, total: int, callback: Progress | None, cancel: Callable[[], bool]) -> None:
        self.done, self.total, self.callback, self.cancel = 0, total, callback, cancel

    def __call__(self, message: str) -> None:
        if self.cancel():
            raise CancelledError("realism check cancelled; nothing was stored")
        self.done = min(self.done + 1, self.total)
        if self.callback is not None:
            self.callback(self.done, self.total, message)

    def note(self, message: str) -> None:
        if self.callback is not None:
            self.callback(self.done, self.total, message)


def run_realism_check(
    dataset: RealismDataset,
    config: RealismConfig | None = None,
    *,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> RealismResult:
    """Run the realism check on ``dataset``.

    Parameters
    ----------
    dataset
        Real and synthetic images with their patient groups and case ids.
    config
        Options (device, folds, size, epochs, seed...); defaults to :class:`RealismConfig()`.
    progress
        ``progress(done, total, message)``, called from the calling thread after each epoch and step.
    cancel
        Polled between batches; returning True stops the run with :class:`CancelledError`.

    Returns
    -------
    RealismResult

    Raises
    ------
    CancelledError
        ``cancel()`` returned True.
    InvalidInputError
        Too few patients per class for cross-validation, or CUDA requested without a GPU.
    """
    config = config or RealismConfig()
    cancel = cancel or (lambda: False)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    warnings: list[str] = []
    seed = int(config.seed)
    torch.manual_seed(seed)
    device = resolve_device(config.device)
    labels = dataset.labels
    groups = dataset.groups

    folds = stratified_group_folds(labels, groups, config.folds, seed=seed)
    k = int(folds.max()) + 1
    if k < config.folds:
        warnings.append(f"folds reduced from {config.folds} to {k}: too few patients in the rarer class")
    cfg = config.resolved(device.type, n_train=int(len(dataset) * (k - 1) / k))
    assert cfg.size is not None and cfg.epochs is not None
    real_mask = labels == 0
    control_folds = None
    if cfg.controls:
        try:
            halves = patient_halves(groups[real_mask], seed=seed + 1)
            control_folds = stratified_group_folds(halves, groups[real_mask], cfg.folds, seed=seed + 2)
        except InvalidInputError as error:
            warnings.append(f"real-versus-real control skipped: {error}")
    n_cv = 1 + (1 if cfg.controls else 0)
    total = cfg.epochs * (k * n_cv + (0 if control_folds is None else int(control_folds.max()) + 1)) + 4
    tick = _Progress(total, progress, cancel)
    info = device_info(device)
    tick.note(
        f"device: {info['type']} ({info.get('name')}), {len(dataset)} images, "
        f"{k} folds, {cfg.size} px, {cfg.epochs} epochs"
    )

    t0 = time.perf_counter()
    images = dataset.stacked(cfg.size)
    x = to_device_tensor(images, device)
    timings["prepare"] = time.perf_counter() - t0
    trainer = Trainer(cfg, device, cancel)

    t0 = time.perf_counter()
    cv = trainer.cross_validate(x, labels, folds, seed=seed, tick=lambda m: tick(f"classifier {m}"))
    timings["classifier"] = time.perf_counter() - t0
    probs = cv.probabilities
    main = auc_with_ci(labels, probs, groups, method=cfg.ci_method, seed=seed)
    c2st = c2st_test(labels, probs)

    lowpass = lowpass_probs = None
    if cfg.controls:
        t0 = time.perf_counter()
        small = _block_average(images, cfg.lowpass_factor)
        lp_trainer = Trainer(replace(cfg, size=small.shape[-1]), device, cancel)
        lp = lp_trainer.cross_validate(
            to_device_tensor(small, device), labels, folds, seed=seed + 101, tick=lambda m: tick(f"low-pass {m}")
        )
        lowpass_probs = lp.probabilities
        lowpass = auc_with_ci(labels, lowpass_probs, groups, method=cfg.ci_method, seed=seed)
        timings["lowpass"] = time.perf_counter() - t0
        del lp

    control = None
    if control_folds is not None:
        t0 = time.perf_counter()
        real_idx = np.flatnonzero(real_mask)
        halves = patient_halves(groups[real_mask], seed=seed + 1)
        ctl = trainer.cross_validate(
            x[torch.as_tensor(real_idx, device=device)],
            halves,
            control_folds,
            seed=seed + 202,
            tick=lambda m: tick(f"control {m}"),
        )
        control = auc_with_ci(halves, ctl.probabilities, groups[real_mask], method=cfg.ci_method, seed=seed)
        timings["control"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    native = _native_stack(dataset)
    spectra = radial_profiles(native if native is not None else images)
    spectral_probs = cross_validated_logistic(spectra.log_power, labels, folds)
    spectral = auc_with_ci(labels, spectral_probs, groups, method=cfg.ci_method, seed=seed)
    mean_real = spectra.log_power[real_mask].mean(axis=0)
    mean_synth = spectra.log_power[~real_mask].mean(axis=0)
    spectrum = {
        "frequency": spectra.frequencies,
        "real": mean_real,
        "synthetic": mean_synth,
        "difference": mean_synth - mean_real,
    }
    timings["spectral"] = time.perf_counter() - t0
    tick("spectral test")

    t0 = time.perf_counter()
    all_idx = np.arange(len(dataset))
    feats = trainer.features(cv.models[0], x, all_idx)
    spaces = [
        mem.probe_space(mem.pixel_vectors(images), labels, groups, space="pixels", percentile=cfg.near_copy_percentile),
        mem.probe_space(
            mem.feature_vectors(feats), labels, groups, space="cnn-features", percentile=cfg.near_copy_percentile
        ),
    ]
    memorisation = {
        "percentile": cfg.near_copy_percentile,
        "real_neighbours": "nearest real image of a different patient/volume",
        "feature_model": "fold-1 classifier, penultimate layer (global average + max pooling)",
        "spaces": {s.space: s.summary(dataset.case_ids, dataset.slices) for s in spaces},
    }
    timings["memorisation"] = time.perf_counter() - t0
    tick("memorisation probe")

    t0 = time.perf_counter()
    synth_idx = np.flatnonzero(~real_mask)
    top = synth_idx[np.argsort(-probs[synth_idx], kind="stable")][: cfg.saliency_top]
    if len(top):
        spectrum["top_synthetic_difference"] = spectra.log_power[top].mean(axis=0) - mean_real
    maps = np.zeros((len(top), cfg.size, cfg.size), dtype=np.float32)
    for f in np.unique(folds[top]):
        sel = np.flatnonzero(folds[top] == f)
        xb = x[torch.as_tensor(top[sel], device=device)]
        maps[sel] = grad_cam(cv.models[int(f)], xb)  # type: ignore[arg-type]
    top_synthetic = [
        {
            "case_id": dataset.case_ids[i],
            "slice": int(dataset.slices[i]),
            "score": float(probs[i]),
            "fold": int(folds[i]),
            **_mass_summary(maps[j]),
        }
        for j, i in enumerate(top)
    ]
    timings["saliency"] = time.perf_counter() - t0
    tick("saliency maps")

    near = {
        s.space: dict(
            zip(
                s.synthetic_index.tolist(), zip(s.synthetic_nn.tolist(), s.near_copy.tolist(), strict=True), strict=True
            )
        )
        for s in spaces
    }
    per_image = []
    for i in range(len(dataset)):
        row: dict[str, Any] = {
            "case_id": dataset.case_ids[i],
            "slice": int(dataset.slices[i]),
            "truth": "synthetic" if labels[i] else "real",
            "group": str(groups[i]),
            "fold": int(folds[i]),
            "synthetic_score": float(probs[i]),
            "lowpass_score": None if lowpass_probs is None else float(lowpass_probs[i]),
            "spectral_score": float(spectral_probs[i]),
        }
        for space, table in near.items():
            d, is_copy = table.get(i, (None, None))
            row[f"nn_real_distance_{space}"] = d
            row[f"near_copy_{space}"] = is_copy
        per_image.append(row)

    verdict, reasons = decide_verdict(main, c2st, control, lowpass)
    for name, est in (("classifier", main), ("spectral", spectral), ("low-pass", lowpass)):
        if est is not None and est.ci_high < 0.5:
            warnings.append(
                f"{name} AUC {est.estimate:.2f} lies significantly below 0.5: images in different folds are related "
                "(synthetic images derived from real patients?); give related images the same patient/group"
            )
    if abs(dataset.n_real - dataset.n_synthetic) > 0.2 * len(dataset):
        warnings.append(
            "classes are unbalanced: accuracy's chance level is not exactly 0.5 (see balanced accuracy and AUC)"
        )
    if np.unique(groups).size < len(dataset):
        warnings.append(
            "several images per patient: the binomial C2ST p-value treats them as independent (optimistic); "
            "the AUC interval is a patient-grouped bootstrap"
        )
    timings["total"] = time.perf_counter() - started
    tick("done")
    return RealismResult(
        main=main, c2st=c2st, control=control, lowpass=lowpass, spectral=spectral,
        verdict=verdict, reasons=reasons, per_image=per_image,
        folds={"k": k, "split": "by patient/volume group, stratified by class",
               "assignment": {str(g): int(f) for g, f in zip(groups, folds, strict=True)},
               "control_k": None if control_folds is None else int(control_folds.max()) + 1},
        memorisation=memorisation, top_synthetic=top_synthetic, spectrum=spectrum,
        device=info, config=cfg.to_dict(), versions=_versions(), timings=timings, warnings=warnings,
        roc=_roc(labels, probs), saliency=maps, saliency_images=images[top],
    )  # fmt: skip


def _block_average(images: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor x factor`` blocks (both classes alike); keeps at least 16 pixels a side."""
    n, s, _ = images.shape
    factor = max(1, min(factor, s // 16))
    side = (s // factor) * factor
    return images[:, :side, :side].reshape(n, side // factor, factor, side // factor, factor).mean(axis=(2, 4))


def _native_stack(dataset: RealismDataset) -> np.ndarray | None:
    """The images at their own resolution when all share one shape (the spectrum then sees raw pixels)."""
    shapes = {np.shape(im) for im in dataset.images}
    return np.stack(dataset.images) if len(shapes) == 1 else None


def _mass_summary(cam: np.ndarray) -> dict[str, Any]:
    """Centre of saliency mass (fractions of height/width) and the mass in each quadrant (TL, TR, BL, BR)."""
    h, w = cam.shape
    total = float(cam.sum())
    if total <= 0:
        return {"saliency_centroid": None, "saliency_quadrants": None}
    rows, cols = np.mgrid[0:h, 0:w]
    centroid = [float((cam * rows).sum() / total / h), float((cam * cols).sum() / total / w)]
    q = [cam[: h // 2, : w // 2], cam[: h // 2, w // 2 :], cam[h // 2 :, : w // 2], cam[h // 2 :, w // 2 :]]
    return {"saliency_centroid": centroid, "saliency_quadrants": [float(b.sum() / total) for b in q]}


def _roc(labels: np.ndarray, scores: np.ndarray) -> dict[str, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    y = labels[order]
    tps = np.r_[0, np.cumsum(y)]
    fps = np.r_[0, np.cumsum(1 - y)]
    return {"fpr": fps / max(fps[-1], 1), "tpr": tps / max(tps[-1], 1)}


def _versions() -> dict[str, Any]:
    return {
        "turingview": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "platform": platform.platform(),
    }
