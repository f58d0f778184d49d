"""Memorisation probe: is a synthetic image a near-copy of a real one? (numpy only)

A generator that memorises its training set produces images closer to some real image than real images
of different patients are to each other. For each synthetic image we find its nearest real neighbour and
compare that distance with the distribution of real-to-real nearest-neighbour distances, where the
neighbour must belong to a *different* patient/volume (adjacent slices of one volume are near-copies of
each other by nature and would make every threshold meaningless). A synthetic image closer to a real
one than the ``p``-th percentile of those real-to-real distances is listed as a near-copy, with its pair.

Two spaces are probed: pixels after per-image standardisation (catches copies), and the trained CNN's
penultimate features, standardised per dimension (catches copies that were shifted, flipped or
re-textured).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MemorisationSpace", "nearest_neighbour", "probe_space"]


def _sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    return np.maximum(d, 0.0)


def nearest_neighbour(
    query: np.ndarray, reference: np.ndarray, *, forbid: np.ndarray | None = None, chunk: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean nearest neighbour in ``reference`` of every row of ``query``.

    ``forbid`` is an optional boolean ``(n_query, n_reference)`` mask of pairs that may not be matched
    (same patient). Returns ``(index, distance)``; a query with no allowed neighbour gets ``-1`` and NaN.
    """
    query = np.asarray(query, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    index = np.full(len(query), -1, dtype=np.int64)
    dist = np.full(len(query), np.nan)
    for start in range(0, len(query), chunk):
        d = _sq_distances(query[start : start + chunk], reference)
        if forbid is not None:
            d[forbid[start : start + chunk]] = np.inf
        j = np.argmin(d, axis=1)
        best = d[np.arange(len(j)), j]
        ok = np.isfinite(best)
        index[start : start + chunk][ok] = j[ok]
        dist[start : start + chunk][ok] = np.sqrt(best[ok])
    return index, dist


@dataclass(frozen=True)
class MemorisationSpace:
    """Results of the probe in one space."""

    space: str
    percentile: float
    threshold: float
    real_nn: np.ndarray  # real-to-real NN distance per real image (other patients only)
    synthetic_nn: np.ndarray  # synthetic-to-real NN distance per synthetic image
    synthetic_nn_index: np.ndarray  # index (into the data set) of that real neighbour
    synthetic_index: np.ndarray  # data-set index of each synthetic image

    @property
    def near_copy(self) -> np.ndarray:
        """Boolean per synthetic image: closer to a real image than the threshold."""
        return self.synthetic_nn < self.threshold

    def summary(self, case_ids: tuple[str, ...], slices: np.ndarray) -> dict[str, Any]:
        """JSON-ready summary with the near-copy pairs (closest first)."""
        finite_real = self.real_nn[np.isfinite(self.real_nn)]
        pairs = []
        for k in np.flatnonzero(self.near_copy)[np.argsort(self.synthetic_nn[self.near_copy])]:
            s, r = int(self.synthetic_index[k]), int(self.synthetic_nn_index[k])
            pairs.append(
                {
                    "synthetic_case_id": case_ids[s],
                    "synthetic_slice": int(slices[s]),
                    "real_case_id": case_ids[r],
                    "real_slice": int(slices[r]),
                    "distance": float(self.synthetic_nn[k]),
                    "ratio_to_real_median": float(self.synthetic_nn[k] / np.median(finite_real))
                    if finite_real.size
                    else None,
                }
            )
        return {
            "space": self.space,
            "percentile": self.percentile,
            "threshold": float(self.threshold),
            "real_to_real_median": float(np.median(finite_real)) if finite_real.size else None,
            "synthetic_to_real_median": float(np.median(self.synthetic_nn)),
            "n_near_copies": len(pairs),
            "near_copies": pairs,
        }


def probe_space(
    vectors: np.ndarray, labels: np.ndarray, groups: np.ndarray, *, space: str, percentile: float
) -> MemorisationSpace:
    """Run the probe on per-image ``vectors`` (``(n, d)``, already standardised as the space requires).

    Threshold ``t = percentile_p({d_NN(r) : r real})`` with
    ``d_NN(r) = min_{r' real, group(r') != group(r)} ||v_r - v_r'||``;
    synthetic image ``s`` is a near-copy when ``min_{r real} ||v_s - v_r|| < t``.
    """
    labels = np.asarray(labels)
    groups = np.asarray(groups)
    real = np.flatnonzero(labels == 0)
    synth = np.flatnonzero(labels == 1)
    forbid = groups[real][:, None] == groups[real][None, :]
    _, real_nn = nearest_neighbour(vectors[real], vectors[real], forbid=forbid)
    finite = real_nn[np.isfinite(real_nn)]
    threshold = float(np.percentile(finite, percentile)) if finite.size else float("nan")
    s_idx, s_dist = nearest_neighbour(vectors[synth], vectors[real])
    return MemorisationSpace(space, percentile, threshold, real_nn, s_dist, real[s_idx], synth)


def pixel_vectors(images: np.ndarray, *, max_side: int = 64) -> np.ndarray:
    """Per-image standardised pixels (``(x - mean) / sd``), block-averaged to at most ``max_side`` pixels a side."""
    x = np.asarray(images, dtype=np.float64)
    n, h, _ = x.shape
    factor = max(1, int(np.ceil(h / max_side)))
    if factor > 1:
        side = (h // factor) * factor
        x = x[:, :side, :side].reshape(n, side // factor, factor, side // factor, factor).mean(axis=(2, 4))
    x = x.reshape(n, -1)
    x = x - x.mean(axis=1, keepdims=True)
    return x / np.maximum(x.std(axis=1, keepdims=True), 1e-8)


def feature_vectors(features: np.ndarray) -> np.ndarray:
    """Penultimate features standardised per dimension over all images (constant dimensions dropped)."""
    f = np.asarray(features, dtype=np.float64)
    sd = f.std(axis=0)
    keep = sd > 1e-8
    return (f[:, keep] - f[:, keep].mean(axis=0)) / sd[keep]
