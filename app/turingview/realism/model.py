"""The domain classifier: a small CNN trained from scratch (imports torch; load it lazily).

No pretrained weights are used or downloaded: the network is small enough to train on a few hundred
images in minutes on a CPU and seconds on a GPU, and ImageNet features would only add a texture prior
foreign to medical images.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["RealismNet"]


def _conv(cin: int, cout: int, stride: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class RealismNet(nn.Module):
    """Full-resolution stem, four down-sampling stages, global average and max pooling, one logit.

    The stem keeps full resolution so that pixel-level texture (up-sampling checkerboards, grids, noise)
    is seen before any striding; each stage halves the resolution and doubles the channels
    (``width, 2 width, 4 width, 8 width``). Average pooling sums evidence over the image, max pooling keeps
    a local artefact (a patch, one quadrant) from being diluted. The pooled vector (``16 width`` values)
    is the learned feature space of the memorisation probe.

    Parameters
    ----------
    width
        Channels of the stem and the first stage.
    dropout
        Dropout before the final linear layer.
    """

    def __init__(self, width: int = 16, dropout: float = 0.2) -> None:
        super().__init__()
        w = int(width)
        self.stem = _conv(1, w, 1)
        chans = [w, w, 2 * w, 4 * w, 8 * w]
        self.stages = nn.Sequential(
            *[nn.Sequential(_conv(chans[i], chans[i + 1], 2), _conv(chans[i + 1], chans[i + 1], 1)) for i in range(4)]
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * chans[-1], 1)
        self.feature_dim = 2 * chans[-1]

    def feature_maps(self, x: torch.Tensor) -> torch.Tensor:
        """Activations of the last stage, ``(n, 8 width, H/16, W/16)``."""
        return self.stages(self.stem(x))

    def maps_at(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """Activations after ``stage`` of the four stages (``1..4``; resolution ``H / 2**stage``)."""
        return self.stages[:stage](self.stem(x))

    def logit_from(self, maps: torch.Tensor, stage: int) -> torch.Tensor:
        """The logit, continuing the forward pass from the activations after ``stage``."""
        return self.logit(self.stages[stage:](maps))

    def pool(self, maps: torch.Tensor) -> torch.Tensor:
        """Penultimate features: concatenated global average and global max of ``maps``."""
        return torch.cat([maps.mean(dim=(2, 3)), maps.amax(dim=(2, 3))], dim=1)

    def logit(self, maps: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.pool(maps))).squeeze(1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate (pooled) feature vector of each image."""
        return self.pool(self.feature_maps(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logit of "synthetic" for each image of ``x`` (``(n, 1, H, W)``)."""
        return self.logit(self.feature_maps(x))
