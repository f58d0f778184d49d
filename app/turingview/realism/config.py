"""Settings of the realism check (no torch here: importing this module is cheap)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from turingview.core.errors import InvalidInputError

__all__ = ["CPU_DEFAULT_SIZE", "GPU_DEFAULT_SIZE", "RealismConfig"]

#: Default image size on CUDA and on CPU (the CPU default keeps a laptop run to minutes).
GPU_DEFAULT_SIZE = 128
CPU_DEFAULT_SIZE = 64

_DEVICES = ("auto", "cuda", "cpu")
_CI_METHODS = ("auto", "delong", "bootstrap")


@dataclass(frozen=True)
class RealismConfig:
    """Options of :func:`turingview.realism.run_realism_check`.

    Parameters
    ----------
    device
        ``"auto"`` (CUDA when available, else CPU), ``"cuda"`` or ``"cpu"``.
    folds
        Cross-validation folds (split by patient/volume; capped at the number of patients of the rarer class).
    size
        Side of the square network input in pixels; ``None``: 128 on CUDA, 64 on CPU.
    epochs
        Training epochs per fold; ``None``: ``clip(ceil(4000 / n_train), 8, 40)``.
    seed
        Seed of folds, initialisation, batch order, augmentation and bootstrap.
    batch_size
        Mini-batch size; ``None``: 128 on CUDA, 32 on CPU.
    lr, weight_decay
        AdamW learning rate (one-cycle schedule peak) and weight decay.
    width
        Channels of the first stage (doubled at each of the four down-sampling stages).
    lowpass_factor
        The low-pass control averages ``factor x factor`` blocks of both classes alike before training.
    near_copy_percentile
        A synthetic image is a near-copy when its nearest real neighbour is closer than this percentile of
        real-to-real nearest-neighbour distances (1 by default; 5 is a looser screen).
    saliency_top
        Number of most detectable synthetic images explained with a Grad-CAM map.
    ci_method
        AUC interval: ``"auto"`` (DeLong for one image per patient, else patient-grouped bootstrap),
        ``"delong"`` or ``"bootstrap"``.
    controls
        Run the low-pass and real-versus-real controls (each costs one more cross-validation).
    amp
        Mixed precision (bf16 where supported, else fp16) autocast on CUDA; ignored on CPU.
    compile
        Wrap the network in ``torch.compile`` (CUDA; first epoch pays the compile time).
    deterministic
        Ask torch for deterministic kernels (``torch.use_deterministic_algorithms``) during the run.
        CPU runs are reproducible with a seed either way; on CUDA this trades speed for repeatability.
    """

    device: str = "auto"
    folds: int = 5
    size: int | None = None
    epochs: int | None = None
    seed: int = 0
    batch_size: int | None = None
    lr: float = 3e-3
    weight_decay: float = 1e-4
    width: int = 16
    lowpass_factor: int = 4
    near_copy_percentile: float = 1.0
    saliency_top: int = 8
    ci_method: str = "auto"
    controls: bool = True
    amp: bool = True
    compile: bool = False
    deterministic: bool = False

    def __post_init__(self) -> None:
        if self.device not in _DEVICES:
            raise InvalidInputError(f"device {self.device!r} is not one of {', '.join(_DEVICES)}")
        if self.folds < 2:
            raise InvalidInputError(f"folds must be at least 2, got {self.folds}")
        if self.size is not None and not 16 <= self.size <= 1024:
            raise InvalidInputError(f"size must be between 16 and 1024 pixels, got {self.size}")
        if self.epochs is not None and self.epochs < 1:
            raise InvalidInputError(f"epochs must be at least 1, got {self.epochs}")
        if self.batch_size is not None and self.batch_size < 2:
            raise InvalidInputError(f"batch size must be at least 2, got {self.batch_size}")
        if self.lr <= 0 or self.weight_decay < 0:
            raise InvalidInputError(f"invalid learning rate {self.lr!r} or weight decay {self.weight_decay!r}")
        if self.width < 4:
            raise InvalidInputError(f"width must be at least 4 channels, got {self.width}")
        if self.lowpass_factor < 2:
            raise InvalidInputError(f"lowpass factor must be at least 2, got {self.lowpass_factor}")
        if not 0 < self.near_copy_percentile <= 50:
            raise InvalidInputError(f"near-copy percentile must be in (0, 50], got {self.near_copy_percentile}")
        if self.saliency_top < 0:
            raise InvalidInputError(f"saliency_top must be >= 0, got {self.saliency_top}")
        if self.ci_method not in _CI_METHODS:
            raise InvalidInputError(f"CI method {self.ci_method!r} is not one of {', '.join(_CI_METHODS)}")

    def resolved(self, device_type: str, n_train: int) -> RealismConfig:
        """A copy with ``size``, ``batch_size`` and ``epochs`` filled in for ``device_type`` and training-set size."""
        gpu = device_type == "cuda"
        size = self.size or (GPU_DEFAULT_SIZE if gpu else CPU_DEFAULT_SIZE)
        batch = self.batch_size or (128 if gpu else 32)
        epochs = self.epochs or int(min(40, max(8, -(-4000 // max(n_train, 1)))))
        return replace(self, size=size, batch_size=batch, epochs=epochs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
