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

Intervals: Wilson for proportions; bootstrap percentile intervals resample *children* (a child can
contribute several placements), via multinomial weights over child-level score-by-outcome counts.
Logistic and Cox standard errors are cluster-robust by child for the same reason.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Settings
from pipeline.model import sdq, vocab
from pipeline.stats import percentile_interval, rate, wilson

FOLLOW_UP_DAYS = 365
MIN_N = 10  # fewer placements with a known outcome than this: no statistics
MIN_EVENTS = 2  # for the regression models: at least this many of each outcome

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


def _binary(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a known 12-month outcome: y (bool), score (float), cluster (child code)."""
    y = frame["disrupted_12m"].astype("boolean")
    keep = y.notna() & pd.to_numeric(frame["sdq_score"], errors="coerce").notna()
    f = frame.loc[keep.to_numpy()]
    return pd.DataFrame(
        {
            "y": f["disrupted_12m"].astype(bool).to_numpy(),
            "score": pd.to_numeric(f["sdq_score"]).astype(float).to_numpy(),
            "cluster": pd.factorize(f["CHILD"].astype("string"))[0],
        },
        index=f.index,
    )


def enough(n: int, events: int, minimum_each: int = 1) -> bool:
    """Whether `n` placements with `events` disruptions can support the statistics."""
    return n >= MIN_N and events >= minimum_each and n - events >= minimum_each


# ---------------------------------------------------------------------------------- rates


def band_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Disruption within 12 months by SDQ band (+ an "all" row): n, disrupted, rate, Wilson CI."""
    b = _binary(frame)
    band = vocab.sdq_band(b["score"]).to_numpy()
    rows = []
    for name in (*vocab.SDQ_BANDS, "all"):
        mask = np.ones(len(b), dtype=bool) if name == "all" else (band == name)
        rows.append(
            {
                "band": name,
                "label": vocab.SDQ_BAND_LABELS.get(name, "all scores"),
                "n": int(mask.sum()),
                "disrupted": int(b["y"].to_numpy()[mask].sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["rate"] = rate(out["disrupted"], out["n"])
    out["ci_low"], out["ci_high"] = wilson(out["disrupted"], out["n"])
    return out


def threshold_table(frame: pd.DataFrame, thresholds=range(10, 26)) -> pd.DataFrame:
    """Per threshold t ("at or above t" flags): rates above/below with Wilson CIs, sens, spec, J."""
    b = _binary(frame)
    t = np.asarray(list(thresholds), dtype=float)
    s = b["score"].to_numpy()[None, :]
    y = b["y"].to_numpy()[None, :]
    above = s >= t[:, None]
    n_above = above.sum(axis=1)
    d_above = (above & y).sum(axis=1)
    n_below = (~above).sum(axis=1)
    d_below = (~above & y).sum(axis=1)
    events = int(y.sum())
    non_events = len(b) - events
    out = pd.DataFrame({"threshold": t.astype(int), "n_above": n_above, "disrupted_above": d_above})
    out["rate_above"] = rate(d_above, n_above)
    out["ci_above_low"], out["ci_above_high"] = wilson(d_above, n_above)
    out["n_below"] = n_below
    out["disrupted_below"] = d_below
    out["rate_below"] = rate(d_below, n_below)
    out["ci_below_low"], out["ci_below_high"] = wilson(d_below, n_below)
    out["sensitivity"] = rate(d_above, np.full(len(t), events))
    out["specificity"] = rate(n_below - d_below, np.full(len(t), non_events))
    out["youden_j"] = out["sensitivity"] + out["specificity"] - 1
    return out


# ---------------------------------------------------------------------------------- ROC and AUC


def roc(frame: pd.DataFrame) -> pd.DataFrame:
    """ROC points for the rule "score >= threshold", from no one flagged to everyone flagged."""
    b = _binary(frame)
    cols = ["threshold", "fpr", "tpr", "sensitivity", "specificity", "youden_j"]
    events = int(b["y"].sum())
    if events == 0 or events == len(b):
        return pd.DataFrame(columns=cols, dtype=float)
    uniq, pos, neg = _score_counts(b)
    thr = np.concatenate([[np.inf], uniq[::-1]])
    tp = np.concatenate([[0], np.cumsum(pos[::-1])])
    fp = np.concatenate([[0], np.cumsum(neg[::-1])])
    tpr = tp / events
    fpr = fp / (len(b) - events)
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
    events = int(b["y"].sum())
    if events == 0 or events == len(b):
        return float("nan")
    _, pos, neg = _score_counts(b)
    return float(_auc_from_counts(pos[None, :], neg[None, :])[0])


def _score_counts(b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    uniq, idx = np.unique(b["score"].to_numpy(), return_inverse=True)
    y = b["y"].to_numpy()
    pos = np.bincount(idx[y], minlength=len(uniq)).astype(float)
    neg = np.bincount(idx[~y], minlength=len(uniq)).astype(float)
    return uniq, pos, neg


def _auc_from_counts(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC per row of (B, K) count matrices over ascending score categories."""
    p = pos.sum(axis=1)
    n = neg.sum(axis=1)
    below = np.cumsum(neg, axis=1) - neg
    with np.errstate(invalid="ignore", divide="ignore"):
        val = (pos * (below + 0.5 * neg)).sum(axis=1) / (p * n)
    return np.where((p > 0) & (n > 0), val, np.nan)


def _j_curve(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Youden's J for "score >= uniq[k]" per row of (B, K) counts (NaN if a class is empty)."""
    p = pos.sum(axis=1, keepdims=True)
    n = neg.sum(axis=1, keepdims=True)
    tp = np.cumsum(pos[:, ::-1], axis=1)[:, ::-1]
    fp = np.cumsum(neg[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        j = tp / p - fp / n
    return np.where((p > 0) & (n > 0), j, np.nan)


def _j_at(uniq: np.ndarray, pos: np.ndarray, neg: np.ndarray, threshold: float) -> np.ndarray:
    above = uniq >= threshold
    p = pos.sum(axis=1)
    n = neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        j = pos[:, above].sum(axis=1) / p - neg[:, above].sum(axis=1) / n
    return np.where((p > 0) & (n > 0), j, np.nan)


def _bootstrap_counts(b: pd.DataFrame, n_boot: int, seed: int, chunk: int = 200):
    """Cluster (child) bootstrap of the score-by-outcome counts, vectorised.

    Yields (scores, pos, neg) with (chunk, K) count matrices; each bootstrap sample draws as many
    children as there are, with replacement (multinomial weights), and takes all their placements.
    """
    uniq, idx = np.unique(b["score"].to_numpy(), return_inverse=True)
    k = len(uniq)
    cluster = b["cluster"].to_numpy()
    n_cl = int(cluster.max()) + 1 if len(cluster) else 0
    cell = cluster * (2 * k) + b["y"].to_numpy().astype(np.int64) * k + idx
    per_child = np.bincount(cell, minlength=n_cl * 2 * k).reshape(n_cl, 2 * k).astype(float)
    rng = np.random.default_rng(seed)
    probs = np.full(n_cl, 1.0 / n_cl)
    done = 0
    while done < n_boot:
        m = min(chunk, n_boot - done)
        weights = rng.multinomial(n_cl, probs, size=m).astype(float)
        counts = weights @ per_child
        yield uniq, counts[:, k:], counts[:, :k]
        done += m


def bootstrap(
    frame: pd.DataFrame, n_boot: int = 1000, seed: int = 0, thresholds: tuple[float, ...] = ()
) -> dict[str, np.ndarray | dict]:
    """Child-level bootstrap replicates of AUC, the Youden-optimal threshold and J at thresholds."""
    b = _binary(frame)
    aucs, opts = [], []
    js: dict[float, list] = {t: [] for t in thresholds}
    if len(b) == 0:
        return {"auc": np.array([]), "optimal": np.array([]), "j": {t: np.array([]) for t in js}}
    for uniq, pos, neg in _bootstrap_counts(b, n_boot, seed):
        aucs.append(_auc_from_counts(pos, neg))
        j = _j_curve(pos, neg)
        valid = np.isfinite(j).all(axis=1)
        best = uniq[np.argmax(np.where(np.isfinite(j), j, -np.inf), axis=1)]
        opts.append(np.where(valid, best, np.nan))
        for t in thresholds:
            js[t].append(_j_at(uniq, pos, neg, t))
    return {
        "auc": np.concatenate(aucs),
        "optimal": np.concatenate(opts),
        "j": {t: np.concatenate(v) for t, v in js.items()},
    }


def _num(x):
    """A whole-number float as an int (for thresholds); NaN as None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


# ---------------------------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class OptimalThreshold:
    """The score maximising Youden's J (ties: the lowest), with a bootstrap percentile CI.

    `enough` False: too few placements (threshold and interval None, the rest NaN)."""

    n: int
    disrupted: int
    enough: bool
    threshold: int | float | None = None
    youden_j: float = math.nan
    sensitivity: float = math.nan
    specificity: float = math.nan
    ci_low: int | float | None = None
    ci_high: int | float | None = None


def optimal_threshold(frame: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> OptimalThreshold:
    """The Youden-optimal cut-off for "score >= threshold" among the observed scores."""
    b = _binary(frame)
    events = int(b["y"].sum())
    if not enough(len(b), events):
        return OptimalThreshold(len(b), events, False)
    uniq, pos, neg = _score_counts(b)
    j = _j_curve(pos[None, :], neg[None, :])[0]
    k = int(np.argmax(j))
    boots = bootstrap(frame, n_boot, seed)["optimal"]
    finite = boots[np.isfinite(boots)]
    lo = float(np.percentile(finite, 2.5, method="lower")) if len(finite) else float("nan")
    hi = float(np.percentile(finite, 97.5, method="higher")) if len(finite) else float("nan")
    return OptimalThreshold(
        n=len(b),
        disrupted=events,
        enough=True,
        threshold=_num(uniq[k]),
        youden_j=float(j[k]),
        sensitivity=float(pos[k:].sum() / pos.sum()),
        specificity=float(1 - neg[k:].sum() / neg.sum()),
        ci_low=_num(lo),
        ci_high=_num(hi),
    )


@dataclass(frozen=True)
class Cut:
    """What the rule "score >= threshold" does: placements flagged, the share of them that
    disrupted, sensitivity, specificity and Youden's J."""

    threshold: int
    flagged: int
    rate_flagged: float
    sensitivity: float
    specificity: float
    youden_j: float


@dataclass(frozen=True)
class ThresholdComparison:
    """Is `threshold` a better targeting cut-off than `alternative`? J difference + bootstrap CI.

    `significant` (and `better`, the better cut-off) are None when there are too few placements."""

    threshold: int
    alternative: int
    n: int
    disrupted: int
    enough: bool
    at_threshold: Cut | None = None
    at_alternative: Cut | None = None
    difference: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    significant: bool | None = None
    better: int | None = None


def threshold_verdict(
    frame: pd.DataFrame,
    threshold: int = 18,
    alternative: int = 17,
    n_boot: int = 1000,
    seed: int = 0,
) -> ThresholdComparison:
    """J(threshold) - J(alternative) with a child-level bootstrap percentile 95% interval; the
    difference is significant when the interval excludes 0."""
    b = _binary(frame)
    events = int(b["y"].sum())
    if not enough(len(b), events):
        return ThresholdComparison(threshold, alternative, len(b), events, False)
    table = threshold_table(frame, [threshold, alternative]).set_index("threshold")

    def cut(t: int) -> Cut:
        row = table.loc[t]
        return Cut(
            threshold=t,
            flagged=int(row["n_above"]),
            rate_flagged=float(row["rate_above"]),
            sensitivity=float(row["sensitivity"]),
            specificity=float(row["specificity"]),
            youden_j=float(row["youden_j"]),
        )

    at_t, at_a = cut(threshold), cut(alternative)
    boots = bootstrap(frame, n_boot, seed, thresholds=(threshold, alternative))["j"]
    lo, hi = percentile_interval(boots[threshold] - boots[alternative])
    diff = at_t.youden_j - at_a.youden_j
    significant = bool(np.isfinite(lo) and (lo > 0 or hi < 0))
    better = (threshold if diff > 0 else alternative) if significant else None
    return ThresholdComparison(
        threshold, alternative, len(b), events, True, at_t, at_a, diff, lo, hi, significant, better
    )


# ---------------------------------------------------------------------------------- models


@dataclass(frozen=True)
class ModelFit:
    """A regression of disruption on SDQ score: the ratio per SDQ point (odds for `logistic`,
    hazard for `cox`) with its 95% CI (cluster-robust by child) and p-value.

    status: 'fitted'; 'too_few' (fewer than MIN_N placements or MIN_EVENTS of an outcome);
    'not_fitted' (the data would not support a fit). `adjusted_for`: the covariates besides the
    score (`age_at_start`, `place_group`); `reference_group`: the placement group the others are
    compared with."""

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


def _design(frame: pd.DataFrame, adjust: bool) -> tuple[pd.DataFrame, tuple[str, ...], str]:
    """Covariates: SDQ score (+ age at start and placement-type dummies, rare types pooled)."""
    x = pd.DataFrame(
        {"sdq_score": pd.to_numeric(frame["sdq_score"]).astype(float)}, index=frame.index
    )
    adjusted: list[str] = []
    reference = ""
    if not adjust:
        return x, (), reference
    if frame["age_at_start"].notna().all():
        x["age_at_start"] = pd.to_numeric(frame["age_at_start"]).astype(float)
        if x["age_at_start"].nunique() > 1:
            adjusted.append("age_at_start")
        else:
            x = x.drop(columns="age_at_start")
    group = frame["place_group"].astype("string").fillna(vocab.OTHER_GROUP)
    # pool types too rare to estimate (fewer than 10 placements, or no variation in outcome)
    per = pd.DataFrame({"g": group, "y": frame["_y"]}).groupby("g")["y"].agg(["size", "sum"])
    rare = per.index[(per["size"] < MIN_N) | (per["sum"] == 0) | (per["sum"] == per["size"])]
    group = group.where(~group.isin(rare), "other (pooled)")
    counts = group.value_counts()
    if len(counts) > 1:
        reference = counts.index[0]
        dummies = pd.get_dummies(group, prefix="place", dtype=float)
        x = pd.concat([x, dummies.drop(columns=f"place_{reference}")], axis=1)
        adjusted.append("place_group")
    return x, tuple(adjusted), reference


def _credible(coef: float, lo: float, hi: float) -> bool:
    """A usable per-point log effect: finite, a real interval, not a separation artefact.

    Under (quasi-)separation the fitted coefficient runs off towards infinity or the sandwich
    variance collapses; a ratio above e^5 (about 150) per SDQ point is not credible.
    """
    if not all(np.isfinite([coef, lo, hi])):
        return False
    return hi - lo > 1e-8 and abs(coef) < 5


def logistic_model(frame: pd.DataFrame, adjust: bool = True) -> ModelFit:
    """Logit of disruption within 12 months on SDQ score, adjusted for age and placement type;
    falls back to the unadjusted model when the adjusted one cannot be fitted."""
    import statsmodels.api as sm

    b = _binary(frame)
    events = int(b["y"].sum())
    if not enough(len(b), events, MIN_EVENTS):
        return ModelFit("logistic", len(b), events, "too_few")
    f = frame.loc[b.index].assign(_y=b["y"].astype(float))
    for attempt in (True, False) if adjust else (False,):
        x, adjusted, reference = _design(f, attempt)
        x = sm.add_constant(x, has_constant="add")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = sm.Logit(f["_y"], x).fit(
                    disp=0,
                    maxiter=200,
                    cov_type="cluster",
                    cov_kwds={"groups": b["cluster"].to_numpy()},
                )
            coef = float(fit.params["sdq_score"])
            lo, hi = (float(v) for v in fit.conf_int().loc["sdq_score"])
            if not _credible(coef, lo, hi) or not fit.mle_retvals.get("converged", True):
                continue
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError, OverflowError):
            continue
        except Exception as exc:  # statsmodels PerfectSeparationError and kin
            if "separation" in type(exc).__name__.lower() or "separation" in str(exc).lower():
                continue
            raise
        return ModelFit(
            "logistic",
            len(b),
            events,
            "fitted",
            math.exp(coef),
            math.exp(lo),
            math.exp(hi),
            float(fit.pvalues["sdq_score"]),
            adjusted,
            reference,
        )
    return ModelFit("logistic", len(b), events, "not_fitted")


def _survival_rows(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame[frame["time_days"].notna() & frame["sdq_score"].notna()].copy()
    f["time_days"] = pd.to_numeric(f["time_days"]).astype(float)
    f["event"] = f["event"].astype(bool)
    return f


def cox_model(frame: pd.DataFrame, adjust: bool = True) -> ModelFit:
    """Cox proportional hazards: hazard ratio of disruption per SDQ point (robust by child).

    Time from start to disruption, censored at R or at a non-disruption end; adjusted for age at
    start and placement type when possible.
    """
    from lifelines import CoxPHFitter

    f = _survival_rows(frame)
    n = len(f)
    events = int(f["event"].sum()) if n else 0
    if n < MIN_N or events < MIN_EVENTS:
        return ModelFit("cox", n, events, "too_few")
    f = f.assign(_y=f["event"].astype(float), time_days=f["time_days"].clip(lower=0.5))
    cluster = pd.factorize(f["CHILD"].astype("string"))[0]
    for attempt in (True, False) if adjust else (False,):
        x, adjusted, reference = _design(f, attempt)
        data = x.assign(
            time_days=f["time_days"].to_numpy(), event=f["event"].to_numpy(), _cluster=cluster
        )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cph = CoxPHFitter()
                cph.fit(data, duration_col="time_days", event_col="event", cluster_col="_cluster")
            row = cph.summary.loc["sdq_score"]
            hr = float(row["exp(coef)"])
            lo = float(row["exp(coef) lower 95%"])
            hi = float(row["exp(coef) upper 95%"])
            if not _credible(math.log(hr), math.log(lo), math.log(hi)):
                continue
        except Exception as exc:  # lifelines ConvergenceError, singular matrices
            if type(exc).__name__ in ("ConvergenceError", "LinAlgError", "ValueError"):
                continue
            raise
        return ModelFit(
            "cox", n, events, "fitted", hr, lo, hi, float(row["p"]), adjusted, reference
        )
    return ModelFit("cox", n, events, "not_fitted")


# ---------------------------------------------------------------------------------- survival


def km_by_band(frame: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier survival (no disruption) by SDQ band: band, timeline, survival, CI, at risk."""
    from lifelines import KaplanMeierFitter

    f = _survival_rows(frame)
    cols = ["band", "timeline", "survival", "ci_low", "ci_high", "at_risk", "events"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    band = vocab.sdq_band(f["sdq_score"]).to_numpy()
    parts = []
    for name in vocab.SDQ_BANDS:
        g = f[band == name]
        if g.empty:
            continue
        kmf = KaplanMeierFitter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kmf.fit(g["time_days"], g["event"], label=name)
        sf = kmf.survival_function_[name]
        ci = kmf.confidence_interval_
        table = kmf.event_table
        parts.append(
            pd.DataFrame(
                {
                    "band": name,
                    "timeline": sf.index.to_numpy(dtype=float),
                    "survival": sf.to_numpy(),
                    "ci_low": ci.iloc[:, 0].to_numpy(),
                    "ci_high": ci.iloc[:, 1].to_numpy(),
                    "at_risk": table["at_risk"].reindex(sf.index).to_numpy(),
                    "events": table["observed"].reindex(sf.index).to_numpy(),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    out["band"] = out["band"].astype(pd.CategoricalDtype(list(vocab.SDQ_BANDS), ordered=True))
    return out


@dataclass(frozen=True)
class TestResult:
    """A hypothesis test: its statistic, p-value and the number of rows it used."""

    statistic: float
    p_value: float
    n: int


def logrank_by_band(frame: pd.DataFrame) -> TestResult:
    """Log-rank test of equal disruption-free survival across the bands present."""
    from lifelines.statistics import multivariate_logrank_test

    f = _survival_rows(frame)
    band = vocab.sdq_band(f["sdq_score"]) if len(f) else pd.Series(dtype=object)
    if len(f) < MIN_N or band.nunique() < 2 or int(f["event"].sum()) == 0:
        return TestResult(math.nan, math.nan, len(f))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multivariate_logrank_test(f["time_days"], band.astype(str).to_numpy(), f["event"])
    return TestResult(float(res.test_statistic), float(res.p_value), len(f))


# ---------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class DisruptionSummary:
    """The headline results: placements analysed, the disruption rate, AUC, the models, the
    optimal threshold and the verdict on the targeting threshold (None when too few)."""

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
    optimal: OptimalThreshold | None = None
    comparison: ThresholdComparison | None = None

    @property
    def optimal_threshold(self) -> int | float | None:
        """The Youden-optimal score, or None when there are too few placements."""
        return self.optimal.threshold if self.optimal is not None else None


def summary(
    frame: pd.DataFrame, settings: Settings | None = None, n_boot: int = 1000, seed: int = 0
) -> DisruptionSummary:
    """Every headline statistic of the analysis frame."""
    settings = settings or Settings()
    b = _binary(frame)
    events = int(b["y"].sum())
    n = len(b)
    lo, hi = wilson(events, n)
    base = dict(
        n_placements=len(frame),
        n=n,
        n_children=int(b["cluster"].nunique()) if n else 0,
        disrupted=events,
        rate=float(rate(events, n)),
        rate_ci=(float(lo[0]), float(hi[0])),
        enough=enough(n, events),
        threshold=settings.sdq_threshold,
    )
    if not base["enough"]:
        return DisruptionSummary(**base)
    boots = bootstrap(frame, n_boot, seed)
    return DisruptionSummary(
        **base,
        auc=auc(frame),
        auc_ci=percentile_interval(boots["auc"]),
        logistic=logistic_model(frame),
        cox=cox_model(frame),
        optimal=optimal_threshold(frame, n_boot, seed),
        comparison=threshold_verdict(
            frame, settings.sdq_threshold, settings.sdq_threshold - 1, n_boot, seed
        ),
    )
