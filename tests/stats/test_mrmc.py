"""Obuchowski-Rockette / Hillis MRMC against the published Van Dyke analysis, plus internal consistency."""

from __future__ import annotations

import numpy as np
import pytest
from pytest import approx

from turingview.stats.mrmc import or_mrmc
from turingview.stats.roc import delong_auc, delong_paired, empirical_auc

from ._refdata import read_matrix


@pytest.fixture(scope="module")
def vandyke():
    from ._refdata import REFERENCE_DATA

    if not (REFERENCE_DATA / "vandyke-mrmc").is_dir():
        pytest.skip("reference data not available")
    d = read_matrix(REFERENCE_DATA / "vandyke-mrmc" / "vandyke.csv", skip_cols=0)
    scores = np.zeros((2, 5, 114))
    truth = [""] * 114
    for reader, trt, case, t, rating in d:
        scores[int(trt) - 1, int(reader) - 1, int(case) - 1] = rating
        truth[int(case) - 1] = "real" if t == 1 else "synthetic"  # positive (diseased) plays the "real" role
    return scores, truth


def test_vandyke_or_hillis_jackknife(vandyke):
    # MRMCaov 0.3.0 README / summary(mrmc(empirical_auc(truth, rating), treatment, reader, case, VanDyke))
    # (Smith & Hillis; identical to RJafroc StSignificanceTesting(dataset02, "Wilcoxon", method = "OR") and to
    # OR-DBM MRMC 2.5 trapezoidal/jackknife output):
    #   Cov1 0.0003466137, Cov2 0.0003440748, Cov3 0.0002390284, Error (Var) 0.0008022883,
    #   MS(T) 0.004796171, MS(T:R) 0.0005510306, F 4.456319, df2 15.25967, p 0.05166569,
    #   1 - 2: -0.04380032, SE 0.02074862, CI -0.0879594986 to 0.0003588544, t -2.110999.
    r = or_mrmc(*vandyke, covariance="jackknife")
    assert (r.n_readers, r.n_real, r.n_synthetic) == (5, 45, 69)
    assert [r.var, r.cov1, r.cov2, r.cov3] == approx(
        [0.0008022883, 0.0003466137, 0.0003440748, 0.0002390284], abs=5e-11
    )
    assert [r.ms_t, r.ms_tr] == approx([0.004796171, 0.0005510306], abs=5e-10)
    f, df1, df2, p = r.global_test
    assert (f, df1, df2, p) == (
        approx(4.456319, abs=5e-7),
        1.0,
        approx(15.25967, abs=5e-6),
        approx(0.05166569, abs=5e-9),
    )
    d = r.comparison.difference
    assert [d.estimate, d.se, d.ci_low, d.ci_high] == approx(
        [-0.04380032, 0.02074862, -0.0879594986, 0.0003588544], abs=5e-9
    )
    assert d.statistic == approx(-2.110999, abs=5e-7)
    assert d.df == approx(15.25967, abs=5e-6) and d.p_value == approx(0.05166569, abs=5e-9)
    assert r.comparison.f_statistic == approx(f)


def test_vandyke_single_test_cis(vandyke):
    # Same MRMCaov output, "95% treatment empirical_auc CIs (each analysis based only on data for the specified
    # treatment)": 1: 0.8970370, MS(R) 0.003082629, Cov2 0.0004839618, SE 0.03317360, df 12.74465,
    # CI 0.8252236-0.9688505; 2: 0.9408374, MS(R) 0.001304602, Cov2 0.0002041879, SE 0.02156637, df 12.71019,
    # CI 0.8941378-0.9875369. RJafroc (dataset02, OR) reader AUCs: trt0 0.9196 0.8588 0.9039 0.9731 0.8298,
    # trt1 0.9478 0.9053 0.9217 0.9994 0.9300.
    r = or_mrmc(*vandyke)
    expected = [
        (0.8970370, 0.003082629, 0.0004839618, 0.03317360, 12.74465, 0.8252236, 0.9688505),
        (0.9408374, 0.001304602, 0.0002041879, 0.02156637, 12.71019, 0.8941378, 0.9875369),
    ]
    for t, (est, msr, cov2, se, df, lo, hi) in zip(r.tests, expected, strict=True):
        assert [t.auc.estimate, t.ms_r, t.cov2, t.auc.se] == approx([est, msr, cov2, se], abs=5e-8)
        assert t.auc.df == approx(df, abs=5e-6)
        assert [t.auc.ci_low, t.auc.ci_high] == approx([lo, hi], abs=5e-8)
    assert r.tests[0].reader_aucs == approx([0.9196, 0.8588, 0.9039, 0.9731, 0.8298], abs=5e-5)
    assert r.tests[1].reader_aucs == approx([0.9478, 0.9053, 0.9217, 0.9994, 0.9300], abs=5e-5)
    # the single-test analysis of one modality alone is the same as within the two-test analysis
    alone = or_mrmc(vandyke[0][0], vandyke[1])
    assert alone.tests[0].auc.to_dict() == r.tests[0].auc.to_dict()
    assert alone.comparison is None and alone.global_test is None


def test_delong_covariance_consistent_with_delong(vandyke):
    scores, truth = vandyke
    real = np.array([t == "real" for t in truth])
    r = or_mrmc(scores, truth, covariance="delong")
    # the DeLong OR error variance is the mean DeLong variance of the reader AUCs
    var = np.mean([delong_auc(scores[i, j, real], scores[i, j, ~real]).se ** 2 for i in range(2) for j in range(5)])
    assert r.var == approx(var, rel=1e-12)
    assert r.global_test[0] == approx(4.48, abs=0.05)  # close to the jackknife F, as expected for empirical AUCs


def test_single_reader_two_tests_is_paired_delong(vandyke):
    scores, truth = vandyke
    real = np.array([t == "real" for t in truth])
    r = or_mrmc(scores[:, :1], truth, covariance="delong")
    ref = delong_paired(scores[0, 0, real], scores[0, 0, ~real], scores[1, 0, real], scores[1, 0, ~real])
    assert r.comparison.difference.estimate == approx(ref.difference.estimate)
    assert r.comparison.difference.se == approx(ref.difference.se, rel=1e-12)
    assert r.comparison.p_value == approx(ref.difference.p_value, rel=1e-10)
    assert "single reader" in r.note and "single reader" in r.tests[0].auc.note


def test_jackknife_equals_brute_force_leave_one_out():
    rng = np.random.default_rng(11)
    truth = np.array(["real"] * 12 + ["synthetic"] * 9)
    scores = rng.integers(1, 6, size=(2, 3, truth.size)) + (truth == "real") * rng.integers(0, 2, size=truth.size)
    r = or_mrmc(scores, truth)
    real = truth == "real"
    c = truth.size
    loo = np.array(
        [
            [
                empirical_auc(
                    np.delete(scores[i, j], k)[np.delete(real, k)], np.delete(scores[i, j], k)[~np.delete(real, k)]
                )
                for k in range(c)
            ]
            for i in range(2)
            for j in range(3)
        ]
    )
    dev = loo - loo.mean(axis=1, keepdims=True)
    cov = (c - 1) / c * dev @ dev.T
    assert r.var == approx(np.diag(cov).mean(), rel=1e-10)
    assert r.cov1 == approx(np.mean([cov[j, 3 + j] for j in range(3)] + [cov[3 + j, j] for j in range(3)]), rel=1e-10)


def test_three_tests_and_reader_permutation():
    rng = np.random.default_rng(5)
    truth = ["real"] * 15 + ["synthetic"] * 15
    shift = np.r_[np.ones(15), np.zeros(15)]
    scores = rng.integers(1, 5, size=(3, 4, 30)) + shift * np.array([0, 1, 2])[:, None, None]
    r = or_mrmc(scores, truth, test_ids=["a", "b", "c"], reader_ids=["r1", "r2", "r3", "r4"])
    assert r.global_test[1] == 2.0 and len(r.comparisons) == 3 and r.comparison is None
    assert [c.test_a + c.test_b for c in r.comparisons] == ["ab", "ac", "bc"]
    perm = or_mrmc(scores[:, ::-1], truth)
    assert perm.global_test == approx(r.global_test)
    assert r.to_dict()["tests"][0]["test"] == "a"


def test_validation():
    truth = ["real", "real", "synthetic", "synthetic"]
    s = np.ones((1, 2, 4))
    s[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match=r"scores\[test 0, reader 1, case 2\] is missing"):
        or_mrmc(s, truth)
    with pytest.raises(ValueError, match="covariance='bootstrap'"):
        or_mrmc(np.ones((1, 2, 4)), truth, covariance="bootstrap")
    with pytest.raises(ValueError, match="at least 2 real and 2 synthetic"):
        or_mrmc(np.ones((1, 2, 3)), ["real", "synthetic", "synthetic"])
    with pytest.raises(ValueError, match="4 entries but there are 3"):
        or_mrmc(np.ones((1, 2, 3)), truth)


def test_no_variability_is_explained():
    truth = ["real"] * 3 + ["synthetic"] * 3
    r = or_mrmc(np.full((2, 3, 6), 3.0), truth)
    assert r.global_test is None and "undefined" in r.note
    assert r.tests[0].auc.estimate == 0.5 and r.tests[0].auc.se == 0.0 and r.tests[0].auc.note
    assert r.comparison.difference.note and r.to_dict()["comparison"]["p_value"] is None


def test_vandyke_fixed_readers(vandyke):
    # RJafroc StSignificanceTesting(dataset02, FOM = "Wilcoxon", method = "OR") FRRC output (RJafroc book,
    # OR applications chapter, dataset02): Chisq 5.47595324 (df 1), p 0.01928, error term 0.0008759;
    # trt0-trt1 -0.0438, StdErr 0.01872, z -2.34007543, CI -0.08049 to -0.007115;
    # per-treatment (FRRC) 0.8970 SE 0.02429 CI 0.8494-0.9446, 0.9408 SE 0.01678 CI 0.9080-0.9737;
    # per reader rdr0 -0.0282 SE 0.0255 z -1.105 p 0.2693 ... rdr4 -0.1002 SE 0.0441 z -2.273 p 0.0230.
    r = or_mrmc(*vandyke, readers="fixed")
    assert r.readers == "fixed"
    f, df1, df2, p = r.global_test
    assert (f * df1, df1, df2) == (approx(5.47595324, abs=5e-8), 1.0, float("inf"))
    assert p == approx(0.01928, abs=5e-6)
    d = r.comparison.difference
    assert [d.se, d.statistic, d.ci_low, d.ci_high] == approx([0.01872, -2.34007543, -0.08049, -0.007115], abs=5e-6)
    assert d.df is None
    t0, t1 = r.tests
    assert [t0.auc.se, t0.auc.ci_low, t0.auc.ci_high] == approx([0.02429, 0.8494, 0.9446], abs=5e-5)
    assert [t1.auc.se, t1.auc.ci_low, t1.auc.ci_high] == approx([0.01678, 0.9080, 0.9737], abs=5e-5)
    per_reader = [
        (c.difference.estimate, c.difference.se, c.difference.statistic, c.p_value) for c in r.reader_comparisons
    ]
    assert [c.reader for c in r.reader_comparisons] == ["1", "2", "3", "4", "5"]
    assert per_reader[0] == approx((-0.0282, 0.0255, -1.105, 0.2693), abs=5e-4)
    assert per_reader[4] == approx((-0.1002, 0.0441, -2.273, 0.0230), abs=5e-4)


def test_vandyke_single_reader_published(vandyke):
    # RJafroc book (OR analysis chapter, single reader: DfExtractDataset(dataset02, rdrs = 1)):
    # jackknife Cov1 0.0003734661, Var 0.0006989006; DeLong Cov1 0.0003684357, Var 0.0006900766;
    # difference -0.02818035 with 95% CI -0.07818322 to 0.02182251 (= +/- 1.96 sqrt(2 (Var - Cov1))).
    # The test statistic is RJafroc's FRRC per-reader result for rdr0: z -1.105, p 0.2693, i.e. chi2 = 1.2201.
    # (The book's hand-computed "F_1R = 0.6100555, p 0.4347669" is half of that: its MS(T) loop sums
    # theta_i[i] with a stale index, so only one of the two squared deviations enters.)
    scores, truth = vandyke
    jk = or_mrmc(scores[:, :1], truth)
    assert [jk.var, jk.cov1] == approx([0.0006989006, 0.0003734661], abs=5e-11)
    d = jk.comparison.difference
    assert [d.estimate, d.ci_low, d.ci_high] == approx([-0.02818035, -0.07818322, 0.02182251], abs=5e-9)
    assert d.statistic == approx(-1.105, abs=5e-4) and jk.comparison.p_value == approx(0.2693, abs=5e-5)
    assert jk.global_test[0] == approx(d.statistic**2) and jk.global_test[3] == approx(jk.comparison.p_value)
    assert jk.readers == "fixed" and "single reader" in jk.note
    dl = or_mrmc(scores[:, :1], truth, covariance="delong")
    assert [dl.var, dl.cov1] == approx([0.0006900766, 0.0003684357], abs=5e-11)


def test_long_form_pivot_matches_array(vandyke):
    from turingview.stats.mrmc import mrmc_input_from_long

    from ._refdata import REFERENCE_DATA

    d = read_matrix(REFERENCE_DATA / "vandyke-mrmc" / "vandyke.csv", skip_cols=0)
    rows = d[::-1]  # any row order
    x = mrmc_input_from_long(
        [f"R{int(v)}" for v in rows[:, 0]],
        [f"T{int(v)}" for v in rows[:, 1]],
        [str(int(v)) for v in rows[:, 2]],
        rows[:, 4],
        ["real" if v == 1 else "synthetic" for v in rows[:, 3]],
    )
    assert x.scores.shape == (2, 5, 114) and x.test_ids == ("T2", "T1")
    res = or_mrmc(x.scores, x.truth, test_ids=x.test_ids, reader_ids=x.reader_ids)
    assert res.global_test[0] == approx(4.456319, abs=5e-7)
    assert res.comparison.difference.estimate == approx(0.04380032, abs=5e-9)  # T2 - T1


def test_long_form_errors():
    from turingview.stats.mrmc import mrmc_input_from_long

    with pytest.raises(ValueError, match="row 1: reader 'a', test 't', case 'c1' is scored twice"):
        mrmc_input_from_long(["a", "a"], ["t", "t"], ["c1", "c1"], [1, 2], ["real", "real"])
    with pytest.raises(ValueError, match="row 1: case 'c1' is both real and synthetic"):
        mrmc_input_from_long(["a", "b"], ["t", "t"], ["c1", "c1"], [1, 2], ["real", "synthetic"])
    with pytest.raises(ValueError, match="reader 'b' has no score for case 'c2' under test 't'"):
        mrmc_input_from_long(["a", "a", "b"], ["t"] * 3, ["c1", "c2", "c1"], [1, 2, 3], ["real", "synthetic", "real"])


def test_per_test_auc_tested_against_half(vandyke):
    # statistic = (AUC - 0.5) / SE with the single-test Hillis df (random readers) or z (fixed readers).
    from scipy import stats as st

    r = or_mrmc(*vandyke)
    for t in r.tests:
        assert t.auc.statistic == approx((t.auc.estimate - 0.5) / t.auc.se)
        assert t.auc.p_value == approx(2 * st.t.sf(abs(t.auc.statistic), t.auc.df))
    f = or_mrmc(*vandyke, readers="fixed")
    assert f.tests[0].auc.p_value == approx(2 * st.norm.sf(abs(f.tests[0].auc.statistic)))
