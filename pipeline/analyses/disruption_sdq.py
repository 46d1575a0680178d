"""Placement disruption against SDQ scores (SPEC 6): the analysis frame and its statistics.

Pure functions: a placements frame (`pipeline.model.care` contract), the dated SDQ history
(`pipeline.model.sdq`), a reference date R and `Settings` in; frames and dataclasses out. No file
I/O, no words (`pipeline.report.words` describes the results), nothing from the generator.

Unit of analysis: placements starting in the analysis window, the `settings.sdq_window_months`
months to R, i.e. (R - window, R]; the child aged 4-17 at the start; with an SDQ score dated in
the 12 months before the start, i.e. (start - 12 months, start]. The latest such score is used.

Outcomes:

- ``disrupted_12m``: True when the placement ended by R in a disruption within 365 days of its
  start; False when it did not; NA when the 12 months after the start are not all observed by R
  (start + 365 days > R). Placements starting in the last 12 months before R are excluded from
  the binary outcome whether or not they have disrupted yet: counting their early disruptions
  while leaving out their undisrupted stays would inflate the rates. They still count in the
  survival analysis.
- ``time_days`` / ``event`` (survival): days from start to a disruption (event True), or to the
  censoring point: the placement's non-disruption end, or R for placements open at R. Endings
  after R are treated as unknown (open at R), so the frame depends only on what was knowable at R.

Children, not placements, are the independent units: a child can contribute several placements,
and every interval and test allows for it. Rates: a Wilson interval on the effective sample size
(the cluster-robust variance of the rate; `pipeline.stats.clustered_proportions`); differences of
rates: Newcombe's interval from those, with a cluster-robust score test. AUC and the near-optimal
cut-offs: percentile intervals over bootstrap samples of children (multinomial weights over
child-level score-by-outcome counts). Logistic (Firth-penalised) and Cox models, and the
cumulative incidence: jackknife over children (each left out in turn) with Student's t on
children - 1 degrees of freedom. The band comparison: a log-rank test with a cluster-robust
variance and an F reference. `make validate-stats` measures on synthetic LAs with and without an
SDQ effect that each statement keeps its nominal error rate (docs/statistics.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Settings
from pipeline.model import sdq, vocab
from pipeline.stats import (
    aalen_johansen,
    cluster_codes,
    cluster_score_test,
    clustered_proportions,
    cox_fit,
    cox_score_test,
    firth_logit,
    jackknife_variance,
    jackknife_weights,
    newcombe_difference,
    percentile_interval,
    rate,
    t_interval,
    wilson_effective,
)

FOLLOW_UP_DAYS = 365
MIN_N = 10  # fewer placements with a known outcome than this: no statistics
MIN_EVENTS = 2  # for the regression models: at least this many of each outcome
MIN_GROUP_N = 15  # placement types with fewer placements are pooled for adjustment
POOLED_GROUP = "other types (pooled)"
THRESHOLDS = tuple(range(10, 26))  # the candidate cut-offs (SPEC 6)
ALTERNATIVES = (14, 17)  # the cut-offs the targeting threshold is set beside
ALPHA = 0.05
N_BOOT = 1000

FRAME_COLUMNS = [
    "CHILD",
    "placement_id",
    "place",
    "start",
    "end",
    "end_category",
    "place_group",
    "age_at_start",
    "sdq_date",
    "sdq_score",
    "sdq_band",
    "follow_up_days",
    "disrupted_12m",
    "time_days",
    "event",
]


# ---------------------------------------------------------------------------------- the frame


def analysis_frame(
    placements: pd.DataFrame,
    scores: pd.DataFrame,
    ref_date,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per placement in the analysis unit (see the module docstring), with its outcomes.

    `scores` is the dated SDQ history (CHILD, SDQ_DATE, SDQ_SCORE; `pipeline.model.sdq`)."""
    settings = settings or Settings()
    r = pd.Timestamp(ref_date).normalize()
    window_start = r - pd.DateOffset(months=settings.sdq_window_months)
    low, high = vocab.SDQ_ANALYSIS_AGES
    p = placements
    keep = (p["start"] > window_start) & (p["start"] <= r) & p["age_at_start"].between(low, high)
    p = p.loc[keep.fillna(False).to_numpy()]
    when, score = sdq.score_before(p["CHILD"], p["start"], scores)
    scored = ~np.isnan(score)
    p = p.loc[scored].assign(sdq_date=when[scored], sdq_score=score[scored])
    if p.empty:
        return _empty_frame()

    # what was knowable at R: an end after R is an open placement at R
    ended = p["end"].notna() & (p["end"] <= r)
    end_at_r = p["end"].where(ended)
    category = p["end_category"].astype("string").where(ended, "open")
    disruption = ended & (category == "disruption")
    time_days = (end_at_r.fillna(r) - p["start"]).dt.days
    follow_up = (r - p["start"]).dt.days
    within = disruption & (time_days <= FOLLOW_UP_DAYS)
    outcome = pd.Series(within.to_numpy(), index=p.index, dtype="boolean")
    outcome = outcome.mask(follow_up < FOLLOW_UP_DAYS)
    out = pd.DataFrame(
        {
            "CHILD": p["CHILD"].astype("string"),
            "placement_id": p["placement_id"],
            "place": p["place"].astype("string"),
            "start": p["start"],
            "end": end_at_r,
            "end_category": category,
            "place_group": p["place_group"].astype("string"),
            "age_at_start": p["age_at_start"].astype("int64"),
            "sdq_date": p["sdq_date"],
            "sdq_score": p["sdq_score"].astype("int64"),
            "sdq_band": vocab.sdq_band(p["sdq_score"]),
            "follow_up_days": follow_up.astype("int64"),
            "disrupted_12m": outcome,
            "time_days": time_days.astype("int64"),
            "event": disruption.astype(bool),
        }
    )
    return out.sort_values(["start", "CHILD"], kind="stable").reset_index(drop=True)


def _empty_frame() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in FRAME_COLUMNS})
    frame["disrupted_12m"] = frame["disrupted_12m"].astype("boolean")
    frame["sdq_band"] = vocab.sdq_band(frame["sdq_score"])
    return frame


# ---------------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class _Binary:
    """Rows with a known 12-month outcome, as arrays: y, score, cluster codes (children)."""

    y: np.ndarray
    score: np.ndarray
    cluster: np.ndarray
    n_clusters: int
    rows: np.ndarray  # positions in the frame

    def __len__(self) -> int:
        return len(self.y)

    @property
    def events(self) -> int:
        return int(self.y.sum())


def _binary(frame: pd.DataFrame) -> _Binary:
    if len(frame) == 0:
        return _Binary(np.zeros(0, bool), np.zeros(0), np.zeros(0, np.int64), 0, np.zeros(0, int))
    y = frame["disrupted_12m"].astype("boolean")
    score = pd.to_numeric(frame["sdq_score"], errors="coerce")
    rows = np.flatnonzero((y.notna() & score.notna()).to_numpy(dtype=bool))
    f = frame.iloc[rows]
    cluster, n_clusters = cluster_codes(f["CHILD"].astype("string").to_numpy())
    return _Binary(
        y=f["disrupted_12m"].astype(bool).to_numpy(),
        score=pd.to_numeric(f["sdq_score"]).astype(float).to_numpy(),
        cluster=cluster,
        n_clusters=n_clusters,
        rows=rows,
    )


def enough(n: int, events: int, minimum_each: int = 1) -> bool:
    """Whether `n` placements with `events` disruptions can support the statistics."""
    return n >= MIN_N and events >= minimum_each and n - events >= minimum_each


def _interval(lo, hi) -> tuple[float, float]:
    return float(np.ravel(lo)[0]), float(np.ravel(hi)[0])


# ---------------------------------------------------------------------------------- rates


def band_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Disruption within 12 months by SDQ band (+ an "all" row): placements (n), children,
    disrupted, rate, and a 95% interval that allows for children with several placements
    (`pipeline.stats.clustered_proportions`)."""
    b = _binary(frame)
    band = vocab.sdq_band(b.score).to_numpy()
    names = (*vocab.SDQ_BANDS, "all")
    masks = np.array([np.ones(len(b), bool) if n == "all" else band == n for n in names])
    est = clustered_proportions(b.y, b.cluster, masks.reshape(len(names), len(b)))
    return pd.DataFrame(
        {
            "band": list(names),
            "label": [vocab.SDQ_BAND_LABELS.get(n, "all scores") for n in names],
            "n": est.n.astype(int),
            "children": est.clusters.astype(int),
            "disrupted": est.k.astype(int),
            "rate": est.p,
            "ci_low": est.ci_low,
            "ci_high": est.ci_high,
        }
    )


def threshold_table(frame: pd.DataFrame, thresholds=THRESHOLDS) -> pd.DataFrame:
    """Per threshold t, the rule "score at or above t" (flagged) against the rest.

    Columns: threshold; n_at (placements scoring exactly t); n_above, disrupted_above,
    rate_above and its 95% interval (ci_above_low/high); the same for the placements below;
    difference (rate above - rate below) with Newcombe's interval built from the two;
    p_value, two-sided, of no difference (`pipeline.stats.cluster_score_test`); sensitivity
    (share of disruptions flagged) with its interval; specificity; flagged_per_caught
    (placements flagged per disruption caught); youden_j. Every interval allows for children
    with several placements."""
    b = _binary(frame)
    t = np.asarray(list(thresholds), dtype=float)
    above = b.score[None, :] >= t[:, None]
    y = b.y
    flagged = clustered_proportions(y, b.cluster, above)
    rest = clustered_proportions(y, b.cluster, ~above)
    diff, d_lo, d_hi = newcombe_difference(
        flagged.p, flagged.ci_low, flagged.ci_high, rest.p, rest.ci_low, rest.ci_high
    )
    _, p_value = cluster_score_test(above, y, b.cluster)
    among_disrupted = np.broadcast_to(y[None, :], above.shape)
    sens = clustered_proportions(above.astype(float), b.cluster, among_disrupted)
    non_events = np.full(len(t), float((~y).sum()))
    out = pd.DataFrame(
        {
            "threshold": t.astype(int),
            "n_at": (b.score[None, :] == t[:, None]).sum(axis=1),
            "n_above": flagged.n.astype(int),
            "disrupted_above": flagged.k.astype(int),
            "rate_above": flagged.p,
            "ci_above_low": flagged.ci_low,
            "ci_above_high": flagged.ci_high,
            "n_below": rest.n.astype(int),
            "disrupted_below": rest.k.astype(int),
            "rate_below": rest.p,
            "ci_below_low": rest.ci_low,
            "ci_below_high": rest.ci_high,
            "difference": diff,
            "diff_ci_low": d_lo,
            "diff_ci_high": d_hi,
            "p_value": p_value,
            "sensitivity": sens.p,
            "sens_ci_low": sens.ci_low,
            "sens_ci_high": sens.ci_high,
            "specificity": rate((~above & ~y[None, :]).sum(axis=1), non_events),
        }
    )
    per_caught = rate(out["n_above"], out["disrupted_above"])
    out["flagged_per_caught"] = np.where(out["disrupted_above"] > 0, per_caught, np.nan)
    out["youden_j"] = out["sensitivity"] + out["specificity"] - 1
    return out


# ---------------------------------------------------------------------------------- the cut-off


@dataclass(frozen=True)
class CutOff:
    """What the rule "score at or above `threshold`" does to the placements analysed: how many
    it flags and how many of those disrupted, how many disruptions it misses, the disruption
    rate of flagged and other placements with 95% intervals (children, not placements, are
    the independent units), their difference, its two-sided p-value, sensitivity (share of
    disruptions caught, with interval), specificity and placements flagged per disruption
    caught."""

    threshold: int
    flagged: int
    flagged_disrupted: int
    not_flagged: int
    missed: int
    rate_flagged: float
    rate_flagged_ci: tuple[float, float]
    rate_not_flagged: float
    rate_not_flagged_ci: tuple[float, float]
    difference: float
    difference_ci: tuple[float, float]
    p_value: float
    sensitivity: float
    sensitivity_ci: tuple[float, float]
    specificity: float
    flagged_per_caught: float


def _cut(row) -> CutOff:
    return CutOff(
        threshold=int(row.threshold),
        flagged=int(row.n_above),
        flagged_disrupted=int(row.disrupted_above),
        not_flagged=int(row.n_below),
        missed=int(row.disrupted_below),
        rate_flagged=float(row.rate_above),
        rate_flagged_ci=(float(row.ci_above_low), float(row.ci_above_high)),
        rate_not_flagged=float(row.rate_below),
        rate_not_flagged_ci=(float(row.ci_below_low), float(row.ci_below_high)),
        difference=float(row.difference),
        difference_ci=(float(row.diff_ci_low), float(row.diff_ci_high)),
        p_value=float(row.p_value),
        sensitivity=float(row.sensitivity),
        sensitivity_ci=(float(row.sens_ci_low), float(row.sens_ci_high)),
        specificity=float(row.specificity),
        flagged_per_caught=float(row.flagged_per_caught),
    )


@dataclass(frozen=True)
class TargetingVerdict:
    """The verdict on the configured targeting threshold: do placements it flags disrupt more
    (or less) often than the others? `significant` is the two-sided test at `alpha` (None when
    too few placements, or when the cut-off flags none or all of them); `direction` is 'more'
    or 'less' when significant. `alternatives` are the cut-offs it is set beside (what each
    catches and misses; not tested, so the page makes one test here)."""

    threshold: int
    n: int
    disrupted: int
    children: int
    enough: bool
    cut: CutOff | None = None
    alternatives: tuple[CutOff, ...] = ()
    alpha: float = ALPHA
    significant: bool | None = None
    direction: str | None = None


def targeting_verdict(
    frame: pd.DataFrame, threshold: int = 18, alternatives: tuple[int, ...] = ALTERNATIVES
) -> TargetingVerdict:
    """The configured cut-off against the rest (one test, both directions), and what it and
    the `alternatives` catch and miss."""
    b = _binary(frame)
    base = dict(threshold=threshold, n=len(b), disrupted=b.events, children=b.n_clusters)
    if not enough(len(b), b.events):
        return TargetingVerdict(**base, enough=False)
    others = tuple(a for a in alternatives if a != threshold)
    table = threshold_table(frame, (threshold, *others))
    cuts = [_cut(r) for r in table.itertuples(index=False)]
    cut = cuts[0]
    testable = 0 < cut.flagged < len(b) and np.isfinite(cut.p_value)
    significant = bool(cut.p_value < ALPHA) if testable else None
    direction = None
    if significant:
        direction = "more" if cut.rate_flagged > cut.rate_not_flagged else "less"
    return TargetingVerdict(
        **base,
        enough=True,
        cut=cut,
        alternatives=tuple(cuts[1:]),
        significant=significant,
        direction=direction,
    )


# ---------------------------------------------------------------------------------- ROC and AUC


def bands_publishable(pos, neg, total_pos: int, total_neg: int, minimum: int) -> bool:
    """Whether cut-offs may be shown side by side (SPEC 7, groups merged): `pos`/`neg` are the
    placements that broke down / did not at or above each cut-off, highest cut-off first. Above
    the highest, between neighbours and below the lowest, each count is none or at least
    `minimum`, so no small count follows from the counts or rates at neighbouring cut-offs."""
    edges_pos = np.diff(np.concatenate([[0], np.asarray(pos, float), [total_pos]]))
    edges_neg = np.diff(np.concatenate([[0], np.asarray(neg, float), [total_neg]]))
    bands = np.concatenate([edges_pos, edges_neg])
    return bool(np.all((bands == 0) | (bands >= minimum)))


def publishable_cutoffs(
    frame: pd.DataFrame, minimum: int, thresholds=THRESHOLDS, keep: tuple[int, ...] = ()
) -> tuple[int, ...]:
    """The cut-offs a stakeholder page may show side by side (`bands_publishable`), chosen from
    the highest down, skipping one that flags the same placements as the cut-off above it
    unless it is in `keep`. With no minimum (suppression off) every cut-off."""
    t = sorted(int(x) for x in thresholds)
    if minimum <= 1:
        return tuple(t)
    b = _binary(frame)
    total_pos, total_neg = int(b.y.sum()), int((~b.y).sum())
    at = {x: (int((b.y & (b.score >= x)).sum()), int((~b.y & (b.score >= x)).sum())) for x in t}
    chosen: list[int] = []
    for x in reversed(t):
        trial = [*chosen, x]
        if chosen and x not in keep and at[x] == at[chosen[-1]]:
            continue
        if bands_publishable(
            [at[c][0] for c in trial], [at[c][1] for c in trial], total_pos, total_neg, minimum
        ):
            chosen = trial
    return tuple(sorted(chosen))


def cutoffs_to_show(frame: pd.DataFrame, settings: Settings) -> tuple[int, ...]:
    """The cut-offs the stakeholder page shows: `publishable_cutoffs` at the LA's suppression
    threshold, keeping the configured cut-off and its alternatives where the counts allow."""
    minimum = settings.suppression_threshold if settings.suppression_enabled else 0
    return publishable_cutoffs(frame, minimum, keep=(settings.sdq_threshold, *ALTERNATIVES))


ROC_COLUMNS = ["threshold", "fpr", "tpr", "sensitivity", "specificity", "youden_j"]


def roc(frame: pd.DataFrame, cutoffs=None) -> pd.DataFrame:
    """ROC points for the rule "score >= threshold", from no one flagged to everyone flagged;
    with `cutoffs`, only at those (e.g. `publishable_cutoffs`)."""
    b = _binary(frame)
    if b.events == 0 or b.events == len(b):
        return pd.DataFrame(columns=ROC_COLUMNS, dtype=float)
    if cutoffs is not None:
        t = np.asarray(sorted(cutoffs, reverse=True), dtype=float)
        flagged = b.score[None, :] >= t[:, None]  # one row per cut-off
        tp = np.concatenate([[0], (flagged & b.y).sum(axis=1), [b.events]])
        fp = np.concatenate([[0], (flagged & ~b.y).sum(axis=1), [len(b) - b.events]])
        thr = np.concatenate([[np.inf], t, [-np.inf]])
    else:
        uniq, pos, neg = _score_counts(b)
        thr = np.concatenate([[np.inf], uniq[::-1]])
        tp = np.concatenate([[0], np.cumsum(pos[::-1])])
        fp = np.concatenate([[0], np.cumsum(neg[::-1])])
    tpr, fpr = tp / b.events, fp / (len(b) - b.events)
    return pd.DataFrame(
        {
            "threshold": thr,
            "fpr": fpr,
            "tpr": tpr,
            "sensitivity": tpr,
            "specificity": 1 - fpr,
            "youden_j": tpr - fpr,
        }
    )


def auc(frame: pd.DataFrame) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count half); NaN with a single class."""
    b = _binary(frame)
    if b.events == 0 or b.events == len(b):
        return float("nan")
    _, pos, neg = _score_counts(b)
    return float(_auc_from_counts(pos[None, :], neg[None, :])[0])


def _score_counts(b: _Binary) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    uniq, idx = np.unique(b.score, return_inverse=True)
    pos = np.bincount(idx[b.y], minlength=len(uniq)).astype(float)
    neg = np.bincount(idx[~b.y], minlength=len(uniq)).astype(float)
    return uniq, pos, neg


def _auc_from_counts(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC per row of (B, K) count matrices over ascending score categories."""
    p = pos.sum(axis=1)
    n = neg.sum(axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        val = (pos * (below + 0.5 * neg)).sum(axis=1) / (p * n)
    return np.where((p > 0) & (n > 0), val, np.nan)


def _j_at(uniq: np.ndarray, pos: np.ndarray, neg: np.ndarray, thresholds) -> np.ndarray:
    """Youden's J of "score >= t" for each candidate t, per row of (B, K) counts: (B, T)."""
    t = np.asarray(list(thresholds), dtype=float)
    above = (uniq[None, :] >= t[:, None]).astype(float)  # (T, K)
    p = pos.sum(axis=1, keepdims=True)
    n = neg.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        j = (pos @ above.T) / p - (neg @ above.T) / n
    return np.where((p > 0) & (n > 0), j, np.nan)


def _bootstrap_counts(b: _Binary, n_boot: int, seed: int, chunk: int = 250):
    """Child-level bootstrap of the score-by-outcome counts, vectorised.

    Yields (scores, pos, neg) with (chunk, K) count matrices; each bootstrap sample draws as many
    children as there are, with replacement (multinomial weights), and takes all their placements.
    """
    uniq, idx = np.unique(b.score, return_inverse=True)
    k = len(uniq)
    n_cl = b.n_clusters
    cell = b.cluster * (2 * k) + b.y.astype(np.int64) * k + idx
    per_child = np.bincount(cell, minlength=n_cl * 2 * k).reshape(n_cl, 2 * k).astype(float)
    rng = np.random.default_rng(seed)
    probs = np.full(n_cl, 1.0 / n_cl)
    done = 0
    while done < n_boot:
        m = min(chunk, n_boot - done)
        counts = rng.multinomial(n_cl, probs, size=m).astype(float) @ per_child
        yield uniq, counts[:, k:], counts[:, :k]
        done += m


def bootstrap(
    frame: pd.DataFrame, n_boot: int = N_BOOT, seed: int = 0, thresholds=THRESHOLDS
) -> dict[str, np.ndarray]:
    """Child-level bootstrap replicates of the AUC and of the Youden-optimal candidate
    threshold (the lowest of the `thresholds` with the highest J; NaN when a replicate has a
    single class)."""
    b = _binary(frame)
    t = np.asarray(list(thresholds), dtype=float)
    if len(b) == 0:
        return {"auc": np.array([]), "optimal": np.array([])}
    aucs, opts = [], []
    for uniq, pos, neg in _bootstrap_counts(b, n_boot, seed):
        aucs.append(_auc_from_counts(pos, neg))
        j = _j_at(uniq, pos, neg, t)
        valid = np.isfinite(j).all(axis=1)
        opts.append(np.where(valid, t[np.argmax(np.where(valid[:, None], j, 0), axis=1)], np.nan))
    return {"auc": np.concatenate(aucs), "optimal": np.concatenate(opts)}


def _num(x):
    """A whole-number float as an int (for thresholds); NaN as None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


@dataclass(frozen=True)
class NearOptimal:
    """Whether the SDQ score separates placements that disrupted from those that did not, and
    if it does, the range of near-optimal cut-offs.

    `separates`: the AUC's 95% interval lies above 0.5 (higher scores, more disruption); False
    when it includes 0.5; None with too few placements. `reversed`: the interval lies below
    0.5 (higher scores went with less disruption; no cut-off is named). Only when `separates`
    are `low` and `high` set: the 95% range of the Youden-optimal threshold over child-level
    bootstrap samples (the cut-offs that best balance sensitivity and specificity, allowing for
    chance). `optimum` (the single best threshold in these data) is kept for audit; it varies
    a lot from sample to sample and is not for naming."""

    n: int
    disrupted: int
    enough: bool
    auc: float = math.nan
    auc_ci: tuple[float, float] = (math.nan, math.nan)
    separates: bool | None = None
    reversed: bool = False
    low: int | None = None
    high: int | None = None
    optimum: int | None = None
    youden_j: float = math.nan

    @property
    def named(self) -> bool:
        return bool(self.separates) and self.low is not None


def near_optimal(
    frame: pd.DataFrame, n_boot: int = N_BOOT, seed: int = 0, thresholds=THRESHOLDS
) -> NearOptimal:
    """The AUC with its child-level bootstrap interval, and the near-optimal cut-off range
    when (and only when) that interval excludes 0.5 on the side of more disruption."""
    b = _binary(frame)
    if not enough(len(b), b.events):
        return NearOptimal(len(b), b.events, False)
    boots = bootstrap(frame, n_boot, seed, thresholds)
    value = auc(frame)
    lo, hi = percentile_interval(boots["auc"])
    uniq, pos, neg = _score_counts(b)
    t = np.asarray(list(thresholds), dtype=float)
    j = _j_at(uniq, pos[None, :], neg[None, :], t)[0]
    k = int(np.argmax(j))
    separates = bool(lo > 0.5)
    low = high = None
    finite = boots["optimal"][np.isfinite(boots["optimal"])]
    if separates and len(finite):
        low = _num(float(np.percentile(finite, 2.5, method="lower")))
        high = _num(float(np.percentile(finite, 97.5, method="higher")))
    return NearOptimal(
        n=len(b),
        disrupted=b.events,
        enough=True,
        auc=value,
        auc_ci=(lo, hi),
        separates=separates,
        reversed=bool(hi < 0.5),
        low=low,
        high=high,
        optimum=_num(t[k]),
        youden_j=float(j[k]),
    )


# ---------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelFit:
    """A regression of disruption on SDQ score: the ratio per SDQ point (odds for `logistic`,
    hazard for `cox`) with its 95% interval and two-sided p-value.

    status: 'fitted'; 'too_few' (fewer than MIN_N placements or MIN_EVENTS of an outcome);
    'not_fitted' (the model did not converge). `adjusted_for`: the covariates besides the score
    (`age_at_start`, `place_group`); `reference_group`: the placement group the others are
    compared with (logistic); `pooled_groups`: placement types with fewer than MIN_GROUP_N
    placements, pooled into one group (a rule that never looks at the outcome); `dropped`:
    (covariate, reason) for each adjustment that could not be made. Intervals are from a
    jackknife over children (each child left out in turn, the model refitted) with Student's t
    on children - 1 degrees of freedom (`df`)."""

    kind: str
    n: int
    events: int
    status: str
    ratio: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    p_value: float = math.nan
    adjusted_for: tuple[str, ...] = ()
    reference_group: str = ""
    pooled_groups: tuple[str, ...] = ()
    dropped: tuple[tuple[str, str], ...] = ()
    children: int = 0
    df: int = 0


def placement_groups(group: pd.Series, minimum: int = MIN_GROUP_N) -> tuple[pd.Series, tuple]:
    """Placement types for adjustment: a type with fewer than `minimum` placements joins
    POOLED_GROUP, and when the pooled group itself has fewer than `minimum` it joins the
    largest type. Looks only at how many placements each type has, never at the outcome.
    Unknown types are 'not recorded'. Returns the groups and the types pooled."""
    g = group.astype("string").fillna("not recorded").astype(object)
    counts = g.value_counts()
    small = tuple(sorted(counts.index[counts < minimum]))
    if not small:
        return g, ()
    g = g.where(~g.isin(small), POOLED_GROUP)
    counts = g.value_counts()
    if counts.get(POOLED_GROUP, 0) < minimum and len(counts) > 1:
        largest = counts.drop(POOLED_GROUP).index[0]
        g = g.where(g != POOLED_GROUP, largest)
    return g, small


def _covariates(f: pd.DataFrame):
    """SDQ score and age (centred), the pooled placement groups, and the adjustments dropped."""
    score = pd.to_numeric(f["sdq_score"]).astype(float).to_numpy()
    cols = {"sdq_score": score - score.mean()}
    adjusted, dropped = [], []
    age = pd.to_numeric(f["age_at_start"], errors="coerce")
    if age.isna().any():
        dropped.append(("age_at_start", "age at start is not known for every placement"))
    elif age.nunique() < 2:
        dropped.append(("age_at_start", "every placement started at the same age"))
    else:
        a = age.astype(float).to_numpy()
        cols["age_at_start"] = a - a.mean()
        adjusted.append("age_at_start")
    groups, pooled = placement_groups(f["place_group"])
    if groups.nunique() < 2:
        dropped.append(
            (
                "place_group",
                "every placement was of one type"
                + (" once types with few placements were pooled" if pooled else ""),
            )
        )
    else:
        adjusted.append("place_group")
    return pd.DataFrame(cols, index=f.index), groups, adjusted, dropped, pooled


def logistic_model(frame: pd.DataFrame, adjust: bool = True, intervals: bool = True) -> ModelFit:
    """Logistic regression of disruption within 12 months on SDQ score, adjusted for age at
    start and placement type (rare types pooled by size), fitted with Firth's penalty so that
    a type with no disruption (or only disruptions) cannot make the fit fail; 95% interval and
    p-value from a jackknife over children. `adjust=False`: the score alone; `intervals=False`:
    the estimate only (no jackknife; for very large pooled data)."""
    b = _binary(frame)
    if not enough(len(b), b.events, MIN_EVENTS):
        return ModelFit("logistic", len(b), b.events, "too_few", children=b.n_clusters)
    f = frame.iloc[b.rows].reset_index(drop=True)
    x, groups, adjusted, dropped, pooled = _covariates(f)
    reference = ""
    if not adjust:
        x, adjusted, dropped, pooled = x[["sdq_score"]], [], [], ()
    elif "place_group" in adjusted:
        reference = str(groups.value_counts().index[0])
        dummies = pd.get_dummies(groups, dtype=float).drop(columns=reference)
        x = pd.concat([x, dummies.set_axis(range(dummies.shape[1]), axis=1)], axis=1)
    design = np.column_stack([np.ones(len(x)), x.to_numpy(dtype=float)])
    y = b.y.astype(float)
    beta, converged = firth_logit(design, y)
    if not converged[0] and adjust and len(adjusted):
        design = design[:, :2]
        beta, converged = firth_logit(design, y)
        dropped = [(a, "the adjusted model did not converge") for a in adjusted]
        adjusted, reference = [], ""
    if not converged[0]:
        return ModelFit("logistic", len(b), b.events, "not_fitted", children=b.n_clusters)
    if intervals:
        jack, ok = firth_logit(design, y, jackknife_weights(b.cluster, b.n_clusters))
        replicates = np.where(ok, jack[:, 1], np.nan)
    else:
        replicates = np.full(b.n_clusters, np.nan)
    return _fit(
        "logistic",
        len(b),
        b.events,
        beta[0, 1],
        replicates,
        b.n_clusters,
        adjusted,
        reference,
        pooled,
        dropped,
    )


def _fit(kind, n, events, coef, replicates, children, adjusted, reference, pooled, dropped):
    variance = jackknife_variance(replicates)
    lo, hi, p = t_interval(coef, variance, children - 1)
    with_interval = np.isfinite(replicates).any()
    if not (np.isfinite(coef) and abs(coef) < 5) or (with_interval and not np.isfinite(variance)):
        return ModelFit(kind, n, events, "not_fitted", children=children)
    return ModelFit(
        kind=kind,
        n=n,
        events=events,
        status="fitted",
        ratio=math.exp(coef),
        ci_low=math.exp(float(lo)),
        ci_high=math.exp(float(hi)),
        p_value=float(p),
        adjusted_for=tuple(adjusted),
        reference_group=reference,
        pooled_groups=tuple(pooled),
        dropped=tuple(dropped),
        children=children,
        df=children - 1,
    )


def _survival_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if len(frame) == 0:
        return frame.assign(cause=pd.Series(dtype="int64"))
    f = frame[(frame["time_days"].notna() & frame["sdq_score"].notna()).to_numpy(bool)]
    f = f.reset_index(drop=True)
    f["time_days"] = pd.to_numeric(f["time_days"]).astype(float)
    f["event"] = f["event"].astype(bool)
    other = (
        f["end_category"].astype("string").fillna("open") != "open"
        if "end_category" in f
        else pd.Series(False, index=f.index)
    )
    f["cause"] = np.where(f["event"], 1, np.where(other.to_numpy(dtype=bool), 2, 0))
    return f


def cox_model(frame: pd.DataFrame, adjust: bool = True, intervals: bool = True) -> ModelFit:
    """Cox proportional hazards of disruption per SDQ point: time from start to disruption,
    censored at R or at any other ending (the cause-specific hazard); adjusted for age at start
    and stratified by placement type (rare types pooled by size), so each type has its own
    baseline hazard; Breslow ties. 95% interval and p-value from a jackknife over children
    (`intervals=False`: the estimate only)."""
    f = _survival_rows(frame)
    n = len(f)
    events = int(f["event"].sum()) if n else 0
    cluster, n_clusters = cluster_codes(f["CHILD"].astype("string").to_numpy()) if n else ([], 0)
    if n < MIN_N or events < MIN_EVENTS:
        return ModelFit("cox", n, events, "too_few", children=n_clusters)
    x, groups, adjusted, dropped, pooled = _covariates(f)
    strata = None
    if not adjust:
        x, adjusted, dropped, pooled = x[["sdq_score"]], [], [], ()
    elif "place_group" in adjusted:
        strata = pd.factorize(groups)[0]
    time = f["time_days"].clip(lower=0.5).to_numpy()
    event = f["event"].to_numpy()
    beta, converged, _ = cox_fit(time, event, x.to_numpy(dtype=float), strata)
    if not converged[0]:
        return ModelFit("cox", n, events, "not_fitted", children=n_clusters)
    replicates = np.full(n_clusters, np.nan)
    if intervals:
        weights = jackknife_weights(cluster, n_clusters)
        jack, ok, _ = cox_fit(time, event, x.to_numpy(dtype=float), strata, weights)
        replicates = np.where(ok, jack[:, 0], np.nan)
    return _fit(
        "cox",
        n,
        events,
        beta[0, 0],
        replicates,
        n_clusters,
        adjusted,
        "",
        pooled,
        dropped,
    )


# ---------------------------------------------------------------------------------- survival


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: its statistic, p-value, the rows and children it used, its degrees of
    freedom (numerator, denominator for an F test), the events and which test (`method`)."""

    statistic: float
    p_value: float
    n: int
    children: int = 0
    df: tuple[int, ...] = ()
    events: int = 0
    method: str = ""


def band_comparison(frame: pd.DataFrame) -> TestResult:
    """Do placements in the SDQ bands break down at different rates over time?

    A Cox model of disruption on band indicators (the first band present the reference), its
    coefficients tested together with a jackknife variance over children (each left out in
    turn) and an F reference on the number of children ('jackknife Wald'): a log-rank-type
    comparison that allows for children with several placements. When a band has no
    disruption, or one child holds all of a band's disruptions (the model, or a jackknife
    refit, has no finite estimate), the cluster-robust log-rank score test
    (`pipeline.stats.cox_score_test`) instead ('robust log-rank'). NaN with fewer than MIN_N
    placements, one band, or no disruption."""
    from scipy.stats import f as fisher

    f = _survival_rows(frame)
    n = len(f)
    if n < MIN_N:
        return TestResult(math.nan, math.nan, n)
    band = vocab.sdq_band(f["sdq_score"]).astype(str).to_numpy()
    present = [b for b in vocab.SDQ_BANDS if (band == b).any()]
    events = int(f["event"].sum())
    cluster, n_clusters = cluster_codes(f["CHILD"].astype("string").to_numpy())
    if len(present) < 2 or events == 0:
        return TestResult(math.nan, math.nan, n, n_clusters, (), events)
    x = np.column_stack([band == b for b in present[1:]]).astype(float)
    time, event = f["time_days"].to_numpy(), f["event"].to_numpy()
    k = x.shape[1]
    df = (k, n_clusters - k)
    every_band_has_events = all(event[band == b].any() for b in present)
    if every_band_has_events and n_clusters > k + 1:
        beta, ok, _ = cox_fit(time, event, x)
        jack, jok, _ = cox_fit(time, event, x, weights=jackknife_weights(cluster, n_clusters))
        # every child left out in turn must leave a finite estimate: when one child holds all
        # of a band's disruptions, leaving it out has none, and the robust score test is used
        if ok[0] and jok.all():
            dev = jack - jack.mean(axis=0)
            var = (n_clusters - 1) / n_clusters * dev.T @ dev
            if np.linalg.matrix_rank(var) == k:
                wald = float(beta[0] @ np.linalg.solve(var, beta[0]))
                stat = (n_clusters - k) / (k * (n_clusters - 1)) * wald
                p = float(fisher.sf(stat, *df))
                return TestResult(stat, p, n, n_clusters, df, events, "jackknife Wald")
    _, stat, p = cox_score_test(time, event, x, cluster)
    return TestResult(stat, p, n, n_clusters, df, events, "robust log-rank")


def cumulative_incidence(frame: pd.DataFrame) -> pd.DataFrame:
    """Cumulative incidence of disruption by SDQ band, other endings competing (Aalen-Johansen):
    the share of placements that had broken down by each day since the start. Placements still
    open at R are censored. 95% interval: the jackknife variance over children as an effective
    sample size for a Wilson interval. Columns: band, timeline (days), cif, ci_low, ci_high,
    at_risk (placements still open and observed just before the day), n (the band's
    placements)."""
    f = _survival_rows(frame)
    cols = ["band", "timeline", "cif", "ci_low", "ci_high", "at_risk", "n"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    band = vocab.sdq_band(f["sdq_score"]).astype(str).to_numpy()
    parts = []
    for name in vocab.SDQ_BANDS:
        g = f[band == name]
        if g.empty:
            continue
        time = g["time_days"].to_numpy()
        cause = g["cause"].to_numpy()
        cluster, n_cl = cluster_codes(g["CHILD"].astype("string").to_numpy())
        timeline, cif = aalen_johansen(time, cause)
        _, jack = aalen_johansen(time, cause, jackknife_weights(cluster, n_cl), at=timeline)
        lo, hi = wilson_effective(cif[0], jackknife_variance(jack), np.full(len(timeline), len(g)))
        at_risk = len(g) - np.searchsorted(np.sort(time), timeline, side="left")
        parts.append(
            pd.DataFrame(
                {
                    "band": name,
                    "timeline": timeline,
                    "cif": cif[0],
                    "ci_low": lo,
                    "ci_high": hi,
                    "at_risk": at_risk,
                    "n": len(g),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["band"] = out["band"].astype(pd.CategoricalDtype(list(vocab.SDQ_BANDS), ordered=True))
    return out


def incidence_at(
    frame: pd.DataFrame, days: int = FOLLOW_UP_DAYS, intervals: bool = True
) -> pd.DataFrame:
    """Cumulative incidence of disruption `days` after the start, by band (+ "all"): band,
    label, n (placements), children, disruptions (by then), cif with its 95% interval
    (as in `cumulative_incidence`; `intervals=False`: the estimate only)."""
    f = _survival_rows(frame)
    band = vocab.sdq_band(f["sdq_score"]).astype(str).to_numpy() if len(f) else np.zeros(0)
    rows = []
    for name in (*vocab.SDQ_BANDS, "all"):
        g = f if name == "all" else f[band == name]
        row = {
            "band": name,
            "label": vocab.SDQ_BAND_LABELS.get(name, "all scores"),
            "n": len(g),
            "children": int(g["CHILD"].nunique()) if len(g) else 0,
            "disruptions": int((g["event"] & (g["time_days"] <= days)).sum()) if len(g) else 0,
            "cif": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
        }
        if len(g):
            time, cause = g["time_days"].to_numpy(), g["cause"].to_numpy()
            cluster, n_cl = cluster_codes(g["CHILD"].astype("string").to_numpy())
            _, cif = aalen_johansen(time, cause, at=[days])
            row["cif"] = float(cif[0, 0])
            if intervals:
                _, jack = aalen_johansen(time, cause, jackknife_weights(cluster, n_cl), at=[days])
                lo, hi = wilson_effective(cif[0], jackknife_variance(jack), [len(g)])
                row.update(ci_low=float(lo[0]), ci_high=float(hi[0]))
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class DisruptionSummary:
    """The headline results: placements analysed, the disruption rate (95% interval allowing
    for children with several placements), the AUC and near-optimal cut-offs, the models, the
    verdict on the targeting threshold, the band comparison and the 12-month cumulative
    incidence by band (None when too few)."""

    n_placements: int
    n: int
    n_children: int
    disrupted: int
    rate: float
    rate_ci: tuple[float, float]
    enough: bool
    threshold: int
    auc: float = math.nan
    auc_ci: tuple[float, float] = (math.nan, math.nan)
    logistic: ModelFit | None = None
    cox: ModelFit | None = None
    optimal: NearOptimal | None = None
    targeting: TargetingVerdict | None = None
    bands: TestResult | None = None
    incidence: pd.DataFrame | None = None


def summary(
    frame: pd.DataFrame, settings: Settings | None = None, n_boot: int = N_BOOT, seed: int = 0
) -> DisruptionSummary:
    """Every headline statistic of the analysis frame."""
    settings = settings or Settings()
    b = _binary(frame)
    est = clustered_proportions(b.y, b.cluster)
    base = dict(
        n_placements=len(frame),
        n=len(b),
        n_children=b.n_clusters,
        disrupted=b.events,
        rate=float(est.p[0]) if len(b) else math.nan,
        rate_ci=_interval(est.ci_low, est.ci_high) if len(b) else (math.nan, math.nan),
        enough=enough(len(b), b.events),
        threshold=settings.sdq_threshold,
    )
    if not base["enough"]:
        return DisruptionSummary(**base)
    optimal = near_optimal(frame, n_boot, seed)
    return DisruptionSummary(
        **base,
        auc=optimal.auc,
        auc_ci=optimal.auc_ci,
        logistic=logistic_model(frame),
        cox=cox_model(frame),
        optimal=optimal,
        targeting=targeting_verdict(frame, settings.sdq_threshold),
        bands=band_comparison(frame),
        incidence=incidence_at(frame),
    )


def incidence_of(result: DisruptionSummary, frame: pd.DataFrame) -> pd.DataFrame:
    """`incidence_at(frame)`, taken from the frame's summary when it has it (not computed
    twice)."""
    return result.incidence if result.incidence is not None else incidence_at(frame)
