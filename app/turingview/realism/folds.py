"""Cross-validation splits by patient (or volume), never by slice.

Slices of one volume, or images of one patient, are strongly correlated: a classifier that saw a
neighbouring slice in training recognises the patient, not the generator. Every split here keeps a
group whole. Pure numpy, deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np

from turingview.core.errors import InvalidInputError

__all__ = ["patient_halves", "stratified_group_folds"]


def stratified_group_folds(labels: np.ndarray, groups: np.ndarray, n_folds: int, *, seed: int) -> np.ndarray:
    """Assign every image to a fold so that groups stay whole and classes are spread evenly.

    Groups are shuffled (``numpy.random.default_rng(seed)``), sorted by size (largest first, stable), and
    each is given greedily to the fold that minimises the squared deviation of the per-class counts from
    their ideal share ``n_c / k`` (the ``StratifiedGroupKFold`` heuristic of scikit-learn). A group that
    holds both classes (a synthetic image derived from a real patient) moves with all its images.

    Parameters
    ----------
    labels
        0 (real) or 1 (synthetic) per image.
    groups
        Group key per image (patient or volume id).
    n_folds
        Number of folds ``k >= 2``; capped at the number of groups of the rarer class so that every
        fold can hold both classes.
    seed
        Seed of the group shuffle.

    Returns
    -------
    numpy.ndarray
        Fold index ``0..k-1`` per image (int64).

    Raises
    ------
    InvalidInputError
        Fewer than two groups per class, or ``n_folds < 2``.
    """
    labels = np.asarray(labels).astype(np.int64)
    groups = np.asarray(groups)
    if n_folds < 2:
        raise InvalidInputError(f"folds must be at least 2, got {n_folds}")
    uniq, inverse = np.unique(groups, return_inverse=True)
    counts = np.zeros((uniq.size, 2), dtype=np.int64)
    np.add.at(counts, (inverse, labels), 1)
    per_class_groups = (counts > 0).sum(axis=0)
    if per_class_groups.min() < 2:
        raise InvalidInputError(
            "cross-validation needs at least 2 patients/volumes per class, got "
            f"{int(per_class_groups[0])} real and {int(per_class_groups[1])} synthetic"
        )
    k = int(min(n_folds, per_class_groups.min()))
    rng = np.random.default_rng(seed)
    order = rng.permutation(uniq.size)
    order = order[np.argsort(-counts[order].sum(axis=1), kind="stable")]
    target = counts.sum(axis=0) / k
    fold_counts = np.zeros((k, 2), dtype=np.float64)
    group_fold = np.empty(uniq.size, dtype=np.int64)
    for g in order:
        trial = fold_counts + counts[g]
        cost = ((trial - target) ** 2).sum(axis=1) - ((fold_counts - target) ** 2).sum(axis=1)
        # Tie-break towards the fold with fewer images, then the lower index.
        best = int(np.lexsort((np.arange(k), fold_counts.sum(axis=1), cost))[0])
        group_fold[g] = best
        fold_counts[best] += counts[g]
    # A fold without one of the classes cannot be scored; move the smallest fitting group into it.
    for f in range(k):
        for c in (0, 1):
            if fold_counts[f, c] == 0:
                donors = [g for g in order if counts[g, c] > 0 and (fold_counts[group_fold[g], c] - counts[g, c]) > 0]
                if donors:
                    g = min(donors, key=lambda d: counts[d].sum())
                    fold_counts[group_fold[g]] -= counts[g]
                    group_fold[g] = f
                    fold_counts[f] += counts[g]
    return group_fold[inverse]


def patient_halves(groups: np.ndarray, *, seed: int) -> np.ndarray:
    """Split images into two halves by group (patient), for the real-versus-real control.

    Groups are shuffled with ``default_rng(seed)`` and dealt, largest first, to the half with fewer
    images, so both halves have about the same number of images and no patient is in both.

    Returns
    -------
    numpy.ndarray
        0 or 1 per image (int64).

    Raises
    ------
    InvalidInputError
        Fewer than 4 groups (each half needs two for cross-validation).
    """
    groups = np.asarray(groups)
    uniq, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
    if uniq.size < 4:
        raise InvalidInputError(f"the real-versus-real control needs at least 4 real patients/volumes, got {uniq.size}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(uniq.size)
    order = order[np.argsort(-sizes[order], kind="stable")]
    half = np.zeros(uniq.size, dtype=np.int64)
    totals = [0, 0]
    n_groups = [0, 0]
    for g in order:
        h = int(np.lexsort(([0, 1], n_groups, totals))[0])
        half[g] = h
        totals[h] += int(sizes[g])
        n_groups[h] += 1
    return half[inverse]
