"""Statistical helpers, each written once: rates and percentages, the Wilson interval, the exact
Poisson comparison of two counts, c-chart limits and percentile bootstrap intervals.

Results are numbers and dataclasses; the sentences that describe them are built in
`pipeline.report.words`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


def rate(k, n) -> np.ndarray:
    """k / n element-wise as a proportion (0-1); NaN where n is 0."""
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)


def pct(k, n) -> np.ndarray:
    """100 k / n element-wise (a percentage, 0-100); NaN where n is 0."""
    k = np.asarray(k, dtype="float64")
    n = np.asarray(n, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, 100.0 * k / np.where(n > 0, n, 1), np.nan)


def wilson(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval as proportions, vectorised; NaN where nobs is 0."""
    from statsmodels.stats.proportion import proportion_confint

    count = np.atleast_1d(np.asarray(count, dtype=float))
    nobs = np.atleast_1d(np.asarray(nobs, dtype=float))
    lo = np.full(np.broadcast(count, nobs).shape, np.nan)
    hi = lo.copy()
    ok = np.broadcast_to(nobs > 0, lo.shape)
    if ok.any():
        c = np.broadcast_to(count, lo.shape)[ok]
        n = np.broadcast_to(nobs, lo.shape)[ok]
        lo[ok], hi[ok] = proportion_confint(c, n, alpha=alpha, method="wilson")
    return lo, hi


def wilson_pct(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson interval as percentages (0-100)."""
    lo, hi = wilson(count, nobs, alpha)
    return 100 * lo, 100 * hi


def percentile_interval(values: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    """The central 1 - alpha percentile interval of bootstrap replicates (finite ones only)."""
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(v, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


@dataclass(frozen=True)
class CountComparison:
    """Two event counts compared as Poisson counts (exact conditional test)."""

    current: int
    previous: int
    change: int
    change_pct: float
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool


def compare_counts(
    current: int,
    previous: int,
    *,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    alpha: float = 0.05,
) -> CountComparison:
    """Compare two counts (e.g. this month against last month or last year).

    Given the total n, the current count is Binomial(n, e_c / (e_c + e_p)) under "no change in the
    underlying rate" (exposures default to 1, i.e. equal months; pass e.g. children looked after
    to compare rates). Gives the rate ratio with an exact interval and the two-sided p-value.
    """
    from scipy.stats import binomtest

    c, p = int(current), int(previous)
    if c < 0 or p < 0:
        raise ValueError("counts must be non-negative")
    n = c + p
    share = current_exposure / (current_exposure + previous_exposure)
    if n == 0:
        p_value, lo, hi = 1.0, 0.0, math.inf
    else:
        test = binomtest(c, n, share)
        p_value = float(test.pvalue)
        ci = test.proportion_ci(confidence_level=1 - alpha, method="exact")
        scale = previous_exposure / current_exposure
        lo = ci.low / (1 - ci.low) * scale if ci.low < 1 else math.inf
        hi = ci.high / (1 - ci.high) * scale if ci.high < 1 else math.inf
    ratio = (c / current_exposure) / (p / previous_exposure) if p > 0 else math.nan
    return CountComparison(
        current=c,
        previous=p,
        change=c - p,
        change_pct=100.0 * (c - p) / p if p > 0 else math.nan,
        rate_ratio=ratio,
        ci_low=lo,
        ci_high=hi,
        p_value=p_value,
        significant=p_value < alpha,
    )


def control_limits(series, baseline: int | None = None) -> pd.DataFrame:
    """c-chart limits for a series of counts: centre = mean, limits = mean +/- 3 sqrt(mean).

    `baseline`: use only the first `baseline` points for the centre line (default: all). Returns
    columns value, centre, lcl (floored at 0), ucl, signal (value outside the limits).
    """
    values = pd.Series(series, dtype="float64")
    base = values.iloc[:baseline] if baseline else values
    centre = float(base.mean()) if len(base.dropna()) else math.nan
    spread = 3 * math.sqrt(centre) if centre == centre and centre >= 0 else math.nan
    frame = pd.DataFrame({"value": values})
    frame["centre"] = centre
    frame["lcl"] = max(centre - spread, 0.0) if spread == spread else math.nan
    frame["ucl"] = centre + spread
    frame["signal"] = (values > frame["ucl"]) | (values < frame["lcl"])
    return frame
