"""Orders: reproducible from the recorded seed, class-balanced, repeats far apart, training first."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from turingview.study.randomise import (
    HashRng,
    block_size,
    build_order,
    class_sequence,
    max_run,
    reader_seed,
)


def test_reader_seed_is_a_stable_sha256_derivation() -> None:
    # Regression value: must never change between Python/NumPy versions or processes (no hash()).
    assert reader_seed(42, "alice") == reader_seed(42, "alice")
    import hashlib

    expected = int.from_bytes(hashlib.sha256(b"turingview-order|42|alice").digest()[:8], "big") >> 1
    assert reader_seed(42, "alice") == expected
    assert reader_seed(42, "alice") != reader_seed(42, "bob")
    assert reader_seed(42, "alice") != reader_seed(43, "alice")
    assert 0 <= reader_seed(2**62, "x") < 2**63


def test_hash_rng_is_deterministic_and_uniform_enough() -> None:
    a, b = HashRng(7), HashRng(7)
    assert [a.below(10) for _ in range(50)] == [b.below(10) for _ in range(50)]
    rng = HashRng(1)
    counts = Counter(rng.below(4) for _ in range(4000))
    assert all(850 < counts[k] < 1150 for k in range(4))
    with pytest.raises(ValueError, match="positive"):
        HashRng(1).below(0)


def test_same_seed_same_order_and_readers_differ() -> None:
    real, synth = list(range(40)), list(range(100, 140))
    one = build_order(real, synth, seed=reader_seed(5, "r1"), repeat_fraction=0.2)
    assert one == build_order(real, synth, seed=reader_seed(5, "r1"), repeat_fraction=0.2)
    other = build_order(real, synth, seed=reader_seed(5, "r2"), repeat_fraction=0.2)
    assert [s.case for s in one] != [s.case for s in other]


def test_balanced_study_never_runs_longer_than_four() -> None:
    for seed in range(200):
        seq = class_sequence(30, 30, HashRng(seed))
        assert sum(seq) == 30
        assert max_run(seq) <= 4


@settings(max_examples=150, deadline=None)
@given(n_real=st.integers(0, 60), n_syn=st.integers(0, 60), seed=st.integers(0, 2**40))
def test_class_sequence_is_block_balanced(n_real: int, n_syn: int, seed: int) -> None:
    seq = class_sequence(n_real, n_syn, HashRng(seed))
    assert len(seq) == n_real + n_syn and sum(seq) == n_real
    n = n_real + n_syn
    if n == 0 or min(n_real, n_syn) == 0:
        return
    b = block_size(n_real, n_syn)
    p = n_real / n
    # after every block, the count of real cases is within 1 of its expectation
    for end in range(b, n, b):
        assert abs(sum(seq[:end]) - p * end) <= 1
    # every full block holds both classes, so a run never exceeds two blocks' worth of one class
    per_block_max = max(math.ceil(p * b), math.ceil((1 - p) * b)) + 1
    assert max_run(seq) <= 2 * per_block_max


@settings(max_examples=120, deadline=None)
@given(n_real=st.integers(1, 50), n_syn=st.integers(1, 50), frac=st.floats(0, 0.5), seed=st.integers(0, 2**40),
       n_training=st.integers(0, 4))
def test_repeats_are_far_apart_and_marked(n_real: int, n_syn: int, frac: float, seed: int, n_training: int) -> None:
    real, synth = list(range(n_real)), list(range(1000, 1000 + n_syn))
    training = list(range(5000, 5000 + n_training))
    order = build_order(real, synth, seed=seed, repeat_fraction=frac, training=training)
    n = n_real + n_syn
    # training block first, all flagged
    assert all(s.is_training for s in order[:n_training])
    assert sorted(s.case for s in order[:n_training]) == training
    study = order[n_training:]
    assert not any(s.is_training for s in study)
    firsts = [s for s in study if not s.is_repeat]
    assert sorted(s.case for s in firsts) == sorted(real + synth)
    repeats = [s for s in study if s.is_repeat]
    assert len(repeats) == min(round(frac * n), n - math.ceil(n / 2))
    positions: dict[int, list[int]] = {}
    for pos, slot in enumerate(study):
        positions.setdefault(slot.case, []).append(pos)
    for slot in repeats:
        first, second = positions[slot.case]
        assert second - first > math.ceil(n / 2) - 1
        assert study[first].is_repeat is False and study[second].is_repeat is True


def test_repeat_fraction_is_validated() -> None:
    with pytest.raises(ValueError, match="repeat fraction"):
        build_order([1], [2], seed=1, repeat_fraction=0.6)


def test_repeats_keep_runs_short_in_a_balanced_study() -> None:
    for seed in range(50):
        order = build_order(list(range(50)), list(range(50, 100)), seed=seed, repeat_fraction=0.2)
        assert sum(s.is_repeat for s in order) == 20
        assert max_run([s.case < 50 for s in order]) <= 5
