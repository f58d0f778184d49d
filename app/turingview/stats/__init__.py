"""turingview.stats: pure, validated statistics for real-versus-synthetic reader studies.

numpy/scipy/statsmodels only (no pandas, no database, no Qt). Every function takes keyword-only options,
checks its input (``InvalidInputError``, a ``ValueError``, naming the bad value) and returns frozen result
objects (:mod:`turingview.stats.results`) with ``to_dict()`` for JSON export. Conventions and formulas:
``docs/statistics.md``.

Modules
-------
results       Estimate and the other frozen result types
agreement     Cohen / weighted / intra-reader / pairwise kappa, Fleiss' kappa, Gwet's AC1/AC2, Krippendorff's alpha
proportions   Wilson and Clopper-Pearson intervals, exact binomial test
detection     sensitivity / specificity / accuracy at a threshold, fooling rate
roc           empirical AUC, DeLong SE/CI and paired test, Hanley-McNeil SE, ROC curve
mrmc          Obuchowski-Rockette / Hillis multi-reader multi-case analysis
equivalence   TOST of AUC within 0.5 +/- margin
distributions score histogram, Mann-Whitney U
concordance   classifier-versus-readers agreement on which synthetic images give themselves away

The submodules import scipy; import them where needed (this package module imports nothing heavy).
"""
