"""CUDA runs (mixed precision, channels-last, data on the GPU); skipped without a CUDA device."""

from __future__ import annotations

import pytest
import torch

from conftest import nn_updown, planted, tiny_config
from turingview.realism import RealismConfig, run_realism_check

pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")]


def test_cuda_run_detects_the_planted_artefact_with_mixed_precision() -> None:
    result = run_realism_check(planted(nn_updown), tiny_config(device="cuda"))
    assert result.device["type"] == "cuda" and result.device["amp_dtype"] in ("bfloat16", "float16")
    assert result.auc > 0.9 and result.verdict == "detectable"
    assert result.control is not None and result.control.covers(0.5)


def test_auto_picks_cuda_and_the_gpu_default_size() -> None:
    config = RealismConfig(device="auto", folds=2, epochs=1, controls=False, saliency_top=1)
    result = run_realism_check(planted(nn_updown), config)
    assert result.device["type"] == "cuda" and result.config["size"] == 128 and result.config["batch_size"] == 128


def test_compiled_and_deterministic_runs() -> None:
    ds = planted(nn_updown)
    config = tiny_config(device="cuda", epochs=2, controls=False, deterministic=True, saliency_top=1)
    first = run_realism_check(ds, config)
    second = run_realism_check(ds, config)
    assert [r["synthetic_score"] for r in first.per_image] == [r["synthetic_score"] for r in second.per_image]
    compiled = run_realism_check(ds, tiny_config(device="cuda", epochs=2, controls=False, compile=True, saliency_top=1))
    assert compiled.config["compile"] is True and 0.0 <= compiled.auc <= 1.0
