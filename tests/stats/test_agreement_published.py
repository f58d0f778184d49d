"""Agreement statistics against published numbers (every expected value cites its source)."""

from __future__ import annotations

import numpy as np
import pytest
from pytest import approx

from turingview.stats.agreement import (
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_category_kappas,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    gwet_ac,
    gwet_ac_from_counts,
    intra_reader_kappa,
    krippendorff_alpha,
)

from ._refdata import read_long_table, read_matrix


# --- Cohen's kappa -----------------------------------------------------------------------------------------
def test_sas_3x3_unweighted(ref):
    # SAS PROC FREQ printout copied in statsmodels/stats/tests/test_inter_rater.py (UnweightedCohens, table10):
    # Kappa 0.4842, ASE 0.1380, 95% CL 0.2137-0.7547, ASE under H0 0.1484, Z 3.2626, two-sided p 0.0011.
    t = read_long_table(ref / "cohen-kappa-sas" / "statsmodels_sas_3x3.csv", 3)
    r = cohen_kappa_from_table(t)
    assert r.n == 19
    assert [r.estimate, r.se, r.ci_low, r.ci_high] == approx([0.4842, 0.1380, 0.2137, 0.7547], abs=5e-5)
    assert r.estimate / r.statistic == approx(0.1484, abs=5e-5)  # null SE
    assert r.statistic == approx(3.2626, abs=5e-5)
    assert r.p_value == approx(0.0011, abs=5e-5)


def test_sas_3x3_linear_weighted(ref):
    # Same source (TestWeightedCohens, Cicchetti-Allison weights): Kappa 0.4701, ASE 0.1457, CL 0.1845-0.7558,
    # ASE under H0 0.1426, Z 3.2971, two-sided p 0.0010.
    t = read_long_table(ref / "cohen-kappa-sas" / "statsmodels_sas_3x3.csv", 3)
    r = cohen_kappa_from_table(t, weights="linear")
    assert [r.estimate, r.se, r.ci_low, r.ci_high] == approx([0.4701, 0.1457, 0.1845, 0.7558], abs=5e-5)
    assert r.estimate / r.statistic == approx(0.1426, abs=5e-5)
    assert [r.statistic, r.p_value] == approx([3.2971, 0.0010], abs=5e-5)


def test_sas_skin_condition(ref):
    # SAS/STAT User's Guide, PROC FREQ, Getting Started "Agreement Study" (SkinCondition, FREQGS2), Kappa
    # Statistics table: Simple Kappa 0.3449, ASE 0.0724, 95% CL 0.2030-0.4868; Weighted Kappa (Cicchetti-Allison)
    # 0.5082, ASE 0.0655, 95% CL 0.3798-0.6366.
    t = read_long_table(ref / "cohen-kappa-sas" / "skin_condition_4x4.csv", 4)
    assert t.sum() == 88
    r = cohen_kappa_from_table(t)
    assert [r.estimate, r.se, r.ci_low, r.ci_high] == approx([0.3449, 0.0724, 0.2030, 0.4868], abs=5e-5)
    w = cohen_kappa_from_table(t, weights="linear")
    assert [w.estimate, w.se, w.ci_low, w.ci_high] == approx([0.5082, 0.0655, 0.3798, 0.6366], abs=5e-5)


def test_raw_ratings_equal_table(ref):
    # The same 3x3 SAS table expanded to raw pairs gives identical results through cohen_kappa.
    t = read_long_table(ref / "cohen-kappa-sas" / "statsmodels_sas_3x3.csv", 3).astype(int)
    a = np.repeat(np.repeat(np.arange(1, 4), 3), t.ravel())
    b = np.repeat(np.tile(np.arange(1, 4), 3), t.ravel())
    r1, r2 = cohen_kappa(a, b, categories=[1, 2, 3]), cohen_kappa_from_table(t)
    assert r1.to_dict() == r2.to_dict()


@pytest.fixture
def anxiety(ref):
    return read_matrix(ref / "irr-anxiety" / "anxiety.csv")


def test_irr_anxiety_unweighted(anxiety):
    # R irr 0.84.1 kappa2(anxiety[,2:3]) as printed in statsmodels' test_inter_rater.py (ck_w1):
    # kappa -0.006289308, z -0.0604067, p 0.9518317. Unused category 5 does not change unweighted kappa.
    r = cohen_kappa(anxiety[:, 1], anxiety[:, 2], categories=range(1, 7))
    assert r.estimate == approx(-0.006289308, abs=1e-8)
    assert r.statistic == approx(-0.0604067, abs=1e-6)
    assert r.p_value == approx(0.9518317, abs=1e-6)


def test_irr_anxiety_weighted_observed_levels(anxiety):
    # irr's kappa2 builds the weights over the levels that occur (1,2,3,4,6): with those as the declared scale we
    # reproduce kappa2(anxiety[,2:3], "equal") = 0.1459075 (z 1.282472, p 0.1996772) and "squared" = 0.2520325
    # (z 1.437451, p 0.1505898) (statsmodels' test_inter_rater.py, ck_w2 and ck_w3).
    a, b = anxiety[:, 1], anxiety[:, 2]
    lin = cohen_kappa(a, b, categories=[1, 2, 3, 4, 6], weights="linear")
    assert [lin.estimate, lin.statistic, lin.p_value] == approx([0.1459075, 1.282472, 0.1996772], abs=1e-6)
    quad = cohen_kappa(a, b, categories=[1, 2, 3, 4, 6], weights="quadratic")
    assert [quad.estimate, quad.statistic, quad.p_value] == approx([0.2520325, 1.437451, 0.1505898], abs=1e-6)


def test_irr_anxiety_declared_scale_differs(anxiety):
    # Our convention: weights over the declared scale 1..6 (category 5 unused by raters 2 and 3) give a
    # different weighted kappa than irr; it equals statsmodels' cohens_kappa on the full 6 x 6 table.
    from statsmodels.stats.inter_rater import cohens_kappa, to_table

    a, b = anxiety[:, 1], anxiety[:, 2]
    r = cohen_kappa(a, b, categories=range(1, 7), weights="linear")
    table = to_table(np.column_stack([a, b]), bins=np.arange(0.5, 7.5))[0]
    sm = cohens_kappa(table, wt="linear")
    assert r.estimate == approx(sm.kappa, abs=1e-12)
    assert r.se == approx(sm.std_kappa, abs=1e-12)
    assert r.estimate != approx(0.1459075, abs=1e-3)


def test_cohen_1968_table1(ref):
    # Cohen (1968), Table 1 (N = 200): "cohen reports .492 and .348" (unweighted kappa and weighted kappa with
    # disagreement weights 0/1/3/6), as noted in the example of psych::cohen.kappa (kappa.Rd, psych 2.2.9).
    p = read_long_table(ref / "cohen1968-fce1969-weighted" / "cohen1968_table1_proportions.csv", 3)
    v = read_long_table(ref / "cohen1968-fce1969-weighted" / "cohen1968_disagreement_weights.csv", 3)
    counts = p * 200
    assert cohen_kappa_from_table(counts).estimate == approx(0.492, abs=5e-4)
    assert cohen_kappa_from_table(counts, weights=1 - v / v.max()).estimate == approx(0.348, abs=5e-4)


def test_cohen_1968_nonsymmetric_weights(ref):
    # Cohen (1968): with the non-symmetric disagreement weights [[0,1,4],[1,0,6],[2,2,0]] "Cohen reports
    # kw = .353" (psych::cohen.kappa example, kappa.Rd). Agreement weights = 1 - v / max(v).
    p = read_long_table(ref / "cohen1968-fce1969-weighted" / "cohen1968_table1_proportions.csv", 3)
    wc = np.array([[0, 1, 4], [1, 0, 6], [2, 2, 0]], dtype=float)
    assert cohen_kappa_from_table(p * 200, weights=1 - wc / 6).estimate == approx(0.353, abs=5e-4)


def test_fce_1969_example_matches_statsmodels(ref):
    # Fleiss, Cohen & Everitt (1969) example table and similarity weights (psych::cohen.kappa example). The FCE
    # large-sample SEs (non-null and null) equal statsmodels' independent implementation of the same formulas.
    from statsmodels.stats.inter_rater import cohens_kappa

    c = read_long_table(ref / "cohen1968-fce1969-weighted" / "fce1969_counts.csv", 3)
    w = read_long_table(ref / "cohen1968-fce1969-weighted" / "fce1969_agreement_weights.csv", 3)
    for ours, sm in (
        (cohen_kappa_from_table(c), cohens_kappa(c)),
        (cohen_kappa_from_table(c, weights=w), cohens_kappa(c, weights=1 - w)),
    ):
        assert ours.estimate == approx(sm.kappa, abs=1e-12)
        assert ours.se == approx(sm.std_kappa, abs=1e-12)
        assert ours.statistic == approx(sm.z_value, abs=1e-9)
    assert cohen_kappa_from_table(c).estimate == approx(0.429, abs=5e-4)  # (0.70 - 0.475) / 0.525


def test_intra_reader_is_cohen(anxiety):
    a, b = anxiety[:, 0], anxiety[:, 1]
    r1 = intra_reader_kappa(a, b, categories=range(1, 7), weights="quadratic")
    r2 = cohen_kappa(a, b, categories=range(1, 7), weights="quadratic")
    assert (r1.estimate, r1.se, r1.ci, r1.p_value) == (r2.estimate, r2.se, r2.ci, r2.p_value)
    assert "Intra-reader" in r1.method


# --- Fleiss' kappa -----------------------------------------------------------------------------------------
def test_fleiss_1971_diagnoses(ref):
    # R irr 0.84.1 kappam.fleiss(diagnoses): Kappa 0.4302445, z 17.65183 (statsmodels test_inter_rater.py);
    # Fleiss (1971) reports kappa = .430.
    d = read_matrix(ref / "fleiss1971-diagnoses" / "diagnoses.csv")
    r = fleiss_kappa(d, categories=range(1, 6))
    assert r.n == 30
    assert r.estimate == approx(0.4302445, abs=1e-7)
    assert r.statistic == approx(17.65183, abs=1e-5)
    assert r.p_value < 1e-60


def test_fleiss_1971_category_kappas(ref):
    # Fleiss (1971) category-wise kappas (also irr kappam.fleiss(diagnoses, detail = TRUE)): Depression .245,
    # Personality disorder .245, Schizophrenia .520, Neurosis .471, Other .566; z = 5.192 for Depression.
    d = read_matrix(ref / "fleiss1971-diagnoses" / "diagnoses.csv")
    cats = fleiss_category_kappas(d, categories=range(1, 6))
    assert [c.kappa.estimate for c in cats] == approx([0.245, 0.245, 0.520, 0.471, 0.566], abs=5e-4)
    assert cats[0].kappa.statistic == approx(5.192, abs=5e-4)
    assert sum(c.proportion for c in cats) == approx(1.0)


def test_fleiss_wikipedia(ref):
    # Wikipedia "Fleiss' kappa" worked example: kappa = 0.210 (statsmodels test_fleiss_kappa, table1).
    c = read_matrix(ref / "fleiss-wikipedia-14raters" / "counts.csv")
    assert fleiss_kappa_from_counts(c).estimate == approx(0.210, abs=5e-4)


# --- Gwet / irrCAC -----------------------------------------------------------------------------------------
@pytest.fixture
def raw4(ref):
    return read_matrix(ref / "gwet-irrcac" / "cac_raw4raters.csv")


def test_irrcac_raw4raters_ac1(raw4):
    # irrCAC 1.0 README: gwet.ac1.raw(cac.raw4raters): pa 0.8181818, pe 0.1903212, AC1 0.77544, se 0.14295,
    # CI (0.461, 1), p 0.000208721.
    r = gwet_ac(raw4, categories=range(1, 6))
    assert r.n == 12
    assert [r.estimate, r.se] == approx([0.77544, 0.14295], abs=5e-6)
    assert (r.ci_low, r.ci_high) == (approx(0.461, abs=5e-4), 1.0)
    assert r.p_value == approx(0.000208721, rel=1e-5)


def test_irrcac_raw4raters_fleiss_and_alpha(raw4):
    # irrCAC 1.0 README: fleiss.kappa.raw(cac.raw4raters): 0.76117, se 0.15302, CI (0.424, 1);
    # krippen.alpha.raw(cac.raw4raters): 0.74342 (= Krippendorff 2011 example C, nominal, 0.743).
    r = fleiss_kappa(raw4, categories=range(1, 6))
    assert [r.estimate, r.se] == approx([0.76117, 0.15302], abs=5e-6)
    assert (r.ci_low, r.ci_high) == (approx(0.424, abs=5e-4), 1.0)
    assert r.statistic is None and "same number" in r.note  # FNL z test needs a constant number of ratings
    assert krippendorff_alpha(raw4.T, level="nominal").estimate == approx(0.74342, abs=5e-6)


def test_irrcac_distrib_6raters(ref):
    # irrCAC 1.0 README: gwet.ac1.dist(distrib.6raters): AC1 0.4448007, stderr 0.08418757, CI (0.264, 0.625),
    # p 0.0001155927; fleiss.kappa.dist: 0.4139265, stderr 0.08119291, CI (0.24, 0.588).
    c = read_matrix(ref / "gwet-irrcac" / "distrib_6raters.csv")
    ac1 = gwet_ac_from_counts(c)
    assert [ac1.estimate, ac1.se] == approx([0.4448007, 0.08418757], abs=5e-8)
    assert [ac1.ci_low, ac1.ci_high] == approx([0.264, 0.625], abs=5e-4)
    assert ac1.p_value == approx(0.0001155927, rel=1e-6)
    fk = fleiss_kappa_from_counts(c)
    assert [fk.estimate, fk.se] == approx([0.4139265, 0.08119291], abs=5e-8)
    assert [fk.ci_low, fk.ci_high] == approx([0.24, 0.588], abs=5e-4)


def test_irrcac_cont3x3_ac1_estimate(ref):
    # irrCAC 1.0 README: gwet.ac1.table(cont3x3abstractors) AC1 = 0.8493305; kappa2.table Cohen's kappa =
    # 0.7964094. (The table functions use a 2-rater variance formula; we check the coefficients.)
    t = read_matrix(ref / "gwet-irrcac" / "cont3x3abstractors.csv").astype(int)
    a = np.repeat(np.repeat(np.arange(1, 4), 3), t.ravel())
    b = np.repeat(np.tile(np.arange(1, 4), 3), t.ravel())
    assert gwet_ac(np.column_stack([a, b]), categories=[1, 2, 3]).estimate == approx(0.8493305, abs=1e-7)
    assert cohen_kappa_from_table(t).estimate == approx(0.7964094, abs=1e-7)


def test_irrcac_ac2_quadratic(raw4, ref):
    # irrCAC 1.0 vignette "weighting" (weighting.html): gwet.ac1.raw(cac.raw4raters, weights = "quadratic"):
    # AC2 0.914, se 0.10396, CI (0.685, 1), p 2.634438e-06; gwet.ac1.dist(distrib.6raters,
    # weights = quadratic.weights(1:5)): 0.4837438, stderr 0.1058227, CI (0.257, 0.711), p 0.0004356618;
    # kappa2.table(cont3x3abstractors, quadratic) 0.8921569; gwet.ac1.table(..., quadratic) AC2 0.9402369.
    r = gwet_ac(raw4, categories=range(1, 6), weights="quadratic")
    assert [r.estimate, r.se] == approx([0.914, 0.10396], abs=5e-6)
    assert (r.ci_low, r.ci_high) == (approx(0.685, abs=5e-4), 1.0)
    assert r.p_value == approx(2.634438e-06, rel=1e-6)
    c = read_matrix(ref / "gwet-irrcac" / "distrib_6raters.csv")
    d = gwet_ac_from_counts(c, weights="quadratic")
    assert [d.estimate, d.se] == approx([0.4837438, 0.1058227], abs=5e-8)
    assert [d.ci_low, d.ci_high] == approx([0.257, 0.711], abs=5e-4)
    assert d.p_value == approx(0.0004356618, rel=1e-6)
    t = read_matrix(ref / "gwet-irrcac" / "cont3x3abstractors.csv").astype(int)
    assert cohen_kappa_from_table(t, weights="quadratic").estimate == approx(0.8921569, abs=5e-8)
    a = np.repeat(np.repeat(np.arange(1, 4), 3), t.ravel())
    b = np.repeat(np.tile(np.arange(1, 4), 3), t.ravel())
    ac2 = gwet_ac(np.column_stack([a, b]), categories=[1, 2, 3], weights="quadratic")
    assert ac2.estimate == approx(0.9402369, abs=5e-8)


# --- Krippendorff's alpha ----------------------------------------------------------------------------------
def test_krippendorff_2011_example_c(ref):
    # Krippendorff (2011), section C: nominal .743, ordinal .815, interval .849, ratio .797.
    d = read_matrix(ref / "krippendorff2011" / "example_c_4observers_12units.csv")
    got = [krippendorff_alpha(d, level=lv).estimate for lv in ("nominal", "ordinal", "interval", "ratio")]
    assert got == approx([0.743, 0.815, 0.849, 0.797], abs=5e-4)
    assert krippendorff_alpha(d, level="nominal").n == 40  # pairable values (unit 12 has one value)


def test_krippendorff_2011_example_b(ref):
    # Krippendorff (2011), section B (2 observers, binary, no missing data): alpha = 0.095.
    d = read_matrix(ref / "krippendorff2011" / "example_b_2observers_binary.csv")
    assert krippendorff_alpha(d, level="nominal").estimate == approx(0.095, abs=5e-4)


def test_krippendorff_wikipedia(ref):
    # Wikipedia "Krippendorff's alpha" example, values from the krippendorff package tests
    # (pln-fing-udelar/fast-krippendorff tests/test_krippendorff.py): nominal 0.691358, interval 0.810845.
    d = read_matrix(ref / "krippendorff2011" / "wikipedia_3coders_15units.csv")
    assert krippendorff_alpha(d, level="nominal").estimate == approx(0.691358, abs=5e-7)
    assert krippendorff_alpha(d, level="interval").estimate == approx(0.810845, abs=5e-7)
