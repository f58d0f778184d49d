"""Saliency maps on a network whose evidence is known: it looks only at the top-left quadrant."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from turingview.realism.model import RealismNet
from turingview.realism.saliency import grad_cam, occlusion_map


class _TopLeft(nn.Module):
    """Logit = 20 x (mean of the top-left quadrant's pixel variance): only that quadrant matters."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        q = x[:, 0, : h // 2, : w // 2]
        return 20 * (q - q.mean(dim=(1, 2), keepdim=True)).pow(2).mean(dim=(1, 2))


def test_occlusion_puts_the_mass_where_the_evidence_is() -> None:
    torch.manual_seed(0)
    x = torch.randn(3, 1, 32, 32)
    maps = occlusion_map(_TopLeft(), x, patch=8)  # type: ignore[arg-type]
    assert maps.shape == (3, 32, 32)
    np.testing.assert_allclose(maps.sum(axis=(1, 2)), 1.0, rtol=1e-5)
    assert (maps[:, :16, :16].sum(axis=(1, 2)) > 0.99).all()


def test_grad_cam_shape_and_mass() -> None:
    torch.manual_seed(0)
    model = RealismNet(width=4).eval()
    maps = grad_cam(model, torch.randn(2, 1, 32, 32))
    assert maps.shape == (2, 32, 32) and (maps >= 0).all()
    for m in maps:
        assert m.sum() == 0 or abs(m.sum() - 1.0) < 1e-4
