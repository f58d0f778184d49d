"""Where the classifier looks: Grad-CAM and occlusion maps (imports torch).

References
----------
Selvaraju RR et al. (2017). Grad-CAM: visual explanations from deep networks via gradient-based
localization. ICCV. Zeiler MD, Fergus R (2014). Visualizing and understanding convolutional networks. ECCV.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional

from turingview.realism.model import RealismNet

__all__ = ["grad_cam", "occlusion_map"]


def grad_cam(model: RealismNet, x: torch.Tensor, *, stage: int = 3) -> np.ndarray:
    """Grad-CAM of the "synthetic" logit at a stage's output, up-sampled to the input size.

    The default layer is the output of stage 3 of 4 (``H/8`` resolution: 16x16 for 128-pixel inputs),
    one stage before the last, which doubles the map's resolution at little cost in class specificity
    (a local artefact such as a patch or a grid in one quadrant is localised, not smeared over the image).
    With activations ``A^k`` of that layer and logit ``y``, ``alpha_k = mean_{ij} dy/dA^k_ij`` and
    ``L = ReLU(sum_k alpha_k A^k)``, bilinearly up-sampled to ``(H, W)`` and scaled so that each map sums
    to 1 (a saliency *mass*; an all-zero map stays zero).

    Parameters
    ----------
    model
        A trained network (put in eval mode here).
    x
        ``(n, 1, H, W)`` standardised images on the model's device.

    Returns
    -------
    numpy.ndarray
        ``(n, H, W)`` float32 maps, each summing to 1 (or 0).
    """
    model.eval()
    with torch.enable_grad():
        maps = model.maps_at(x.float(), stage).detach().requires_grad_(True)
        logit = model.logit_from(maps, stage)
        (grads,) = torch.autograd.grad(logit.sum(), maps)
    cam = functional.relu((grads.mean(dim=(2, 3), keepdim=True) * maps).sum(dim=1, keepdim=True)).detach()
    cam = functional.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False).squeeze(1).clamp_min(0)
    total = cam.sum(dim=(1, 2), keepdim=True)
    cam = torch.where(total > 0, cam / total.clamp_min(1e-12), cam)
    return cam.cpu().numpy().astype(np.float32)


@torch.no_grad()
def occlusion_map(model: RealismNet, x: torch.Tensor, *, patch: int = 8, stride: int | None = None) -> np.ndarray:
    """Occlusion sensitivity: how much the synthetic probability drops when a patch is greyed out.

    Each ``patch x patch`` window (step ``stride``, default ``patch``) is set to the image mean; the map at a
    pixel is the mean positive drop ``p(x) - p(x_occluded)`` over the windows covering it, scaled to sum to 1.
    Slower than :func:`grad_cam` (one forward pass per window) but model-agnostic.
    """
    model.eval()
    stride = stride or patch
    n, _, h, w = x.shape
    base = torch.sigmoid(model(x.float()))
    drop = torch.zeros((n, h, w), device=x.device)
    cover = torch.zeros((h, w), device=x.device)
    fill = x.float().mean(dim=(1, 2, 3), keepdim=True)
    for top in range(0, max(h - patch, 0) + 1, stride):
        for left in range(0, max(w - patch, 0) + 1, stride):
            occluded = x.float().clone()
            occluded[:, :, top : top + patch, left : left + patch] = fill.expand(
                -1, -1, min(patch, h - top), min(patch, w - left)
            )
            delta = (base - torch.sigmoid(model(occluded))).clamp_min(0)
            drop[:, top : top + patch, left : left + patch] += delta[:, None, None]
            cover[top : top + patch, left : left + patch] += 1
    out = drop / cover.clamp_min(1)
    total = out.sum(dim=(1, 2), keepdim=True)
    out = torch.where(total > 0, out / total.clamp_min(1e-12), out)
    return out.cpu().numpy().astype(np.float32)
