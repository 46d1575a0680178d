"""Statistical helpers (pipeline.stats), worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import stats

# ---------------------------------------------------------------------------------------------
# rates and intervals


def test_rate_and_pct_are_nan_when_n_is_zero():
    assert list(stats.rate([1, 3], [4, 4])) == [0.25, 0.75]
    assert list(stats.pct([1, 3], [4, 4])) == [25.0, 75.0]
    r, p = stats.rate([0, 2], [0, 8]), stats.pct([0, 2], [0, 8])
    assert np.isnan(r[0]) and r[1] == 0.25
    assert np.isnan(p[0]) and p[1] == 25.0
    assert np.isnan(stats.rate(0, 0)) and np.isnan(stats.pct(5, 0))  # scalars too


def test_wilson_interval_for_five_of_twenty():
    # p = 0.25, z = 1.95996, z^2 = 3.84146, n = 20
    # centre = (0.25 + 3.84146/40) / (1 + 3.84146/20) = 0.346037 / 1.192073 = 0.290281
    # half   = 1.95996 * sqrt(0.25*0.75/20 + 3.84146/1600) / 1.192073 = 0.178420
    # -> (0.1119, 0.4687)
    lo, hi = stats.wilson(5, 20)
    assert lo[0] == pytest.approx(0.11186, abs=1e-4)
    assert hi[0] == pytest.approx(0.46870, abs=1e-4)
    lo, hi = stats.wilson([0, 1], [0, 4])
    assert np.isnan(lo[0]) and np.isnan(hi[0]) and 0 < lo[1] < 0.25 < hi[1]


def test_wilson_pct_is_the_interval_in_percent():
    lo, hi = stats.wilson_pct(5, 20)
    assert lo[0] == pytest.approx(11.186, abs=1e-2)
    assert hi[0] == pytest.approx(46.870, abs=1e-2)
    # 0 of 10: the Wilson interval starts at 0 (not below): (0, z^2 / (n + z^2)) = (0, 27.75%)
    lo, hi = stats.wilson_pct([0, 3], [10, 0])
    assert lo[0] == pytest.approx(0.0, abs=1e-9)
    assert hi[0] == pytest.approx(100 * 3.841459 / 13.841459, abs=1e-3)
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_percentile_interval():
    # 0..100: the 2.5th and 97.5th percentiles (linear interpolation) are 2.5 and 97.5
    values = np.arange(101, dtype=float)
    assert stats.percentile_interval(values) == (2.5, 97.5)
    # non-finite replicates are left out: the same interval with NaNs and infinities mixed in
    mixed = np.r_[values, [np.nan, np.inf, -np.inf]]
    assert stats.percentile_interval(mixed) == (2.5, 97.5)
    # alpha 0.1: the 5th and 95th
    assert stats.percentile_interval(values, alpha=0.1) == (5.0, 95.0)
    lo, hi = stats.percentile_interval(np.array([np.nan, np.nan]))
    assert math.isnan(lo) and math.isnan(hi)


# ---------------------------------------------------------------------------------------------
# comparing counts


def test_compare_counts_poisson():
    # 0 against 5: P(X = 0 | n = 5, p = 1/2) = 1/32, two-sided 1/16 = 0.0625: not significant
    small = stats.compare_counts(0, 5)
    assert isinstance(small, stats.CountComparison)
    assert small.p_value == pytest.approx(0.0625) and not small.significant
    assert (small.current, small.previous, small.change, small.change_pct) == (0, 5, -5, -100.0)
    # 0 against 6: 2 / 64 = 0.03125 < 0.05: significant
    assert stats.compare_counts(0, 6).significant
    # the seeds' council: 50 incidents from 91 is a real fall; 50 from 58 is ordinary variation
    big = stats.compare_counts(50, 91)
    assert big.significant and big.p_value < 0.001 and big.change == -41
    assert big.change_pct == pytest.approx(-4100 / 91)  # -45.05%
    assert big.rate_ratio == pytest.approx(50 / 91)
    assert big.ci_low < big.rate_ratio < big.ci_high < 1
    ordinary = stats.compare_counts(50, 58)
    assert not ordinary.significant and ordinary.p_value > 0.05
    assert ordinary.ci_low < 1 < ordinary.ci_high  # a ratio of 1 is inside the interval
    # with exposures: 20 incidents among 200 children against 10 among 100 is the same rate
    same_rate = stats.compare_counts(20, 10, current_exposure=200, previous_exposure=100)
    assert same_rate.p_value == pytest.approx(1.0) and same_rate.rate_ratio == pytest.approx(1.0)
    nothing = stats.compare_counts(0, 0)
    assert nothing.p_value == 1.0 and not nothing.significant and math.isnan(nothing.rate_ratio)
    with pytest.raises(ValueError, match="non-negative"):
        stats.compare_counts(-1, 3)


def test_control_limits_c_chart():
    # baseline mean 4: limits 4 +/- 3 * 2 = -2 (floored at 0) and 10; 16 is a signal
    cl = stats.control_limits(pd.Series([4, 4, 4, 4, 16]), baseline=4)
    assert (cl["centre"].iloc[0], cl["lcl"].iloc[0], cl["ucl"].iloc[0]) == (4, 0, 10)
    assert list(cl["signal"]) == [False, False, False, False, True]
    # no baseline: every point; mean of 1, 4, 16, 25, 54 = 20 -> 20 +/- 3 sqrt(20) = 20 +/- 13.416
    cl = stats.control_limits([1, 4, 16, 25, 54])
    assert cl["centre"].iloc[0] == 20
    assert cl["lcl"].iloc[0] == pytest.approx(20 - 3 * math.sqrt(20))
    assert cl["ucl"].iloc[0] == pytest.approx(20 + 3 * math.sqrt(20))
    assert list(cl["signal"]) == [True, True, False, False, True]


# ---------------------------------------------------------------------------------------------
# clustered data: children, not placements, as the units


def test_clustered_proportion_variance_by_hand():
    # y = 1, 0 | 1 | 1 in children 0, 1, 2: p = 3/4; child residuals y_c - p n_c:
    # 1 - 1.5 = -0.5, 1 - 0.75 = 0.25, 0.25 -> sum of squares 0.375;
    # variance = G/(G-1) * 0.375 / n^2 = 1.5 * 0.375 / 16 = 0.03515625
    est = stats.clustered_proportions([1, 0, 1, 1], np.array([0, 0, 1, 2]))
    assert (est.k[0], est.n[0], est.clusters[0], est.p[0]) == (3, 4, 3, 0.75)
    assert est.variance[0] == pytest.approx(0.03515625)
    # smaller than the binomial 0.75 * 0.25 / 4: the effective n would exceed 4, so it is 4
    # and the interval is the Wilson interval of 3 of 4
    lo, hi = stats.wilson(3, 4)
    assert (est.ci_low[0], est.ci_high[0]) == pytest.approx((lo[0], hi[0]))
    # two children, each with two placements that agree: p = 1/2, residuals 1 and -1,
    # variance = 2/1 * 2 / 16 = 1/4 = p(1-p) / 1: worth one placement (design effect 4)
    two = stats.clustered_proportions([1, 1, 0, 0], np.array([0, 0, 1, 1]))
    assert two.variance[0] == pytest.approx(0.25) and two.design_effect[0] == pytest.approx(4)
    lo1, hi1 = stats.wilson_effective(0.5, 0.25, 4)
    z2 = 1.959964**2  # Wilson with n = 1: centre 1/2, half z sqrt(1/4 + z^2/4) / (1 + z^2)
    half = 1.959964 * math.sqrt(0.25 + z2 / 4) / (1 + z2)
    assert (two.ci_low[0], two.ci_high[0]) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-5)
    assert (lo1[0], hi1[0]) == pytest.approx((0.5 - half, 0.5 + half), abs=1e-5)


def test_clustered_proportions_in_groups_and_edge_cases():
    y = np.array([1, 0, 0, 1, 1])
    cluster = np.array([0, 1, 2, 3, 4])
    masks = np.array([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 1, 1]], bool)
    est = stats.clustered_proportions(y, cluster, masks)
    assert list(est.n) == [2, 0, 3] and list(est.k) == [1, 0, 2]
    assert np.isnan(est.p[1]) and np.isnan(est.ci_low[1])  # an empty group: unknown
    # one placement per child: the variance is G/(G-1) times the binomial p(1-p)/n
    assert est.variance[2] == pytest.approx(3 / 2 * (2 / 3) * (1 / 3) / 3)
    # 0 of 5: variance 0, so the effective n is 5: the Wilson interval of 0 of 5
    zero = stats.clustered_proportions(np.zeros(5), cluster)
    assert zero.ci_low[0] == pytest.approx(0) and zero.ci_high[0] == pytest.approx(
        stats.wilson(0, 5)[1][0]
    )
    # a single child: its placements as if independent (binomial)
    one = stats.clustered_proportions([1, 0, 0, 0], np.zeros(4, int))
    assert one.variance[0] == pytest.approx(0.25 * 0.75 / 4)
    empty = stats.clustered_proportions(np.zeros(0), np.zeros(0, int))
    assert empty.n[0] == 0 and np.isnan(empty.p[0])


def test_wilson_effective_is_wilson_at_the_binomial_variance():
    lo, hi = stats.wilson_effective(0.25, 0.25 * 0.75 / 20, 20)
    assert lo[0] == pytest.approx(0.11186, abs=1e-4) and hi[0] == pytest.approx(0.46870, abs=1e-4)
    lo, hi = stats.wilson_effective([np.nan, 0.5], [0.1, 0.01], [10, 0])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_newcombe_difference_by_hand():
    # 0.5 (0.3 to 0.7) - 0.2 (0.1 to 0.35) = 0.3;
    # low 0.3 - sqrt(0.2^2 + 0.15^2) = 0.05; high 0.3 + sqrt(0.2^2 + 0.1^2) = 0.52361
    d, lo, hi = stats.newcombe_difference(0.5, 0.3, 0.7, 0.2, 0.1, 0.35)
    assert (float(d), float(lo), float(hi)) == pytest.approx((0.3, 0.05, 0.3 + math.sqrt(0.05)))


def test_cluster_score_test_by_hand_and_duplicates_count_once():
    from scipy.stats import t as student

    # x = 1, 1, 0, 0; y = 1, 0, 0, 0; four children: mean x 1/2, mean y 1/4
    # contributions (x - 1/2)(y - 1/4) = 0.375, -0.125, 0.125, 0.125 -> U = 0.5
    # V = 4/3 * (0.375^2 + 3 * 0.125^2) = 4/3 * 0.1875 = 0.25 -> t = 1 on 3 df
    x = np.array([[1, 1, 0, 0]])
    stat, p = stats.cluster_score_test(x, np.array([1, 0, 0, 0]), np.arange(4))
    assert stat[0] == pytest.approx(1.0) and p[0] == pytest.approx(2 * student.sf(1, 3))
    # every placement twice, for the same child: the same statistic (not a stronger one)
    stat2, _ = stats.cluster_score_test(
        np.repeat(x, 2, axis=1), np.repeat([1, 0, 0, 0], 2), np.repeat(np.arange(4), 2)
    )
    assert stat2[0] == pytest.approx(1.0)
    # no variation in the flag: no test; one child: no test
    assert np.isnan(
        stats.cluster_score_test(np.ones((1, 4)), np.array([1, 0, 0, 0]), np.arange(4))[1][0]
    )
    assert np.isnan(stats.cluster_score_test(x, np.array([1, 0, 0, 0]), np.zeros(4, int))[1][0])


def test_jackknife_variance_and_weights():
    # replicates 1, 2, 3: (G-1)/G * sum (theta - 2)^2 = 2/3 * 2 = 4/3; a NaN replicate is left out
    assert stats.jackknife_variance(np.array([1.0, 2.0, 3.0])) == pytest.approx(4 / 3)
    assert stats.jackknife_variance(np.array([1.0, np.nan, 3.0])) == pytest.approx(1 / 2 * 2)
    w = stats.jackknife_weights(np.array([0, 0, 1, 2]), 3)
    assert w.tolist() == [[0, 0, 1, 1], [1, 1, 0, 1], [1, 1, 1, 0]]
    b = stats.bootstrap_weights(np.array([0, 0, 1]), 2, n_boot=50, seed=1)
    assert b.shape == (50, 3) and (b[:, 0] == b[:, 1]).all() and (b.sum(axis=1) % 1 == 0).all()
    # each sample draws 2 children: the rows of child 0 count twice each draw of it
    assert ((b[:, 0] + b[:, 2]) == 2).all()


def test_t_interval():
    from scipy.stats import t as student

    lo, hi, p = stats.t_interval(0.1, 0.0025, 20)
    q = student.ppf(0.975, 20)
    assert (float(lo), float(hi)) == pytest.approx((0.1 - q * 0.05, 0.1 + q * 0.05))
    assert float(p) == pytest.approx(2 * student.sf(2.0, 20))


# ---------------------------------------------------------------------------------------------
# regression fits


def test_firth_logit_on_a_separated_two_by_two():
    # x = 0 for ten rows, none with the outcome; x = 1 for ten, all with it: the ordinary
    # estimate is infinite. Firth's estimate of a 2 x 2 table adds a half to every cell:
    # intercept log(0.5 / 10.5) = -3.04452, slope log((10.5 / 0.5) / (0.5 / 10.5)) = 2 log 21
    x = np.r_[np.zeros(10), np.ones(10)]
    design = np.column_stack([np.ones(20), x])
    beta, ok = stats.firth_logit(design, x)
    assert ok[0]
    assert beta[0] == pytest.approx([math.log(0.5 / 10.5), 2 * math.log(21)], abs=1e-6)
    # weights: one fit per row; a weight of 0 leaves a row out
    w = np.ones((2, 20))
    w[1, :5] = 0  # 5 of the x = 0 rows out: a half added to cells of 5 and 10
    beta2, ok2 = stats.firth_logit(design, x, w)
    assert ok2.all() and beta2[0] == pytest.approx(beta[0], abs=1e-6)
    assert beta2[1, 0] == pytest.approx(math.log(0.5 / 5.5), abs=1e-6)


def test_firth_logit_is_close_to_the_mle_on_ordinary_data():
    import statsmodels.api as sm

    rng = np.random.default_rng(2)
    x = rng.normal(size=400)
    y = (rng.random(400) < 1 / (1 + np.exp(-(0.2 + 0.7 * x)))).astype(float)
    design = sm.add_constant(x)
    beta, ok = stats.firth_logit(design, y)
    mle = sm.Logit(y, design).fit(disp=0).params
    assert ok[0] and beta[0] == pytest.approx(mle, abs=0.02)
    assert abs(beta[0, 1]) < abs(mle[1])  # the penalty shrinks towards 0


def test_cox_fit_by_hand():
    # times 1 (event, x 1), 2 (event, x 0), 3 (censored, x 1): partial likelihood
    # u / ((2u + 1)(1 + u)), u = e^b; the score is 0 at 2u^2 = 1: b = -ln(2) / 2
    beta, ok, info = stats.cox_fit([1, 2, 3], [True, True, False], np.array([[1.0], [0], [1]]))
    assert ok[0] and beta[0, 0] == pytest.approx(-math.log(2) / 2, abs=1e-7)
    # a tie (Breslow): times 1 (event, x 1), 1 (event, x 0), 2 (censored, x 1): likelihood
    # u / (2u + 1)^2, zero score at 2u + 1 = 4u: b = -ln 2
    beta, ok, _ = stats.cox_fit([1, 1, 2], [True, True, False], np.array([[1.0], [0], [1]]))
    assert beta[0, 0] == pytest.approx(-math.log(2), abs=1e-7)
    # strata: each stratum its own risk sets; the same three rows twice, in two strata, give
    # the same estimate
    t = [1, 2, 3, 1, 2, 3]
    e = [True, True, False] * 2
    x = np.array([[1.0], [0], [1]] * 2)
    beta, _, _ = stats.cox_fit(t, e, x, strata=[0, 0, 0, 1, 1, 1])
    assert beta[0, 0] == pytest.approx(-math.log(2) / 2, abs=1e-7)


@pytest.mark.filterwarnings("ignore:Starting with pandas version 4.0")
def test_cox_fit_matches_lifelines_and_weights_leave_rows_out():
    from lifelines import CoxPHFitter

    rng = np.random.default_rng(1)
    n = 300
    x = rng.normal(size=(n, 2))
    t_event = rng.exponential(100 * np.exp(-0.5 * x[:, 0]))
    t_censor = rng.uniform(10, 300, n)
    time, event = np.minimum(t_event, t_censor), t_event <= t_censor  # no ties
    beta, ok, info = stats.cox_fit(time, event, x)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "T": time, "E": event})
    cph = CoxPHFitter().fit(frame, "T", "E")
    assert ok[0] and beta[0] == pytest.approx(cph.params_.to_numpy(), abs=1e-5)
    se = np.sqrt(np.diag(np.linalg.inv(info[0])))
    assert se == pytest.approx(cph.standard_errors_.to_numpy(), rel=1e-4)
    w = np.ones((1, n))
    w[0, :10] = 0
    dropped, _, _ = stats.cox_fit(time, event, x, weights=w)
    kept, _, _ = stats.cox_fit(time[10:], event[10:], x[10:])
    assert dropped[0] == pytest.approx(kept[0], abs=1e-8)


@pytest.mark.filterwarnings("ignore:Starting with pandas version 4.0")
def test_cox_score_test_counts_a_childs_copies_once():
    rng = np.random.default_rng(3)
    n = 200
    group = rng.integers(0, 3, n)
    time = rng.exponential(100, n)
    event = rng.random(n) < 0.7
    x = np.column_stack([group == 1, group == 2]).astype(float)
    stat, f_stat, p = stats.cox_score_test(time, event, x, np.arange(n))
    from lifelines.statistics import multivariate_logrank_test

    logrank = multivariate_logrank_test(time, group, event)
    # with one row per child the robust statistic is close to the log-rank chi-square
    assert stat == pytest.approx(logrank.test_statistic, rel=0.2)
    assert f_stat == pytest.approx((n - 2) / (2 * (n - 1)) * stat)
    # every row twice for the same child: risk sets double, each child's score residual
    # doubles and so does U: the statistic is unchanged (the log-rank would double)
    stat2, _, _ = stats.cox_score_test(
        np.repeat(time, 2), np.repeat(event, 2), np.repeat(x, 2, axis=0), np.repeat(np.arange(n), 2)
    )
    assert stat2 == pytest.approx(stat, rel=1e-9)
    # no variation: no test
    assert math.isnan(stats.cox_score_test(time, event, np.zeros((n, 1)), np.arange(n))[2])


def test_aalen_johansen_by_hand():
    # times 1 (cause 1), 2 (cause 2: another ending), 3 (censored), 4 (cause 1)
    # t=1: 4 at risk, S = 3/4, CIF = 1/4; t=2: 3 at risk, S = 1/2; t=3: censored;
    # t=4: 1 at risk, CIF = 1/4 + S(4-) * 1/1 = 1/4 + 1/2 = 3/4.
    # (1 - Kaplan-Meier, treating the other ending as censoring, would say 1.)
    timeline, cif = stats.aalen_johansen([1, 2, 3, 4], [1, 2, 0, 1])
    assert timeline.tolist() == [1, 2, 3, 4] and cif[0].tolist() == pytest.approx(
        [0.25, 0.25, 0.25, 0.75]
    )
    at, cif = stats.aalen_johansen([1, 2, 3, 4], [1, 2, 0, 1], at=[0.5, 1, 2.5, 10])
    assert cif[0].tolist() == pytest.approx([0, 0.25, 0.25, 0.75])
    # weights: one curve per row; a row of zeros for a placement leaves it out
    w = np.array([[1, 1, 1, 1], [1, 0, 1, 1]], float)
    _, cif = stats.aalen_johansen([1, 2, 3, 4], [1, 2, 0, 1], w, at=[4])
    # without the other ending: t=1 S = 2/3, CIF 1/3; t=4: 1 at risk: + 2/3 -> 1
    assert cif[:, 0].tolist() == pytest.approx([0.75, 1.0])
    _, none = stats.aalen_johansen([], [], at=[365])
    assert none.shape == (1, 1) and none[0, 0] == 0


def test_aalen_johansen_matches_lifelines():
    from lifelines import AalenJohansenFitter

    rng = np.random.default_rng(1)
    time = rng.exponential(100, 300)
    cause = rng.choice([0, 1, 2], 300, p=[0.3, 0.4, 0.3])
    timeline, cif = stats.aalen_johansen(time, cause)
    ajf = AalenJohansenFitter(calculate_variance=False).fit(time, cause, event_of_interest=1)
    expected = ajf.cumulative_density_.iloc[:, 0]
    assert cif[0, -1] == pytest.approx(expected.iloc[-1])
    at = np.array([50.0, 100.0])
    _, mine = stats.aalen_johansen(time, cause, at=at)
    theirs = [expected[expected.index <= a].iloc[-1] for a in at]
    assert mine[0] == pytest.approx(theirs)


# ---------------------------------------------------------------------------------------------
# counts per month with overdispersion


def test_dispersion_by_hand():
    # 2, 4, 6: mean 4, sum of squares 8, / 4 / 2 = 1; 0, 8, 4: 32 / 4 / 2 = 4
    assert stats.dispersion([2, 4, 6]) == pytest.approx(1.0)
    assert stats.dispersion([0, 8, 4]) == pytest.approx(4.0)
    assert stats.dispersion([4, 4, 4]) == 1.0  # never below Poisson
    assert stats.dispersion([3, 5]) == 1.0 and stats.dispersion([0, 0, 0]) == 1.0


def test_compare_overdispersed_by_hand():
    from scipy.stats import t as student

    # 30 against 20 with dispersion 2: (30 - 20) / sqrt(2 * 50) = 1 on 10 df
    c = stats.compare_overdispersed(30, 20, 2.0, 10)
    assert isinstance(c, stats.OverdispersedComparison)
    assert (c.statistic, c.change, c.change_pct) == pytest.approx((1.0, 10, 50.0))
    assert c.p_value == pytest.approx(2 * student.sf(1.0, 10))
    # against a mean of 20 over 4 months: (30 - 20) / sqrt(2 * 20 * 1.25) = sqrt(2)
    m = stats.compare_overdispersed(30, 20.0, 2.0, 3, "mean", 4)
    assert m.statistic == pytest.approx(math.sqrt(2))
    assert stats.compare_overdispersed(0, 0, 1.0, 5).p_value == 1.0
    with pytest.raises(ValueError):
        stats.compare_overdispersed(1, 2, 1.0, 5, "other")


def test_overdispersed_limits_by_hand():
    from scipy.stats import t as student

    # 20 +/- t(0.975, 10) * sqrt(2 * 20 * 1.25) = 20 +/- 2.2281 * 7.0711
    lo, hi = stats.overdispersed_limits(20, 2.0, 10, 4, 0.05)
    half = student.ppf(0.975, 10) * math.sqrt(50)
    assert (lo, hi) == pytest.approx((20 - half, 20 + half))
    assert stats.overdispersed_limits(1.0, 1.0, 10, 4, 0.05)[0] == 0.0  # floored at 0
