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
