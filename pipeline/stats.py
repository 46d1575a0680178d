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


# ---------------------------------------------------------------------------------------------
# clustered data: several rows (placements) per cluster (child)
#
# Every helper below takes `cluster`, integer codes 0..G-1 (one per child), and treats the
# children, not the rows, as the independent units. Weights are (B, n) matrices: one row per
# replicate (the jackknife leaves one child out per row, the bootstrap redraws children), so a
# whole set of refits is one vectorised computation.


def _z(alpha: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(1 - alpha / 2))


def _t(alpha: float, df) -> np.ndarray:
    from scipy.stats import t as student

    return student.ppf(1 - alpha / 2, np.maximum(np.asarray(df, dtype=float), 1))


def cluster_codes(cluster) -> tuple[np.ndarray, int]:
    """Integer codes 0..G-1 for cluster labels, and G."""
    codes, uniques = pd.factorize(pd.Series(cluster).astype("object"), sort=False)
    return codes.astype(np.int64), len(uniques)


def cluster_onehot(cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """The (n, G) 0/1 matrix of row-to-cluster membership."""
    out = np.zeros((len(cluster), n_clusters))
    out[np.arange(len(cluster)), cluster] = 1.0
    return out


def jackknife_weights(cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """(G, n) weights: row g leaves out every row of cluster g."""
    return 1.0 - cluster_onehot(cluster, n_clusters).T


def bootstrap_weights(cluster: np.ndarray, n_clusters: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n) weights of a cluster bootstrap: G clusters drawn with replacement, each drawn
    cluster bringing all its rows (multinomial counts per cluster)."""
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=n_boot)
    return counts[:, cluster].astype(float)


def jackknife_variance(replicates: np.ndarray) -> np.ndarray:
    """Delete-one-cluster jackknife variance, (G-1)/G * sum (theta_g - mean)^2, over axis 0.
    NaN replicates are left out (G counts the finite ones)."""
    r = np.asarray(replicates, dtype=float)
    finite = np.isfinite(r)
    g = finite.sum(axis=0)
    mean = np.where(finite, r, 0).sum(axis=0) / np.maximum(g, 1)
    dev = np.where(finite, r - mean, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(g > 1, (g - 1) / g * (dev**2).sum(axis=0), np.nan)


def wilson_effective(p, variance, n, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson interval for a proportion `p` whose variance allows for clustering.

    The effective sample size is p(1 - p) / variance (the number of independent rows the
    clustered data are worth), never more than the `n` rows; where the variance is 0 (p = 0 or
    1) it is n, so 0 of n gets the Wilson interval of 0 of n. NaN where n is 0 or p unknown."""
    p = np.atleast_1d(np.asarray(p, dtype=float))
    v = np.atleast_1d(np.asarray(variance, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(v > 0, p * (1 - p) / v, n)
        m = np.minimum(m, n)
        z = _z(alpha)
        z2 = z * z
        centre = (p + z2 / (2 * m)) / (1 + z2 / m)
        half = z * np.sqrt(p * (1 - p) / m + z2 / (4 * m * m)) / (1 + z2 / m)
    bad = ~(n > 0) | ~np.isfinite(p) | ~(m > 0)
    lo = np.where(bad, np.nan, np.clip(centre - half, 0, 1))
    hi = np.where(bad, np.nan, np.clip(centre + half, 0, 1))
    return lo, hi


@dataclass(frozen=True)
class ClusteredProportions:
    """Proportions of a binary outcome in groups of rows (placements) clustered in children."""

    k: np.ndarray  # outcomes in the group
    n: np.ndarray  # rows in the group
    clusters: np.ndarray  # distinct clusters in the group
    p: np.ndarray
    variance: np.ndarray  # cluster-robust (ratio-estimator) variance of p
    ci_low: np.ndarray
    ci_high: np.ndarray

    @property
    def design_effect(self) -> np.ndarray:
        """variance / the binomial variance (1 where the binomial variance is 0)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            binomial = self.p * (1 - self.p) / self.n
            return np.where(binomial > 0, self.variance / binomial, 1.0)


def clustered_proportions(
    y, cluster: np.ndarray, masks=None, alpha: float = 0.05
) -> ClusteredProportions:
    """The proportion of `y` (0/1 per row; or (K, n), one outcome per group) in each group
    (`masks`: (K, n) booleans; default one group of every row), with the cluster-robust variance of a ratio estimator,
    G/(G-1) * sum over clusters of (y_c - p n_c)^2 / n^2 (G: clusters in the group), and the
    effective-sample-size Wilson interval (`wilson_effective`)."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    cluster = np.asarray(cluster, dtype=np.int64)
    n_rows = y.shape[1]
    masks = np.ones((1, n_rows), bool) if masks is None else np.atleast_2d(masks).astype(bool)
    n_cl = int(cluster.max()) + 1 if len(cluster) else 0
    onehot = cluster_onehot(cluster, n_cl)
    m = masks.astype(float)
    n = m.sum(axis=1)
    k = (m * y).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
        resid = m * (y - np.nan_to_num(p)[:, None])
        per = resid @ onehot
        g = ((m @ onehot) > 0).sum(axis=1)
        var = np.where(g > 1, g / np.maximum(g - 1, 1) * (per**2).sum(axis=1) / n**2, np.nan)
        var = np.where(n > 0, var, np.nan)
    var = np.where((g == 1) & (n > 0), p * (1 - p) / np.maximum(n, 1), var)  # one child: binomial
    lo, hi = wilson_effective(p, var, n, alpha)
    return ClusteredProportions(k, n, g, p, var, lo, hi)


def newcombe_difference(p1, lo1, hi1, p2, lo2, hi2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p1 - p2 with Newcombe's hybrid score interval built from each proportion's interval."""
    p1, lo1, hi1, p2, lo2, hi2 = (np.asarray(a, dtype=float) for a in (p1, lo1, hi1, p2, lo2, hi2))
    d = p1 - p2
    lo = d - np.sqrt((p1 - lo1) ** 2 + (hi2 - p2) ** 2)
    hi = d + np.sqrt((hi1 - p1) ** 2 + (p2 - lo2) ** 2)
    return d, lo, hi


def cluster_score_test(x, y, cluster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided test of no association between a 0/1 flag `x` ((K, n): one row per flag) and
    a 0/1 outcome `y`, allowing for clustering: the score U = sum (x - mean x)(y - mean y), its
    cluster-robust variance G/(G-1) * sum_c U_c^2, and U / sqrt(V) against Student's t with G-1
    degrees of freedom. Returns (statistic, p-value); NaN where V is 0 (no variation)."""
    from scipy.stats import t as student

    x = np.atleast_2d(np.asarray(x, dtype=float))
    y = np.asarray(y, dtype=float)
    cluster = np.asarray(cluster, dtype=np.int64)
    n_cl = int(cluster.max()) + 1 if len(cluster) else 0
    if n_cl < 2:
        nan = np.full(len(x), np.nan)
        return nan, nan
    contrib = (x - x.mean(axis=1, keepdims=True)) * (y - y.mean())[None, :]
    u = contrib.sum(axis=1)
    per = contrib @ cluster_onehot(cluster, n_cl)
    v = n_cl / (n_cl - 1) * (per**2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = np.where(v > 1e-12, u / np.sqrt(v), np.nan)
    p = np.where(np.isfinite(stat), 2 * student.sf(np.abs(stat), n_cl - 1), np.nan)
    return stat, p


def t_interval(estimate, variance, df, alpha: float = 0.05):
    """estimate +/- t(df) * sqrt(variance), and the two-sided p-value of estimate = 0."""
    from scipy.stats import t as student

    est = np.asarray(estimate, dtype=float)
    se = np.sqrt(np.asarray(variance, dtype=float))
    q = _t(alpha, df)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * student.sf(np.abs(est / se), np.maximum(np.asarray(df, dtype=float), 1))
    return est - q * se, est + q * se, p


# ---------------------------------------------------------------------------------------------
# regression fits, vectorised over weight rows (one fit per row)


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of (B, p, p) a x = (B, p) b, with a tiny ridge against singular columns."""
    p = a.shape[-1]
    return np.linalg.solve(a + 1e-9 * np.eye(p), b[..., None])[..., 0]


CHUNK = 128  # weight rows per pass: bounds memory for large jackknifes


def _chunked(fit, weights: np.ndarray, *args):
    """Run `fit(weights_chunk, *args)` over chunks of weight rows and stack the results."""
    parts = [fit(weights[i : i + CHUNK], *args) for i in range(0, len(weights), CHUNK)]
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(len(parts[0])))


def firth_logit(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, max_iter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Firth's penalised logistic regression (bias-reduced; finite even when the outcome is
    separated), one fit per row of `weights` (B, n) (default one unweighted fit).

    `x` (n, p) holds the intercept column if wanted. Newton steps on the modified score
    X'W(y - p + h(1/2 - p)) (h: the diagonal of the weighted hat matrix), each step at most 2.5
    on any coefficient. Returns (coefficients (B, p), converged (B,))."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones((1, len(y))) if weights is None else np.atleast_2d(np.asarray(weights, float))
    return _chunked(_firth, w, x, y, max_iter)


def _firth(w: np.ndarray, x: np.ndarray, y: np.ndarray, max_iter: int):
    n, p = x.shape
    xx = (x[:, :, None] * x[:, None, :]).reshape(n, p * p)
    beta = np.zeros((len(w), p))
    done = np.zeros(len(w), dtype=bool)
    for _ in range(max_iter):
        prob = 1 / (1 + np.exp(-np.clip(beta @ x.T, -30, 30)))
        wt = w * prob * (1 - prob)
        info = (wt @ xx).reshape(len(w), p, p)
        inv = np.linalg.inv(info + 1e-9 * np.eye(p))
        h = wt * np.einsum("bij,ij->bi", x @ inv, x)
        score = (w * (y - prob) + h * (0.5 - prob)) @ x
        step = np.einsum("bjk,bk->bj", inv, score)
        big = np.abs(step).max(axis=1, keepdims=True)
        step = np.where(big > 2.5, step * 2.5 / np.maximum(big, 1e-12), step)
        step[done] = 0
        beta = beta + step
        done |= np.abs(step).max(axis=1) < 1e-8
        if done.all():
            break
    return beta, done


def _cox_order(time, event, strata):
    """Rows ordered by stratum, then time descending (events before censorings on a tie), and
    the index of the last row of each row's tie group (same stratum and time) in that order."""
    time = np.asarray(time, dtype=float)
    strata = np.zeros(len(time), np.int64) if strata is None else np.asarray(strata, np.int64)
    order = np.lexsort((~np.asarray(event, bool), -time, strata))
    t, s = time[order], strata[order]
    new_group = np.r_[True, (t[1:] != t[:-1]) | (s[1:] != s[:-1])]
    group = np.cumsum(new_group) - 1
    last = np.r_[np.flatnonzero(new_group)[1:] - 1, len(t) - 1][group]
    stratum_start = np.r_[True, s[1:] != s[:-1]]
    first_of_stratum = np.maximum.accumulate(np.where(stratum_start, np.arange(len(t)), 0))
    return order, last, first_of_stratum


def _riskset(values: np.ndarray, last: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Sums over each row's risk set (same stratum, time >= its time) of (B, n, ...) `values`
    in _cox_order order."""
    c = np.cumsum(values, axis=1)
    before = np.concatenate([np.zeros_like(c[:, :1]), c[:, :-1]], axis=1)
    return c[:, last] - before[:, first]


def cox_fit(
    time,
    event,
    x: np.ndarray,
    strata=None,
    weights: np.ndarray | None = None,
    max_iter: int = 50,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cox proportional hazards (Breslow ties, optional strata with their own baseline), one fit
    per row of `weights` (B, n). Newton steps of at most 2 per coefficient.

    Returns (coefficients (B, p), converged (B,), information matrices (B, p, p))."""
    x = np.atleast_2d(np.asarray(x, dtype=float).T).T
    ev = np.asarray(event, dtype=bool)
    order, last, first = _cox_order(time, ev, strata)
    w = np.ones((1, len(ev))) if weights is None else np.atleast_2d(np.asarray(weights, float))
    return _chunked(_cox, w[:, order], x[order], ev[order].astype(float), last, first, max_iter)


def _cox(w, xs, es, last, first, max_iter):
    n, p = xs.shape
    xx = (xs[:, :, None] * xs[:, None, :]).reshape(n, p * p)
    beta = np.zeros((len(w), p))
    done = np.zeros(len(w), dtype=bool)
    info = np.zeros((len(w), p, p))
    de = w * es
    for _ in range(max_iter):
        risk = w * np.exp(np.clip(beta @ xs.T, -50, 50))
        s0 = _riskset(risk, last, first)
        s1 = _riskset(risk[:, :, None] * xs[None], last, first)
        s2 = _riskset(risk[:, :, None] * xx[None], last, first)
        with np.errstate(invalid="ignore", divide="ignore"):
            xbar = np.where(s0[..., None] > 0, s1 / s0[..., None], 0.0)
            second = np.where(s0[..., None] > 0, s2 / s0[..., None], 0.0)
        score = np.einsum("bi,bij->bj", de, xs[None] - xbar)
        outer = (xbar[:, :, :, None] * xbar[:, :, None, :]).reshape(len(w), n, p * p)
        info = np.einsum("bi,bij->bj", de, second - outer).reshape(len(w), p, p)
        step = _solve(info, score)
        big = np.abs(step).max(axis=1, keepdims=True)
        step = np.where(big > 2, step * 2 / np.maximum(big, 1e-12), step)
        step[done] = 0
        beta = beta + step
        done |= np.abs(step).max(axis=1) < 1e-9
        if done.all():
            break
    return beta, done, info


def cox_score_test(time, event, x: np.ndarray, cluster: np.ndarray, strata=None):
    """Cluster-robust log-rank (score) test that every coefficient of `x` (n, k) is 0.

    The Cox score at 0 and its cluster-robust variance from the score residuals (Lin and Wei),
    G/(G-1) * sum_c L_c L_c'; T = U' V^-1 U, referred as (G - k) / (k (G - 1)) T to F(k, G - k)
    for small numbers of children. Returns (T, F, p-value); NaN without variation."""
    from scipy.stats import f as fisher

    x = np.atleast_2d(np.asarray(x, dtype=float).T).T
    ev = np.asarray(event, dtype=bool)
    cluster = np.asarray(cluster, dtype=np.int64)
    order, last, first = _cox_order(time, ev, strata)
    xs, es = x[order], ev[order].astype(float)
    ones = np.ones((1, len(ev)))
    s0 = _riskset(ones, last, first)[0]
    s1 = _riskset(xs[None], last, first)[0]
    xbar = s1 / s0[:, None]
    # increments at each event row (tie groups share xbar and s0): dN / n at risk
    inc = es / s0
    # cumulative over times <= own time within the stratum, walking up in time (reverse order)
    a_cum = _cum_up(inc, last, first)
    b_cum = _cum_up(inc[:, None] * xbar, last, first)
    resid = es[:, None] * (xs - xbar) - (xs * a_cum[:, None] - b_cum)
    n_cl = int(cluster.max()) + 1 if len(cluster) else 0
    k = x.shape[1]
    nan = (math.nan, math.nan, math.nan)
    if n_cl <= k:
        return nan
    u = resid.sum(axis=0)
    per = cluster_onehot(cluster[order], n_cl).T @ resid
    v = n_cl / (n_cl - 1) * per.T @ per
    try:
        stat = float(u @ np.linalg.solve(v, u))
    except np.linalg.LinAlgError:
        return nan
    if not np.isfinite(stat) or np.linalg.matrix_rank(v) < k:
        return nan
    f_stat = (n_cl - k) / (k * (n_cl - 1)) * stat
    return stat, f_stat, float(fisher.sf(f_stat, k, n_cl - k))


def _cum_up(values: np.ndarray, last: np.ndarray, first: np.ndarray) -> np.ndarray:
    """For rows in _cox_order order (stratum, time descending): the sum of `values` over the
    rows of the same stratum with time <= the row's time (its own tie group included), i.e.
    from the start of its tie group to the end of its stratum."""
    n = len(values)
    suffix = np.concatenate([np.cumsum(values[::-1], axis=0)[::-1], np.zeros_like(values[:1])])
    return suffix[_group_start(last)] - suffix[_stratum_end(first, n)]


def _stratum_end(first: np.ndarray, n: int) -> np.ndarray:
    """Per position: one past the last row of its stratum."""
    starts = np.unique(first)
    ends = np.r_[starts[1:], n]
    return ends[np.searchsorted(starts, first)]


def _group_start(last: np.ndarray) -> np.ndarray:
    """Per position: the first row of its tie group (groups are contiguous; `last` is the end)."""
    n = len(last)
    is_start = np.r_[True, last[1:] != last[:-1]]
    return np.maximum.accumulate(np.where(is_start, np.arange(n), 0))


def aalen_johansen(time, cause, weights: np.ndarray | None = None, at=None):
    """Cumulative incidence of cause 1 with competing causes (2, 3, ...) and censoring (0): the
    Aalen-Johansen estimator, sum over t <= T of S(t-) d1(t) / n(t), S the all-cause survival.
    Rows censored at t are at risk at t. One estimate per row of `weights` (B, n).

    Returns (timeline, cif (B, T)) at the distinct times, or at the times `at` when given (the
    step function's value: the last jump at or before each)."""
    time = np.asarray(time, dtype=float)
    cause = np.asarray(cause, dtype=np.int64)
    w = np.ones((1, len(time))) if weights is None else np.atleast_2d(np.asarray(weights, float))
    if len(time) == 0:
        grid = np.zeros(0) if at is None else np.asarray(at, dtype=float)
        return grid, np.zeros((len(w), len(grid)))
    uniq, idx = np.unique(time, return_inverse=True)
    n_t = len(uniq)
    onehot = np.zeros((len(time), n_t))
    onehot[np.arange(len(time)), idx] = 1.0
    total = w @ onehot
    d1 = (w * (cause == 1)) @ onehot
    d_all = (w * (cause > 0)) @ onehot
    at_risk = np.cumsum(total[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard_all = np.where(at_risk > 0, d_all / at_risk, 0.0)
        hazard_1 = np.where(at_risk > 0, d1 / at_risk, 0.0)
    surv = np.cumprod(1 - hazard_all, axis=1)
    before = np.concatenate([np.ones((len(w), 1)), surv[:, :-1]], axis=1)
    cif = np.cumsum(before * hazard_1, axis=1)
    if at is None:
        return uniq, cif
    at = np.asarray(at, dtype=float)
    pos = np.searchsorted(uniq, at, side="right") - 1
    padded = np.concatenate([np.zeros((len(w), 1)), cif], axis=1)
    return at, padded[:, pos + 1]


# ---------------------------------------------------------------------------------------------
# counts per month with overdispersion


def dispersion(counts) -> float:
    """Quasi-Poisson dispersion of a series of counts, sum (x - mean)^2 / mean / (n - 1), floored
    at 1 (no less variable than Poisson); 1 with fewer than 3 counts or a zero mean."""
    x = np.asarray(counts, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 3 or x.mean() <= 0:
        return 1.0
    return max(1.0, float(((x - x.mean()) ** 2).sum() / x.mean() / (len(x) - 1)))


@dataclass(frozen=True)
class OverdispersedComparison:
    """One count against another (`kind` 'count') or against the mean of earlier months
    ('mean'), allowing for a dispersion estimated from the series: a t statistic with `df`
    degrees of freedom and its two-sided p-value."""

    kind: str
    current: int
    previous: float
    change: float
    change_pct: float
    dispersion: float
    df: int
    statistic: float
    p_value: float


def compare_overdispersed(
    current: int, previous: float, phi: float, df: int, kind: str = "count", n_baseline: int = 1
) -> OverdispersedComparison:
    """Quasi-Poisson comparison. kind 'count': two monthly counts with equal means under no
    change, (x1 - x0) / sqrt(phi (x1 + x0)); kind 'mean': a month against the mean m of
    `n_baseline` earlier months, (x - m) / sqrt(phi m (1 + 1/n_baseline)). Both against
    Student's t with `df` degrees of freedom (the dispersion's)."""
    from scipy.stats import t as student

    c, p = float(current), float(previous)
    if kind == "count":
        var = phi * (c + p)
    elif kind == "mean":
        var = phi * p * (1 + 1 / max(n_baseline, 1))
    else:
        raise ValueError(f"unknown comparison kind {kind!r}")
    stat = (c - p) / math.sqrt(var) if var > 0 else (0.0 if c == p else math.inf)
    pval = float(2 * student.sf(abs(stat), max(df, 1))) if math.isfinite(stat) else 0.0
    return OverdispersedComparison(
        kind=kind,
        current=int(current),
        previous=p,
        change=c - p,
        change_pct=100.0 * (c - p) / p if p > 0 else math.nan,
        dispersion=float(phi),
        df=int(df),
        statistic=float(stat),
        p_value=pval,
    )


def overdispersed_limits(mean: float, phi: float, df: int, n_baseline: int, alpha: float):
    """The range a new month falls outside with probability `alpha` when nothing has changed:
    mean +/- t(df) sqrt(phi mean (1 + 1/n_baseline)), floored at 0 (a Laney-style chart)."""
    half = float(_t(alpha, df)) * math.sqrt(max(phi * mean * (1 + 1 / max(n_baseline, 1)), 0))
    return max(mean - half, 0.0), mean + half
