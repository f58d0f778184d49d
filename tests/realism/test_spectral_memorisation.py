"""The spectral test and the memorisation probe on real slices (numpy only, fast)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from conftest import nn_updown, real_pool
from turingview.realism.memorisation import feature_vectors, pixel_vectors, probe_space
from turingview.realism.spectral import cross_validated_logistic, fit_logistic, radial_profiles


def test_white_noise_has_a_flat_radial_spectrum() -> None:
    noise = np.random.default_rng(0).normal(size=(16, 64, 64)).astype(np.float32)
    prof = radial_profiles(noise)
    assert prof.log_power.shape == (16, 32)
    assert prof.frequencies[0] > 0 and prof.frequencies[-1] < 0.5
    mean = prof.log_power.mean(axis=0)
    assert np.ptp(mean[2:]) < 0.15  # flat within 0.15 decades (the Hann window shapes only the lowest bins)


def test_nearest_neighbour_upsampling_leaves_a_high_frequency_signature() -> None:
    images, _ = real_pool(64)
    real = np.stack(images[:24])
    fake = np.stack([nn_updown(x) for x in images[:24]])
    diff = radial_profiles(fake).log_power.mean(0) - radial_profiles(real).log_power.mean(0)
    # Pixel replication puts block edges (and aliased detail) near Nyquist: excess power there...
    assert diff[-4:].mean() > 0.15
    # ...while the low and middle frequencies, where the anatomy lives, are untouched.
    assert np.abs(diff[1:9]).max() < 0.05


def test_logistic_regression_matches_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 5))
    y = (x[:, 0] - 0.5 * x[:, 1] + rng.normal(size=120) > 0.3).astype(int)
    ours = fit_logistic(x, y, l2=2.0)
    z = (x - x.mean(0)) / x.std(0)
    ref = LogisticRegression(C=0.5, class_weight="balanced", tol=1e-10, max_iter=1000).fit(z, y)
    np.testing.assert_allclose(ours.coef, ref.coef_[0], rtol=1e-4, atol=1e-6)
    assert ours.intercept == pytest.approx(ref.intercept_[0], abs=1e-5)
    folds = np.arange(120) % 4
    probs = cross_validated_logistic(x, y, folds)
    assert np.isfinite(probs).all() and ((probs > 0.5) == y).mean() > 0.7


def test_memorisation_flags_near_copies_with_their_pairs() -> None:
    images, groups = real_pool(64)
    # Real: volume 0; synthetic: three copies of real slices with a whisper of noise, plus volume-1 slices
    # shifted by 3 pixels (similar anatomy, not copies).
    v0 = [i for i, g in enumerate(groups) if g.startswith("v0")]
    v1 = [i for i, g in enumerate(groups) if g.startswith("v1")]
    rng = np.random.default_rng(2)
    real = np.stack([images[i] for i in v0])
    copies = [images[v0[k]] + 0.002 * rng.normal(size=(64, 64)) for k in (3, 17, 30)]
    others = [np.roll(images[i], 3, axis=1) for i in v1[:20]]
    synth = np.stack(copies + others)
    x = np.concatenate([real, synth])
    labels = np.r_[np.zeros(len(real)), np.ones(len(synth))].astype(int)
    grp = np.array([groups[i] for i in v0] + [f"s{i}" for i in range(len(synth))], dtype=object)
    space = probe_space(pixel_vectors(x), labels, grp, space="pixels", percentile=1.0)
    assert np.flatnonzero(space.near_copy).tolist() == [0, 1, 2]
    ids = tuple([f"R{i}" for i in range(len(real))] + [f"S{i}" for i in range(len(synth))])
    summary = space.summary(ids, np.zeros(len(x), dtype=int))
    assert summary["n_near_copies"] == 3
    assert {(p["synthetic_case_id"], p["real_case_id"]) for p in summary["near_copies"]} == {
        ("S0", "R3"),
        ("S1", "R17"),
        ("S2", "R30"),
    }
    # Same-patient neighbours are excluded from the real-to-real reference distances.
    assert np.isfinite(space.real_nn).all() and space.threshold > 0
    feats = feature_vectors(np.c_[x.reshape(len(x), -1)[:, :50], np.ones(len(x))])
    assert feats.shape == (len(x), 50)
