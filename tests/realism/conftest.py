"""Test images for the realism check, cut from real scans bundled with nibabel and pydicom.

Slices of nibabel's ``example4d.nii.gz`` (two 128x96x24 volumes) are cropped (32x32 by default) and grouped into
"patients" of two adjacent slices of one volume, so cross-validation folds keep neighbouring slices
together as they must. Planted artefacts make the synthetic class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from turingview.realism import RealismConfig, RealismDataset
from turingview.realism.data import normalise_robust

NIBABEL_DATA = Path(__import__("nibabel").__file__).parent / "tests" / "data"


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    # One thread: on a shared 2-core machine, OpenMP threads that spin-wait for each other under load
    # make 2 threads several times slower than 1.
    torch.set_num_threads(1)


def real_pool(size: int = 32) -> tuple[list[np.ndarray], list[str]]:
    """Two central ``size x size`` crops of each real MR slice in [0, 1], with their group (96 images)."""
    import nibabel as nib

    vol = np.asarray(nib.load(NIBABEL_DATA / "example4d.nii.gz").dataobj, dtype=np.float32)
    images, groups = [], []
    for t in range(vol.shape[3]):
        for z in range(vol.shape[2]):
            sl = vol[:, :, z, t]
            c0 = (sl.shape[1] - size) // 2
            for r0 in (sl.shape[0] // 2 - size, sl.shape[0] // 2):
                images.append(normalise_robust(sl[r0 : r0 + size, c0 : c0 + size]))
                groups.append(f"v{t}-z{z // 2}")
    return images, groups


def nn_updown(x: np.ndarray) -> np.ndarray:
    """2x nearest-neighbour down-sampling then up-sampling (a classic generator up-sampling artefact)."""
    return np.repeat(np.repeat(x[::2, ::2], 2, axis=0), 2, axis=1)


def quadrant_grid(x: np.ndarray, amplitude: float = 0.12, period: int = 4) -> np.ndarray:
    """A faint periodic grid planted only in the top-left quadrant."""
    out = x.copy()
    h, w = x.shape
    q = out[: h // 2, : w // 2]
    rows = np.arange(h // 2)[:, None] % period == 0
    cols = np.arange(w // 2)[None, :] % period == 0
    q += amplitude * (rows | cols)
    return np.clip(out, 0.0, 1.0)


def planted(artefact, size: int = 32) -> RealismDataset:
    """Real = crops of volume 0; synthetic = the matching crops of volume 1 (a near-identical repeat scan)
    passed through ``artefact``. With ``artefact = identity`` the two classes are real-versus-real.

    A slab's real crops and its synthetic twins share one group (like a synthetic image derived from a
    patient's scan), so no fold trains on a twin of a test image: twins split across folds would teach
    the network "this anatomy is real" and push the AUC *below* 0.5.
    """
    images, groups = real_pool(size)
    real = [(im, g) for im, g in zip(images, groups, strict=True) if g.startswith("v0")]
    synth = [(artefact(im), g) for im, g in zip(images, groups, strict=True) if g.startswith("v1")]
    return RealismDataset.from_arrays(
        [im for im, _ in real],
        [im for im, _ in synth],
        real_groups=[g.split("-")[1] for _, g in real],
        synthetic_groups=[g.split("-")[1] for _, g in synth],
        real_ids=[f"R{i:03d}" for i in range(len(real))],
        synthetic_ids=[f"S{i:03d}" for i in range(len(synth))],
        normalise=False,
    )


def tiny_config(**overrides) -> RealismConfig:
    base = {"device": "cpu", "folds": 3, "size": 32, "epochs": 8, "seed": 0, "batch_size": 8, "saliency_top": 6}
    base.update(overrides)
    return RealismConfig(**base)
