"""Training and inference of the domain classifier on CPU or CUDA (imports torch).

The whole data set lives on the device as one ``(n, 1, S, S)`` float32 tensor (channels-last); a batch is
an ``index_select`` and flips are done on the device, so no loader process or host copy sits in the loop.
On CUDA, mixed precision (bf16 where supported, else fp16 with a gradient scaler) and optional
``torch.compile`` are used.

Determinism: on CPU, a run is bit-for-bit repeatable for a given seed and thread count (initialisation,
batch order and flips all come from seeded ``torch.Generator`` objects). On CUDA, cuDNN's convolution
backward algorithms and atomic adds make results vary slightly between runs unless
``RealismConfig.deterministic`` is set (which also disables cuDNN benchmarking and needs
``CUBLAS_WORKSPACE_CONFIG=:4096:8`` for cuBLAS).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from turingview.core.errors import CancelledError, InvalidInputError
from turingview.realism.config import RealismConfig
from turingview.realism.model import RealismNet

__all__ = ["CvOutput", "Trainer", "device_info", "resolve_device", "to_device_tensor"]

Tick = Callable[[str], None]
Cancel = Callable[[], bool]


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cuda"`` without a GPU is an input error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InvalidInputError("device 'cuda' was requested but torch sees no CUDA device (use --device auto or cpu)")
    if name not in ("cuda", "cpu"):
        raise InvalidInputError(f"device {name!r} is not one of auto, cuda, cpu")
    return torch.device(name)


def device_info(device: torch.device) -> dict[str, object]:
    """What ran the check: device type and name, torch/CUDA/cuDNN versions, threads, precision."""
    info: dict[str, object] = {
        "type": device.type,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(
            name=props.name,
            capability=f"{props.major}.{props.minor}",
            memory_gib=round(props.total_memory / 2**30, 1),
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
            amp_dtype="bfloat16" if torch.cuda.is_bf16_supported() else "float16",
        )
    else:
        import platform

        info.update(name=platform.processor() or platform.machine(), amp_dtype=None)
    return info


def to_device_tensor(images: np.ndarray, device: torch.device) -> torch.Tensor:
    """``(n, S, S)`` images in [0, 1] -> one standardised ``(n, 1, S, S)`` channels-last tensor on ``device``."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).to(device)
    x = (x.unsqueeze(1) - 0.5) / 0.25
    return x.contiguous(memory_format=torch.channels_last)


@contextlib.contextmanager
def _determinism(enabled: bool, device: torch.device) -> Iterator[None]:
    previous = torch.are_deterministic_algorithms_enabled()
    previous_bench = torch.backends.cudnn.benchmark
    try:
        if enabled:
            if device.type == "cuda":
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=True)
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = not enabled
        yield
    finally:
        torch.use_deterministic_algorithms(previous)
        torch.backends.cudnn.benchmark = previous_bench


@dataclass
class CvOutput:
    """Out-of-fold probabilities and the model of each fold (kept for saliency and features)."""

    probabilities: np.ndarray
    models: list[nn.Module]


class Trainer:
    """Trains :class:`RealismNet` models with a resolved configuration on one device.

    Parameters
    ----------
    config
        A configuration with ``size``, ``batch_size`` and ``epochs`` resolved.
    device
        Where to train.
    cancel
        Polled once per batch; when it returns True a :class:`CancelledError` is raised.
    """

    def __init__(self, config: RealismConfig, device: torch.device, cancel: Cancel | None = None) -> None:
        self.config = config
        self.device = device
        self.cancel = cancel or (lambda: False)
        self.cuda = device.type == "cuda"
        self.amp_dtype = None
        if self.cuda and config.amp:
            self.amp_dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16

    def _check_cancel(self) -> None:
        if self.cancel():
            raise CancelledError("realism check cancelled; nothing was stored")

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type="cuda", dtype=self.amp_dtype)

    def new_model(self, seed: int) -> nn.Module:
        torch.manual_seed(seed)
        model = RealismNet(width=self.config.width).to(self.device)
        return model.to(memory_format=torch.channels_last)

    def fit(self, x: torch.Tensor, labels: torch.Tensor, train_idx: np.ndarray, *, seed: int, tick: Tick) -> nn.Module:
        """Train one model on ``x[train_idx]``; ``tick`` is called once per epoch."""
        cfg = self.config
        assert cfg.epochs is not None and cfg.batch_size is not None
        model = self.new_model(seed)
        step_model: nn.Module = torch.compile(model) if cfg.compile else model  # type: ignore[assignment]
        idx = torch.as_tensor(np.asarray(train_idx), dtype=torch.long, device=self.device)
        y_all = labels.to(torch.float32)
        n_pos = float(y_all[idx].sum())
        n_neg = float(idx.numel() - n_pos)
        pos_weight = torch.tensor([n_neg / max(n_pos, 1.0)], device=self.device)
        loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        batch = min(cfg.batch_size, idx.numel())
        steps = max(1, idx.numel() // batch)
        optimiser = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=cfg.lr, total_steps=cfg.epochs * steps)
        scaler = torch.amp.GradScaler("cuda", enabled=self.amp_dtype == torch.float16)
        generator = torch.Generator(device=self.device)
        generator.manual_seed(seed + 1)
        model.train()
        for epoch in range(cfg.epochs):
            order = idx[torch.randperm(idx.numel(), generator=generator, device=self.device)]
            running = torch.zeros((), device=self.device)
            for b in range(steps):
                self._check_cancel()
                take = order[b * batch : (b + 1) * batch]
                xb = _random_flips(x.index_select(0, take), generator)
                with self._autocast():
                    loss = loss_fn(step_model(xb).float(), y_all.index_select(0, take))
                optimiser.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.step(optimiser)
                scaler.update()
                schedule.step()
                running += loss.detach()
            tick(f"epoch {epoch + 1}/{cfg.epochs} loss {float(running) / steps:.3f}")
        model.eval()
        return model

    @torch.no_grad()
    def predict(self, model: nn.Module, x: torch.Tensor, idx: np.ndarray) -> np.ndarray:
        """Probability of "synthetic" for ``x[idx]``."""
        return self._batched(lambda xb: torch.sigmoid(model(xb).float()), x, idx)

    @torch.no_grad()
    def features(self, model: nn.Module, x: torch.Tensor, idx: np.ndarray) -> np.ndarray:
        """Penultimate-layer features for ``x[idx]``."""
        return self._batched(lambda xb: model.features(xb).float(), x, idx)

    def _batched(self, fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, idx: np.ndarray) -> np.ndarray:
        out = []
        index = torch.as_tensor(np.asarray(idx), dtype=torch.long, device=self.device)
        step = 4 * (self.config.batch_size or 32)
        for start in range(0, index.numel(), step):
            self._check_cancel()
            with self._autocast():
                out.append(fn(x.index_select(0, index[start : start + step])).cpu())
        return torch.cat(out).numpy().astype(np.float64)

    def cross_validate(
        self, x: torch.Tensor, labels: np.ndarray, folds: np.ndarray, *, seed: int, tick: Tick
    ) -> CvOutput:
        """Train one model per fold; every image is scored by the model that did not see it."""
        y = torch.as_tensor(np.asarray(labels), dtype=torch.float32, device=self.device)
        probs = np.full(len(labels), np.nan)
        models: list[nn.Module] = []
        with _determinism(self.config.deterministic, self.device):
            for f in range(int(folds.max()) + 1):
                test = np.flatnonzero(folds == f)
                train = np.flatnonzero(folds != f)
                model = self.fit(x, y, train, seed=seed + 7919 * f, tick=lambda msg, f=f: tick(f"fold {f + 1}: {msg}"))
                probs[test] = self.predict(model, x, test)
                models.append(model)
        return CvOutput(probs, models)


def _random_flips(xb: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Flip each image left-right and/or up-down with probability 1/2 (on the device)."""
    flips = torch.rand((2, xb.shape[0], 1, 1, 1), generator=generator, device=xb.device) < 0.5
    xb = torch.where(flips[0], xb.flip(-1), xb)
    return torch.where(flips[1], xb.flip(-2), xb)
