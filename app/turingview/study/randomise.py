"""Per-reader presentation orders: reproducible, class-balanced, with optional far-apart repeats.

Reproducibility does not depend on Python's ``hash()``, ``random`` or NumPy's stream guarantees: each
reader's seed is the first 63 bits of ``SHA-256("turingview-order|<study seed>|<reader id>")`` and the
generator :class:`HashRng` draws 64-bit words from ``SHA-256(seed || counter)``. Same study seed and reader
id, same order, on any machine and version.

Order of one reader (``build_order``):

1. Training cases first (shuffled), flagged ``is_training``.
2. The study block: the class sequence is *block-randomised*. The block size ``B`` is the smallest even
   number >= 4 with ``B >= n / n_minority``; block ``k`` holds ``round(p (k+1) B) - round(p k B)``
   real cases (``p`` = fraction real), so after every block the count of real cases is within 1 of
   its expected value, every block holds at least one case of each class when ``B >= n / n_minority``,
   and a run of one class never exceeds twice the largest per-block count of that class
   (4 for a balanced study). Cases of each class fill their slots in a shuffled order.
3. Repeats (intra-reader agreement): ``min(round(f n), floor(n/2))`` cases (``0 <= f <= 0.5``) drawn,
   stratified by class, from the first ``floor(n/2)`` positions; case first read at position ``i`` is read
   again right after a distinct study position ``>= i + ceil(n/2)``, so first read and repeat are more than
   ``ceil(n/2)`` positions apart. An insertion
   point that would lengthen a run of its class beyond the block's bound is avoided when an alternative
   exists. The repeat is marked in the stored data only (``is_repeat``), never on the reader's side.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


def reader_seed(study_seed: int, reader_id: str) -> int:
    """A reader's order seed, derived from the study seed and reader id with SHA-256 (63 bits)."""
    digest = hashlib.sha256(f"turingview-order|{int(study_seed)}|{reader_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


class HashRng:
    """A tiny counter-mode SHA-256 generator: stable forever, plenty fast for orders of 10^5 cases."""

    def __init__(self, seed: int) -> None:
        self._key = int(seed).to_bytes(16, "big", signed=True)
        self._counter = 0

    def word(self) -> int:
        self._counter += 1
        return int.from_bytes(hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()[:8], "big")

    def below(self, n: int) -> int:
        """Uniform integer in ``[0, n)`` (rejection sampling: no modulo bias)."""
        if n <= 0:
            raise ValueError(f"n must be positive, got {n}")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            w = self.word()
            if w < limit:
                return w % n

    def shuffled(self, items: Sequence[T]) -> list[T]:
        """A Fisher-Yates shuffled copy of ``items``."""
        out = list(items)
        for i in range(len(out) - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return out


@dataclass(frozen=True)
class Slot:
    """One position of an order: a case key plus coordinator-side flags."""

    case: int
    is_training: bool = False
    is_repeat: bool = False


def block_size(n_real: int, n_synthetic: int) -> int:
    """The block size B of the class sequence (see module docstring)."""
    n = n_real + n_synthetic
    minority = min(n_real, n_synthetic)
    if minority == 0:
        return max(n, 1)
    b = max(4, math.ceil(n / minority))
    return b + (b % 2)


def class_sequence(n_real: int, n_synthetic: int, rng: HashRng) -> list[bool]:
    """Block-randomised sequence of classes (True = real) with exactly ``n_real`` True values."""
    n = n_real + n_synthetic
    if n == 0:
        return []
    b = block_size(n_real, n_synthetic)
    p = n_real / n
    seq: list[bool] = []
    for start in range(0, n, b):
        end = min(start + b, n)
        reals = round(p * end) - round(p * start)
        if end == n:
            reals = n_real - sum(seq)
        seq.extend(rng.shuffled([True] * reals + [False] * (end - start - reals)))
    return seq


def max_run(flags: Sequence[bool]) -> int:
    """Length of the longest run of equal consecutive values."""
    best = run = 0
    prev: bool | None = None
    for flag in flags:
        run = run + 1 if flag == prev else 1
        prev = flag
        best = max(best, run)
    return best


def build_order(real: Sequence[int], synthetic: Sequence[int], *, seed: int, repeat_fraction: float = 0.0,
                training: Sequence[int] = ()) -> list[Slot]:
    """One reader's full order (training block, then the balanced study block with repeats).

    Parameters
    ----------
    real, synthetic
        Case keys of each class (study cases only).
    seed
        The reader's seed (:func:`reader_seed`).
    repeat_fraction
        Fraction ``f`` of study cases read a second time, ``0 <= f <= 0.5``.
    training
        Case keys of the training block.
    """
    if not 0.0 <= repeat_fraction <= 0.5:
        raise ValueError(f"repeat fraction {repeat_fraction!r} must lie in [0, 0.5]")
    rng = HashRng(seed)
    order = [Slot(c, is_training=True) for c in rng.shuffled(training)]
    reals, synths = rng.shuffled(real), rng.shuffled(synthetic)
    classes = class_sequence(len(reals), len(synths), rng)
    it_r, it_s = iter(reals), iter(synths)
    first = [next(it_r) if is_real else next(it_s) for is_real in classes]
    n = len(first)
    half = math.ceil(n / 2)
    n_repeat = min(round(repeat_fraction * n), n - half)
    if n_repeat <= 0:
        return order + [Slot(c) for c in first]
    real_set = set(real)
    first_half = list(range(n - half))  # i + half <= n - 1: a repeat slot always exists
    # stratified choice of repeated positions within the first half
    want_real = round(n_repeat * len(reals) / n)
    pos_r = rng.shuffled([i for i in first_half if first[i] in real_set])
    pos_s = rng.shuffled([i for i in first_half if first[i] not in real_set])
    take_r = min(want_real, len(pos_r))
    take_s = min(n_repeat - take_r, len(pos_s))
    take_r = min(n_repeat - take_s, len(pos_r))
    chosen = sorted(pos_r[:take_r] + pos_s[:take_s])
    bound = _run_bound(classes)
    inserts: dict[int, int] = {}  # after study position -> case
    insert_class: dict[int, bool] = {}
    # most constrained first: the ranges [i + half, n) are nested, so a free slot always remains
    for i in sorted(chosen, reverse=True):
        is_real = first[i] in real_set
        after = _pick_slot(rng, i + half, n, inserts, lambda a, r=is_real: _fits(classes, insert_class, a, r, bound))
        inserts[after] = first[i]
        insert_class[after] = is_real
    slots: list[Slot] = []
    for pos, case in enumerate(first):
        slots.append(Slot(case))
        if pos in inserts:
            slots.append(Slot(inserts[pos], is_repeat=True))
    return order + slots


def _pick_slot(rng: HashRng, lo: int, hi: int, taken: dict[int, int], good: Callable[[int], bool]) -> int:
    """A random free slot in ``[lo, hi)``: up to 64 random tries for one that ``good`` accepts, else the first
    free slot after a random start (one always exists, see :func:`build_order`)."""
    span = hi - lo
    for _ in range(64):
        a = lo + rng.below(span)
        if a not in taken and good(a):
            return a
    start = rng.below(span)
    for k in range(span):
        a = lo + (start + k) % span
        if a not in taken:
            return a
    raise AssertionError("no free repeat slot")  # unreachable: nested ranges guarantee one


def _run_bound(classes: Sequence[bool]) -> int:
    return max(max_run(classes), 1)


def _fits(classes: Sequence[bool], inserted: dict[int, bool], after: int, is_real: bool, bound: int) -> bool:
    """Would a case of class ``is_real`` inserted right after study position ``after`` (with the repeats
    already placed in ``inserted``) keep every run within ``bound``?"""
    left = 0
    j = after
    while j >= 0 and classes[j] == is_real:
        left += 1
        if j - 1 in inserted:
            if inserted[j - 1] != is_real:
                break
            left += 1
        j -= 1
    right = 0
    j = after + 1
    while j < len(classes) and classes[j] == is_real:
        right += 1
        if j in inserted:
            if inserted[j] != is_real:
                break
            right += 1
        j += 1
    return left + right + 1 <= bound
