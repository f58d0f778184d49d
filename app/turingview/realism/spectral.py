"""The fast spectral test: radial power spectrum + cross-validated logistic regression (numpy only).

Up-sampling layers (transposed convolutions, nearest-neighbour or bilinear up-sampling) leave peaks or
a deficit of energy at high spatial frequencies that are invisible at a glance but obvious in the
azimuthally averaged power spectrum (Durall et al. 2020, "Watch your up-convolution"; Dzanic et al.
2020). The test takes each image's log radial power profile and asks a small L2-regularised logistic
regression, cross-validated with the same patient-grouped folds as the CNN, to separate the classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LogisticModel", "SpectralProfiles", "cross_validated_logistic", "radial_profiles"]


@dataclass(frozen=True)
class SpectralProfiles:
    """Log10 radial power per image, ``(n_images, n_bins)``, and the bin centres in cycles/pixel."""

    log_power: np.ndarray
    frequencies: np.ndarray


def radial_profiles(images: np.ndarray, *, n_bins: int | None = None, chunk: int = 256) -> SpectralProfiles:
    """Azimuthally averaged log power spectrum of each image.

    Each image ``x`` (``(H, W)``, any scale) is centred (mean removed), multiplied by a 2D Hann window
    to suppress edge leakage, and Fourier transformed; ``P(u, v) = |F(u, v)|^2 / (H W)``. The profile
    is ``log10(mean P over the annulus r in bin b + 1e-12)`` with ``r = sqrt(u^2 + v^2)`` in cycles per
    pixel, ``n_bins`` equal bins over ``[0, 0.5]`` (the Nyquist frequency; corners beyond it dropped).

    Parameters
    ----------
    images
        ``(n, H, W)`` float array.
    n_bins
        Number of radial bins; default ``min(H, W) // 2``.
    chunk
        Images transformed at a time (bounds memory).
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, H, W), got shape {images.shape}")
    _, h, w = images.shape
    n_bins = int(n_bins or min(h, w) // 2)
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    radius = np.sqrt(fx**2 + fy**2)
    bins = np.minimum((radius / 0.5 * n_bins).astype(np.int64), n_bins)  # n_bins = beyond Nyquist
    # rfft2 stores the half plane; columns 1..W/2-1 stand for two conjugate coefficients each.
    weight = np.full(fx.shape, 2.0)
    weight[:, 0] = 1.0
    if w % 2 == 0:
        weight[:, -1] = 1.0
    weight = np.broadcast_to(weight, radius.shape).ravel()
    flat_bins = bins.ravel()
    counts = np.bincount(flat_bins, weights=weight, minlength=n_bins + 1)[:n_bins]
    onehot = np.zeros((flat_bins.size, n_bins), dtype=np.float64)
    keep = flat_bins < n_bins
    onehot[np.flatnonzero(keep), flat_bins[keep]] = weight[keep]
    onehot /= np.maximum(counts, 1.0)
    window = (np.hanning(h)[:, None] * np.hanning(w)[None, :]).astype(np.float32)
    out = np.empty((images.shape[0], n_bins), dtype=np.float64)
    for start in range(0, images.shape[0], chunk):
        block = images[start : start + chunk]
        block = (block - block.mean(axis=(1, 2), keepdims=True)) * window
        power = np.abs(np.fft.rfft2(block)) ** 2 / (h * w)
        out[start : start + chunk] = power.reshape(block.shape[0], -1) @ onehot
    centres = (np.arange(n_bins) + 0.5) * 0.5 / n_bins
    return SpectralProfiles(np.log10(out + 1e-12), centres)


@dataclass(frozen=True)
class LogisticModel:
    """A fitted L2 logistic regression on standardised features."""

    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        z = ((np.asarray(features, dtype=np.float64) - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def fit_logistic(features: np.ndarray, labels: np.ndarray, *, l2: float = 1.0, max_iter: int = 50) -> LogisticModel:
    """L2-penalised logistic regression by Newton-Raphson (IRLS), classes weighted to equal total weight.

    Minimises ``-sum_i w_i [y_i log p_i + (1 - y_i) log(1 - p_i)] + (l2 / 2) ||beta||^2`` with
    ``p = sigmoid(b0 + z beta)`` on features standardised with the training mean and SD; the intercept
    is not penalised. Weights ``w_i = n / (2 n_{y_i})`` balance the classes.
    """
    x = np.asarray(features, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-12] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - mean) / scale])
    n_pos = max(y.sum(), 1.0)
    n_neg = max(len(y) - y.sum(), 1.0)
    sw = np.where(y == 1, len(y) / (2 * n_pos), len(y) / (2 * n_neg))
    penalty = np.full(z.shape[1], float(l2))
    penalty[0] = 0.0
    beta = np.zeros(z.shape[1])
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -40.0, 40.0)))
        grad = z.T @ (sw * (p - y)) + penalty * beta
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return LogisticModel(beta[1:].copy(), float(beta[0]), mean, scale)


def cross_validated_logistic(
    features: np.ndarray, labels: np.ndarray, folds: np.ndarray, *, l2: float = 1.0
) -> np.ndarray:
    """Out-of-fold probabilities of :func:`fit_logistic`, one model per fold of ``folds``."""
    features = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    out = np.full(labels.size, np.nan)
    for f in np.unique(folds):
        test = folds == f
        model = fit_logistic(features[~test], labels[~test], l2=l2)
        out[test] = model.predict_proba(features[test])
    return out
