"""Training throughput of the realism CNN against a bare forward/backward loop in the same run.

Run: ``python -m pytest tests/benchmarks/bench_realism.py -s -p no:cacheprovider``

For each device (CPU always, CUDA when present) at 128 pixels, the realism trainer (data on the device as
one tensor, index_select batches, on-device flips, class-weighted loss, one-cycle schedule, mixed precision
on CUDA) is timed against a bare loop of the same network, optimiser and batch size on one pre-made random
batch (no data handling at all). ``ratio = trainer images/s / bare images/s``; the goal is >= 0.8 (the
trainer's data handling costs less than 20% of the step).
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
import torch

from turingview.realism.config import RealismConfig
from turingview.realism.engine import Trainer, to_device_tensor

SIZE = 128
THREADS = int(os.environ.get("TV_BENCH_THREADS", "2"))


def _bare(trainer: Trainer, n_steps: int, batch: int) -> float:
    model = trainer.new_model(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(batch, 1, SIZE, SIZE, device=trainer.device).contiguous(memory_format=torch.channels_last)
    y = (torch.rand(batch, device=trainer.device) > 0.5).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()

    def step() -> None:
        with trainer._autocast():
            loss = loss_fn(model(x).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    step()
    _sync(trainer.device)
    t0 = time.perf_counter()
    for _ in range(n_steps):
        step()
    _sync(trainer.device)
    return n_steps * batch / (time.perf_counter() - t0)


def _trainer(trainer: Trainer, x: torch.Tensor, labels: torch.Tensor, epochs: int) -> float:
    cfg = trainer.config
    n = x.shape[0]
    trainer.config = RealismConfig(**{**cfg.to_dict(), "epochs": 1})
    trainer.fit(x, labels, np.arange(n), seed=0, tick=lambda m: None)  # warm-up
    trainer.config = RealismConfig(**{**cfg.to_dict(), "epochs": epochs})
    _sync(trainer.device)
    t0 = time.perf_counter()
    trainer.fit(x, labels, np.arange(n), seed=0, tick=lambda m: None)
    _sync(trainer.device)
    trainer.config = cfg
    return epochs * (n // cfg.batch_size) * cfg.batch_size / (time.perf_counter() - t0)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def test_training_throughput_against_bare_loop(device: str) -> None:
    if device == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    torch.set_num_threads(THREADS)
    gpu = device == "cuda"
    n = 4096 if gpu else 128
    epochs = 5 if gpu else 2
    cfg = RealismConfig(device=device, size=SIZE, epochs=epochs, batch_size=128 if gpu else 32)
    trainer = Trainer(cfg, torch.device(device))
    rng = np.random.default_rng(0)
    x = to_device_tensor(rng.random((n, SIZE, SIZE), dtype=np.float32), trainer.device)
    labels = torch.as_tensor(np.arange(n) % 2, dtype=torch.float32, device=trainer.device)
    steps = epochs * (n // cfg.batch_size)
    bare, ours = [], []
    for _ in range(2):  # interleaved, best of two: the machine is shared
        bare.append(_bare(trainer, steps, cfg.batch_size))
        ours.append(_trainer(trainer, x, labels, epochs))
    ratio = max(ours) / max(bare)
    print(
        f"\nrealism training {device} {SIZE}px threads={torch.get_num_threads()} batch={cfg.batch_size}: "
        f"trainer {max(ours):.1f} img/s, bare loop {max(bare):.1f} img/s, ratio {ratio:.2f} (goal >= 0.8)"
    )
    assert ratio > 0.5
