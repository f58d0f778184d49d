"""The images the realism check compares, grouped by patient, and their preparation (numpy only).

A :class:`RealismDataset` holds 2D greyscale images in [0, 1] (as a reader sees them: the display
pipeline's output scaled to [0, 1], or robustly normalised arrays), a label per image (0 real,
1 synthetic), the patient/volume group of each image (folds never split a group) and its case id
(joined with the readers' ratings in the report).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from turingview.core.errors import ImageLoadError, ImportProblemsError, InvalidInputError

__all__ = ["RealismDataset", "normalise_robust", "resize_square"]

#: How many slices of a volume become images: the middle one, or all of them.
SLICE_POLICIES = ("middle", "all")


def normalise_robust(image: np.ndarray, *, percentiles: tuple[float, float] = (0.5, 99.5)) -> np.ndarray:
    """Map an image to [0, 1] by its own 0.5-99.5 percentile range (clipped), as float32.

    Both classes get the same treatment, so the check cannot separate them by a global intensity
    offset or scale, only by what survives a per-image window.
    """
    x = np.asarray(image, dtype=np.float32)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return np.zeros_like(x, dtype=np.float32)
    lo, hi = np.percentile(finite, percentiles)
    if hi <= lo:
        hi = lo + 1.0
    out = (np.nan_to_num(x, nan=lo) - lo) / (hi - lo)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Pad ``image`` to a square (with its minimum, centred) and resample it to ``size x size``.

    Down-sampling averages over each output pixel's footprint (area interpolation, no aliasing);
    up-sampling is bilinear. An image already ``size x size`` is returned unchanged, so pixel-level
    texture reaches the network untouched when the data are stored at the network's size.
    """
    x = np.asarray(image, dtype=np.float32)
    h, w = x.shape
    if h != w:
        side = max(h, w)
        padded = np.full((side, side), float(x.min()), dtype=np.float32)
        top, left = (side - h) // 2, (side - w) // 2
        padded[top : top + h, left : left + w] = x
        x = padded
    if x.shape[0] == size:
        return x
    return _resample_axis(_resample_axis(x, size, 0), size, 1)


def _resample_axis(x: np.ndarray, size: int, axis: int) -> np.ndarray:
    n = x.shape[axis]
    if size < n:  # area: each output cell averages the input interval it covers (exact overlaps)
        edges = np.linspace(0.0, n, size + 1)
        weights = np.clip(
            np.minimum(edges[1:, None], np.arange(1, n + 1)) - np.maximum(edges[:-1, None], np.arange(n)), 0, None
        )
        weights /= weights.sum(axis=1, keepdims=True)
    else:  # bilinear, align_corners=False
        pos = np.clip((np.arange(size) + 0.5) * n / size - 0.5, 0, n - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        frac = pos - lo
        weights = np.zeros((size, n))
        np.add.at(weights, (np.arange(size), lo), 1 - frac)
        np.add.at(weights, (np.arange(size), hi), frac)
    weights = weights.astype(np.float32)
    return weights @ x if axis == 0 else x @ weights.T


@dataclass(frozen=True)
class RealismDataset:
    """Images, labels, groups and case ids of a realism check.

    Parameters
    ----------
    images
        2D float32 arrays in [0, 1], any size (resampled to the network size at run time).
    labels
        0 (real) or 1 (synthetic) per image.
    groups
        Patient or volume id per image; images sharing a group are never split across folds.
    case_ids
        Case id per image (several slices of one case share it).
    slices
        Slice index of each image in its volume.
    """

    images: tuple[np.ndarray, ...]
    labels: np.ndarray
    groups: np.ndarray
    case_ids: tuple[str, ...]
    slices: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.images)
        if not (len(self.labels) == len(self.groups) == len(self.case_ids) == len(self.slices) == n):
            raise InvalidInputError("images, labels, groups, case ids and slices differ in length")
        if n == 0:
            raise InvalidInputError("the realism check needs images, got none")
        labels = np.asarray(self.labels, dtype=np.int64)
        if not np.isin(labels, (0, 1)).all():
            raise InvalidInputError("labels must be 0 (real) or 1 (synthetic)")
        for cls, name in ((0, "real"), (1, "synthetic")):
            if not np.any(labels == cls):
                raise InvalidInputError(f"the realism check needs {name} images, got none")
        for i, im in enumerate(self.images):
            if np.ndim(im) != 2 or min(np.shape(im)) < 8:
                raise InvalidInputError(
                    f"image {i} ({self.case_ids[i]}): expected a 2D image of at least 8x8, got shape {np.shape(im)}"
                )
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "groups", np.asarray([str(g) for g in self.groups], dtype=object))
        object.__setattr__(self, "slices", np.asarray(self.slices, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.images)

    @property
    def n_real(self) -> int:
        return int((self.labels == 0).sum())

    @property
    def n_synthetic(self) -> int:
        return int((self.labels == 1).sum())

    def stacked(self, size: int) -> np.ndarray:
        """All images resampled to ``(n, size, size)`` float32."""
        return np.stack([resize_square(im, size) for im in self.images])

    def subset(self, mask: np.ndarray, labels: np.ndarray | None = None) -> RealismDataset:
        """The images where ``mask`` is true, optionally relabelled."""
        idx = np.flatnonzero(mask)
        return RealismDataset(
            images=tuple(self.images[i] for i in idx),
            labels=self.labels[idx] if labels is None else np.asarray(labels)[idx],
            groups=self.groups[idx],
            case_ids=tuple(self.case_ids[i] for i in idx),
            slices=self.slices[idx],
        )

    @classmethod
    def from_arrays(
        cls,
        real: Sequence[np.ndarray],
        synthetic: Sequence[np.ndarray],
        *,
        real_groups: Sequence[str] | None = None,
        synthetic_groups: Sequence[str] | None = None,
        real_ids: Sequence[str] | None = None,
        synthetic_ids: Sequence[str] | None = None,
        normalise: bool = True,
    ) -> RealismDataset:
        """Build from in-memory 2D arrays (each normalised with :func:`normalise_robust` unless ``normalise=False``).

        Without groups every image is its own group; without ids they are ``real-<i>`` and ``synthetic-<i>``.
        """
        images = [normalise_robust(a) if normalise else np.asarray(a, dtype=np.float32) for a in (*real, *synthetic)]
        nr, ns = len(real), len(synthetic)
        rid = list(real_ids) if real_ids is not None else [f"real-{i}" for i in range(nr)]
        sid = list(synthetic_ids) if synthetic_ids is not None else [f"synthetic-{i}" for i in range(ns)]
        rg = list(real_groups) if real_groups is not None else rid
        sg = list(synthetic_groups) if synthetic_groups is not None else sid
        return cls(
            tuple(images),
            np.r_[np.zeros(nr), np.ones(ns)].astype(np.int64),
            np.asarray(rg + sg, dtype=object),
            tuple(rid + sid),
            np.zeros(nr + ns, dtype=np.int64),
        )

    @classmethod
    def from_volumes(cls, items: Iterable[tuple[object, int, str, str]], *, slices: str = "middle") -> RealismDataset:
        """Build from ``(ImageVolume, label, group, case_id)`` items, rendered as a reader sees them.

        Each chosen slice goes through :func:`turingview.imaging.display.render_slice` with the volume's
        default presentation (its own window or VOI LUT, else the robust window); colour is converted to
        luma (ITU-R BT.601). ``slices`` is ``"middle"`` (one image per volume) or ``"all"``.
        """
        if slices not in SLICE_POLICIES:
            raise InvalidInputError(f"slices must be one of {', '.join(SLICE_POLICIES)}, got {slices!r}")
        from turingview.imaging.display import render_slice

        images, labels, groups, ids, idx = [], [], [], [], []
        for volume, label, group, case_id in items:
            chosen = [volume.middle_slice] if slices == "middle" else range(volume.n_slices)  # type: ignore[attr-defined]
            for s in chosen:
                shown = render_slice(volume, s).astype(np.float32) / 255.0  # type: ignore[arg-type]
                if shown.ndim == 3:
                    shown = shown @ np.asarray([0.299, 0.587, 0.114], dtype=np.float32)
                images.append(shown)
                labels.append(int(label))
                groups.append(str(group))
                ids.append(str(case_id))
                idx.append(int(s))
        return cls(tuple(images), np.asarray(labels), np.asarray(groups, dtype=object), tuple(ids), np.asarray(idx))

    @classmethod
    def from_dirs(cls, real_dir: str | Path, synthetic_dir: str | Path, *, slices: str = "middle") -> RealismDataset:
        """Build from two folders of image files, read with :func:`turingview.imaging.load_image`.

        Files are found recursively (hidden files and ``*.csv``/``*.json``/``*.txt`` skipped). The group of a
        file is its first sub-folder under the root (one folder per patient; the same folder name under both
        roots is the same patient, kept in one fold), or the file itself when it lies at the top level.
        The case id is the path relative to the root, prefixed ``real/`` or ``synthetic/``.
        Unreadable files are collected and refused together (nothing is half-loaded).
        """
        from turingview.imaging import load_image

        items: list[tuple[object, int, str, str]] = []
        problems: list[str] = []
        for label, root in ((0, Path(real_dir)), (1, Path(synthetic_dir))):
            kind = "real" if label == 0 else "synthetic"
            if not root.is_dir():
                raise InvalidInputError(f"{root}: not a folder of {kind} images")
            files = sorted(
                p
                for p in root.rglob("*")
                if p.is_file()
                and not p.name.startswith(".")
                and p.suffix.lower() not in (".csv", ".json", ".txt", ".md")
            )
            if not files:
                raise InvalidInputError(f"{root}: no image files found")
            for path in files:
                rel = path.relative_to(root)
                # A patient folder of the same name under both roots is one patient (synthetic images
                # derived from that patient's scans): its images must share a fold, or twins leak.
                group = rel.parts[0] if len(rel.parts) > 1 else f"{kind}/{rel.as_posix()}"
                try:
                    items.append((load_image(path), label, group, f"{kind}/{rel.as_posix()}"))
                except ImageLoadError as error:
                    problems.append(str(error))
        if problems:
            raise ImportProblemsError(problems, what="realism data set")
        return cls.from_volumes(items, slices=slices)
