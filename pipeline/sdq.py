"""Placement disruption against SDQ scores (SPEC section 6): analysis frame and statistics.

Pure functions: a placements frame (one row per placement, `pipeline.placements` contract), the
cleaned `sdq` table, a reference date R and `Settings` in; tidy frames and dicts out. No file I/O,
no HTML, nothing from the synthetic generator.

Unit of analysis (SPEC 6): placements starting in the analysis window, the
`settings.sdq_window_months` months to R, i.e. (R - window, R]; the child aged 4-17 at the start;
with an SDQ score dated in the 12 months before the start, i.e. (start - 12 months, start]. The
latest such score is used; assessments that returned a reason instead of a score are skipped.

Outcomes:

- ``disrupted_12m``: True when the placement ended by R in a disruption (end_category
  ``disruption``) within 365 days of its start; False when it did not; NA when the 12 months after
  the start are not all observed by R (start + 365 days > R). Placements starting in the last 12
  months before R are excluded from the binary outcome whether or not they have disrupted yet:
  counting their early disruptions while leaving out their undisrupted stays would inflate the
  rates (outcome-dependent selection). They still count in the survival analysis.
- ``time_days`` / ``event`` (survival): days from start to a disruption (event True), or to the
  censoring point: the placement's non-disruption end, or R for placements open at R. Endings
  after R are treated as unknown (open at R), so the frame depends only on what was knowable at R.

Intervals: Wilson for proportions; bootstrap percentile intervals resample *children* (a child can
contribute several placements), via multinomial weights over child-level score-by-outcome counts,
so the bootstrap is vectorised and cheap at any size. Logistic and Cox standard errors are
cluster-robust by child for the same reason.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from pipeline.config import Settings

BANDS = ("normal", "borderline", "concern")
BAND_LABELS = {
    "normal": "0-13 normal",
    "borderline": "14-16 borderline",
    "concern": "17-40 concern",
}
BAND_EDGES = (-0.5, 13.5, 16.5, 40.5)  # SPEC 5 / REFERENCE: 0-13, 14-16, 17-40
SDQ_LOOKBACK_MONTHS = 12  # SPEC 6: an SDQ score dated in the 12 months before the start
MIN_AGE, MAX_AGE = 4, 17  # SPEC 6: aged 4-17 at the start
FOLLOW_UP_DAYS = 365
MIN_N = 10  # fewer placements with a known outcome than this: no statistics, a sentence instead
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


# ---------------------------------------------------------------------------------------------
# the analysis frame


def sdq_band(scores) -> pd.Series:
    """Band a score series: normal (0-13), borderline (14-16), concern (17-40); NA stays NA."""
    s = pd.to_numeric(pd.Series(scores), errors="coerce").astype("float64")
    out = pd.cut(s, bins=list(BAND_EDGES), labels=list(BANDS))
    return out.astype(pd.CategoricalDtype(list(BANDS), ordered=True))


def analysis_frame(
    placements: pd.DataFrame,
    sdq: pd.DataFrame | None,
    ref_date,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per placement in the analysis unit (see module docstring), with outcomes and band."""
    settings = settings or Settings()
    r = pd.Timestamp(ref_date).normalize()
    window_start = r - pd.DateOffset(months=settings.sdq_window_months)
    p = placements
    start = pd.to_datetime(p["start"])
    in_window = (start > window_start) & (start <= r)
    p = p.loc[in_window.fillna(False).to_numpy()].copy()
    p["start"] = pd.to_datetime(p["start"])
    p["end"] = pd.to_datetime(p["end"])
    if "age_at_start" not in p or p["age_at_start"].isna().all():
        p["age_at_start"] = _whole_years(pd.to_datetime(p["DOB"]), p["start"])
    p["age_at_start"] = pd.to_numeric(p["age_at_start"], errors="coerce")
    p = p[p["age_at_start"].between(MIN_AGE, MAX_AGE)]
    if "placement_id" not in p:
        p["placement_id"] = np.arange(len(p))
    if "place_group" not in p:
        p["place_group"] = "other"
    p = _attach_prior_sdq(p, sdq)
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
            "place": p["place"].astype("string") if "place" in p else pd.NA,
            "start": p["start"],
            "end": end_at_r,
            "end_category": category,
            "place_group": p["place_group"].astype("string").fillna("other"),
            "age_at_start": p["age_at_start"].astype("int64"),
            "sdq_date": p["sdq_date"],
            "sdq_score": p["sdq_score"].astype("int64"),
            "sdq_band": sdq_band(p["sdq_score"]),
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
    frame["sdq_band"] = sdq_band(frame["sdq_score"])
    return frame


def _whole_years(dob: pd.Series, day: pd.Series) -> pd.Series:
    """Age in whole years at `day` (vectorised; birthday on the day counts)."""
    years = day.dt.year - dob.dt.year
    before = (day.dt.month < dob.dt.month) | (
        (day.dt.month == dob.dt.month) & (day.dt.day < dob.dt.day)
    )
    return (years - before.astype("int64")).astype("Float64")


def _scored(sdq: pd.DataFrame | None) -> pd.DataFrame:
    """Scored assessments only: CHILD (string), SDQ_DATE, SDQ_SCORE (int), sorted by date."""
    if sdq is None or len(sdq) == 0 or "SDQ_SCORE" not in sdq:
        return pd.DataFrame(
            {
                "CHILD": pd.Series(dtype="string"),
                "SDQ_DATE": pd.Series(dtype="datetime64[ns]"),
                "SDQ_SCORE": pd.Series(dtype="int64"),
            }
        )
    s = pd.DataFrame(
        {
            "CHILD": sdq["CHILD"].astype("string"),
            "SDQ_DATE": pd.to_datetime(sdq["SDQ_DATE"]).dt.normalize(),
            "SDQ_SCORE": pd.to_numeric(sdq["SDQ_SCORE"], errors="coerce"),
        }
    )
    s = s[s["SDQ_SCORE"].notna() & s["SDQ_DATE"].notna() & s["CHILD"].notna()]
    s = s[s["SDQ_SCORE"].between(0, 40)]
    s["SDQ_SCORE"] = s["SDQ_SCORE"].astype("int64")
    # two scores on one day (should not survive cleaning): keep the later row
    s = s.drop_duplicates(["CHILD", "SDQ_DATE"], keep="last")
    return s.sort_values(["SDQ_DATE", "CHILD"], kind="stable").reset_index(drop=True)


def _attach_prior_sdq(p: pd.DataFrame, sdq: pd.DataFrame | None) -> pd.DataFrame:
    """Latest scored SDQ dated in (start - 12 months, start]; rows without one are dropped."""
    scores = _scored(sdq)
    if p.empty or scores.empty:
        return p.iloc[0:0].assign(sdq_date=pd.Series(dtype="datetime64[ns]"), sdq_score=0)
    left = p.assign(_CHILD=p["CHILD"].astype("string"), _start=p["start"].astype("datetime64[ns]"))
    left = (
        left.reset_index(drop=True).reset_index(names="_row").sort_values("_start", kind="stable")
    )
    right = scores.rename(
        columns={"CHILD": "_CHILD", "SDQ_DATE": "sdq_date", "SDQ_SCORE": "sdq_score"}
    )
    right["sdq_date"] = right["sdq_date"].astype("datetime64[ns]")
    right["_on"] = right["sdq_date"]
    merged = pd.merge_asof(
        left,
        right,
        left_on="_start",
        right_on="_on",
        by="_CHILD",
        direction="backward",
        allow_exact_matches=True,
    )
    lookback = merged["_start"] - pd.DateOffset(months=SDQ_LOOKBACK_MONTHS)
    ok = merged["sdq_date"].notna() & (merged["sdq_date"] > lookback)
    merged = merged[ok].sort_values("_row").drop(columns=["_row", "_CHILD", "_start", "_on"])
    return merged


# ---------------------------------------------------------------------------------------------
# helpers


def _binary(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a known 12-month outcome: y (bool), score (float), cluster (int code)."""
    if frame is None or len(frame) == 0:
        return pd.DataFrame(
            {
                "y": pd.Series(dtype=bool),
                "score": pd.Series(dtype=float),
                "cluster": pd.Series(dtype="int64"),
            }
        )
    y = frame["disrupted_12m"].astype("boolean")
    keep = y.notna() & pd.to_numeric(frame["sdq_score"], errors="coerce").notna()
    f = frame.loc[keep.to_numpy()]
    cluster = pd.factorize(f["CHILD"].astype("string"))[0] if "CHILD" in f else np.arange(len(f))
    out = pd.DataFrame(
        {
            "y": f["disrupted_12m"].astype(bool).to_numpy(),
            "score": pd.to_numeric(f["sdq_score"]).astype(float).to_numpy(),
            "cluster": cluster,
        },
        index=f.index,
    )
    return out


def _enough(n: int, events: int, minimum_each: int = 1) -> bool:
    return n >= MIN_N and events >= minimum_each and n - events >= minimum_each


def too_few_sentence(n: int, events: int, what: str = "estimate this") -> str:
    """Plain-English sentence for when the numbers are too small."""
    return (
        f"There are too few placements to {what}: {n} with a known 12-month outcome, "
        f"{events} of them disrupted. At least {MIN_N} placements, with both disrupted and "
        "undisrupted ones, are needed."
    )


def wilson(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval, vectorised; NaN where nobs is 0."""
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


def _rate(k, n) -> np.ndarray:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)


# ---------------------------------------------------------------------------------------------
# rates by band and by threshold


def band_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Disruption within 12 months by SDQ band (+ an "all" row): n, disrupted, rate, Wilson CI."""
    b = _binary(frame)
    band = sdq_band(b["score"]).to_numpy()
    rows = []
    for name in (*BANDS, "all"):
        mask = np.ones(len(b), dtype=bool) if name == "all" else (band == name)
        rows.append(
            {
                "band": name,
                "label": BAND_LABELS.get(name, "all scores"),
                "n": int(mask.sum()),
                "disrupted": int(b["y"].to_numpy()[mask].sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["rate"] = _rate(out["disrupted"], out["n"])
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
    out["rate_above"] = _rate(d_above, n_above)
    out["ci_above_low"], out["ci_above_high"] = wilson(d_above, n_above)
    out["n_below"] = n_below
    out["disrupted_below"] = d_below
    out["rate_below"] = _rate(d_below, n_below)
    out["ci_below_low"], out["ci_below_high"] = wilson(d_below, n_below)
    out["sensitivity"] = _rate(d_above, np.full(len(t), events))
    out["specificity"] = _rate(n_below - d_below, np.full(len(t), non_events))
    out["youden_j"] = out["sensitivity"] + out["specificity"] - 1
    return out


# ---------------------------------------------------------------------------------------------
# ROC, AUC, Youden's J and the bootstrap


def roc(frame: pd.DataFrame) -> pd.DataFrame:
    """ROC points for the rule "score >= threshold", from no one flagged to everyone flagged."""
    b = _binary(frame)
    cols = ["threshold", "fpr", "tpr", "sensitivity", "specificity", "youden_j"]
    events = int(b["y"].sum())
    if events == 0 or events == len(b):
        return pd.DataFrame(columns=cols, dtype=float)
    uniq, pos, neg = _score_counts(b)
    # thresholds descending: above the top score (none flagged), then each observed score
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
    uniq, pos, neg = _score_counts(b)
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

    Yields (pos, neg) (chunk, K) count matrices; each bootstrap sample draws as many children as
    there are, with replacement (multinomial weights), and takes all their placements.
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


def _percentile_interval(values: np.ndarray, alpha: float = 0.05) -> tuple[float, float]:
    v = values[np.isfinite(values)]
    if len(v) == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(v, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return float(lo), float(hi)


def bootstrap(
    frame: pd.DataFrame, n_boot: int = 1000, seed: int = 0, thresholds: tuple[float, ...] = ()
) -> dict:
    """Child-level bootstrap replicates of AUC, the Youden-optimal threshold and J at thresholds."""
    b = _binary(frame)
    aucs, opts = [], []
    js = {t: [] for t in thresholds}
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


def auc_interval(frame: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> dict:
    """AUC with a child-level bootstrap percentile 95% interval."""
    b = _binary(frame)
    events = int(b["y"].sum())
    if not _enough(len(b), events):
        return {"auc": auc(frame), "ci_low": float("nan"), "ci_high": float("nan"), "n": len(b)}
    lo, hi = _percentile_interval(bootstrap(frame, n_boot, seed)["auc"])
    return {"auc": auc(frame), "ci_low": lo, "ci_high": hi, "n": len(b)}


def optimal_threshold(frame: pd.DataFrame, n_boot: int = 1000, seed: int = 0) -> dict:
    """The threshold maximising Youden's J (ties: the lowest), with a bootstrap percentile CI.

    Candidate thresholds are the observed scores, flagging "score >= threshold".
    """
    b = _binary(frame)
    events = int(b["y"].sum())
    out = {
        "threshold": None,
        "youden_j": float("nan"),
        "sensitivity": float("nan"),
        "specificity": float("nan"),
        "ci_low": None,
        "ci_high": None,
        "n": len(b),
        "disrupted": events,
        "sentence": "",
    }
    if not _enough(len(b), events):
        out["sentence"] = too_few_sentence(len(b), events, "find an optimal threshold")
        return out
    uniq, pos, neg = _score_counts(b)
    j = _j_curve(pos[None, :], neg[None, :])[0]
    k = int(np.argmax(j))
    boots = bootstrap(frame, n_boot, seed)["optimal"]
    finite = boots[np.isfinite(boots)]
    lo = float(np.percentile(finite, 2.5, method="lower")) if len(finite) else float("nan")
    hi = float(np.percentile(finite, 97.5, method="higher")) if len(finite) else float("nan")
    tp = pos[k:].sum()
    fp = neg[k:].sum()
    out.update(
        threshold=_num(uniq[k]),
        youden_j=float(j[k]),
        sensitivity=float(tp / pos.sum()),
        specificity=float(1 - fp / neg.sum()),
        ci_low=_num(lo),
        ci_high=_num(hi),
    )
    out["sentence"] = (
        f"The score that best separates placements that disrupted within 12 months from those that "
        f"did not (maximising Youden's J) is {out['threshold']} (95% bootstrap interval "
        f"{out['ci_low']} to {out['ci_high']}), on {len(b)} placements."
    )
    return out


def _num(x):
    """A float that is a whole number as an int (for thresholds); NaN as None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    x = float(x)
    return int(x) if x.is_integer() else x


def threshold_verdict(
    frame: pd.DataFrame,
    threshold: int = 18,
    alternative: int = 17,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict:
    """Is `threshold` a better targeting cut-off than `alternative`? Youden's J difference + CI.

    J = sensitivity + specificity - 1 for the rule "score >= t". The difference J(threshold) -
    J(alternative) gets a child-level bootstrap percentile 95% interval; when it includes 0 the
    sentence says the difference is not statistically significant at this size.
    """
    b = _binary(frame)
    events = int(b["y"].sum())
    out = {
        "threshold": threshold,
        "alternative": alternative,
        "n": len(b),
        "disrupted": events,
        "j_threshold": float("nan"),
        "j_alternative": float("nan"),
        "difference": float("nan"),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "significant": None,
        "better": None,
        "sentence": "",
    }
    if not _enough(len(b), events):
        out["sentence"] = too_few_sentence(
            len(b), events, f"compare thresholds of {threshold} and {alternative}"
        )
        return out
    table = threshold_table(frame, [threshold, alternative]).set_index("threshold")
    jt, ja = float(table.loc[threshold, "youden_j"]), float(table.loc[alternative, "youden_j"])
    boots = bootstrap(frame, n_boot, seed, thresholds=(threshold, alternative))["j"]
    lo, hi = _percentile_interval(boots[threshold] - boots[alternative])
    diff = jt - ja
    significant = bool(np.isfinite(lo) and (lo > 0 or hi < 0))
    out.update(
        j_threshold=jt,
        j_alternative=ja,
        difference=diff,
        ci_low=lo,
        ci_high=hi,
        significant=significant,
    )
    t, a = table.loc[threshold], table.loc[alternative]
    detail = (
        f"On {len(b)} placements ({events} disrupted within 12 months), a score of {threshold} or "
        f"more flags {int(t['n_above'])} placements ({_pct(t['rate_above'])} disrupted) and catches "
        f"{_pct(t['sensitivity'])} of disruptions with {_pct(t['specificity'])} specificity; "
        f"{alternative} or more flags {int(a['n_above'])} ({_pct(a['rate_above'])} disrupted), "
        f"catching {_pct(a['sensitivity'])} with {_pct(a['specificity'])} specificity. "
        f"Youden's J is {jt:.3f} at {threshold} and {ja:.3f} at {alternative} (difference "
        f"{diff:+.3f}, 95% bootstrap interval {lo:+.3f} to {hi:+.3f})"
    )
    if not significant:
        out["sentence"] = (
            f"{detail}: the difference between {threshold} and {alternative} is not statistically "
            "significant at this size, so the data do not show either threshold to be better."
        )
    else:
        better, worse = (threshold, alternative) if diff > 0 else (alternative, threshold)
        out["better"] = better
        out["sentence"] = (
            f"{detail}: {better} separates disrupted from undisrupted placements better than "
            f"{worse}, and the difference is statistically significant at the 5% level."
        )
    return out


def _pct(x) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * float(x):.0f}%"


# ---------------------------------------------------------------------------------------------
# models


def _design(frame: pd.DataFrame, adjust: bool) -> tuple[pd.DataFrame, list[str]]:
    """Covariates: SDQ score (+ age at start and placement-type dummies, rare types pooled)."""
    x = pd.DataFrame(
        {"sdq_score": pd.to_numeric(frame["sdq_score"]).astype(float)}, index=frame.index
    )
    adjusted = []
    if not adjust:
        return x, adjusted
    if "age_at_start" in frame and frame["age_at_start"].notna().all():
        x["age_at_start"] = pd.to_numeric(frame["age_at_start"]).astype(float)
        if x["age_at_start"].nunique() > 1:
            adjusted.append("age at start")
        else:
            x = x.drop(columns="age_at_start")
    if "place_group" in frame:
        group = frame["place_group"].astype("string").fillna("other")
        y = frame["_y"] if "_y" in frame else None
        # pool types too rare to estimate (fewer than 10 placements, or no variation in outcome)
        stats = pd.DataFrame({"g": group, "y": y if y is not None else 0})
        per = stats.groupby("g")["y"].agg(["size", "sum"])
        rare = per.index[(per["size"] < MIN_N) | (per["sum"] == 0) | (per["sum"] == per["size"])]
        group = group.where(~group.isin(rare), "other (pooled)")
        counts = group.value_counts()
        if len(counts) > 1:
            ref = counts.index[0]
            dummies = pd.get_dummies(group, prefix="place", dtype=float)
            dummies = dummies.drop(columns=f"place_{ref}")
            x = pd.concat([x, dummies], axis=1)
            adjusted.append(f"placement type (reference {ref})")
    return x, adjusted


def logistic_model(frame: pd.DataFrame, adjust: bool = True) -> dict:
    """Logit of disruption within 12 months on SDQ score, adjusted for age and placement type.

    Odds ratio per SDQ point with a 95% CI (cluster-robust by child), p-value and n. Falls back to
    the unadjusted model when the adjusted one cannot be fitted; NaN and a sentence when too few.
    """
    import statsmodels.api as sm

    b = _binary(frame)
    events = int(b["y"].sum())
    out = {
        "n": len(b),
        "disrupted": events,
        "or_per_point": float("nan"),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "p_value": float("nan"),
        "adjusted_for": [],
        "sentence": "",
    }
    if not _enough(len(b), events, MIN_EVENTS):
        out["sentence"] = too_few_sentence(len(b), events, "fit a regression")
        return out
    f = frame.loc[b.index].assign(_y=b["y"].astype(float))
    for attempt in (True, False) if adjust else (False,):
        x, adjusted = _design(f, attempt)
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
        out.update(
            or_per_point=math.exp(coef),
            ci_low=math.exp(lo),
            ci_high=math.exp(hi),
            p_value=float(fit.pvalues["sdq_score"]),
            adjusted_for=adjusted,
        )
        adj = f", adjusted for {' and '.join(adjusted)}" if adjusted else ""
        out["sentence"] = (
            f"Each extra SDQ point multiplies the odds of disruption within 12 months by "
            f"{out['or_per_point']:.3f} (95% CI {out['ci_low']:.3f} to {out['ci_high']:.3f}, "
            f"{_p(out['p_value'])}{adj}; {len(b)} placements). "
            + _significance(out["ci_low"], out["ci_high"])
        )
        return out
    out["sentence"] = (
        "The regression could not be fitted on these placements (too little variation)."
    )
    return out


def _credible(coef: float, lo: float, hi: float) -> bool:
    """A usable per-point log effect: finite, a real interval, not a separation artefact.

    Under (quasi-)separation the fitted coefficient runs off towards infinity or the sandwich
    variance collapses; an odds or hazard ratio above e^5 (about 150) per SDQ point is not a
    credible estimate of anything.
    """
    if not all(np.isfinite([coef, lo, hi])):
        return False
    return hi - lo > 1e-8 and abs(coef) < 5


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _significance(lo: float, hi: float) -> str:
    if lo > 1:
        return "Higher scores go with more disruption, and the association is statistically significant."
    if hi < 1:
        return "Higher scores go with less disruption, and the association is statistically significant."
    return "The association is not statistically significant at this size."


def _survival_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=["time_days", "event", "sdq_score"])
    f = frame[frame["time_days"].notna() & frame["sdq_score"].notna()].copy()
    f["time_days"] = pd.to_numeric(f["time_days"]).astype(float)
    f["event"] = f["event"].astype(bool)
    return f


def km_by_band(frame: pd.DataFrame) -> pd.DataFrame:
    """Kaplan-Meier survival (no disruption) by SDQ band: band, timeline, survival, CI, at risk."""
    from lifelines import KaplanMeierFitter

    f = _survival_rows(frame)
    cols = ["band", "timeline", "survival", "ci_low", "ci_high", "at_risk", "events"]
    if f.empty:
        return pd.DataFrame(columns=cols)
    band = sdq_band(f["sdq_score"]).to_numpy()
    parts = []
    for name in BANDS:
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
    out["band"] = out["band"].astype(pd.CategoricalDtype(list(BANDS), ordered=True))
    return out


def logrank_by_band(frame: pd.DataFrame) -> dict:
    """Log-rank test of equal disruption-free survival across the bands present."""
    from lifelines.statistics import multivariate_logrank_test

    f = _survival_rows(frame)
    band = sdq_band(f["sdq_score"]) if len(f) else pd.Series(dtype=object)
    if len(f) < MIN_N or band.nunique() < 2 or int(f["event"].sum()) == 0:
        return {"p_value": float("nan"), "statistic": float("nan"), "n": len(f)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multivariate_logrank_test(f["time_days"], band.astype(str).to_numpy(), f["event"])
    return {"p_value": float(res.p_value), "statistic": float(res.test_statistic), "n": len(f)}


def cox_model(frame: pd.DataFrame, adjust: bool = True) -> dict:
    """Cox proportional hazards: hazard ratio of disruption per SDQ point (95% CI, robust by child).

    Time from start to disruption, censored at R or at a non-disruption end; adjusted for age at
    start and placement type when possible.
    """
    from lifelines import CoxPHFitter

    f = _survival_rows(frame)
    n = len(f)
    events = int(f["event"].sum()) if n else 0
    out = {
        "n": n,
        "events": events,
        "hr_per_point": float("nan"),
        "ci_low": float("nan"),
        "ci_high": float("nan"),
        "p_value": float("nan"),
        "adjusted_for": [],
        "sentence": "",
    }
    if n < MIN_N or events < MIN_EVENTS:
        out["sentence"] = (
            f"There are too few placements to fit a survival model: {n} placements, {events} "
            f"disruptions (at least {MIN_N} placements and {MIN_EVENTS} disruptions are needed)."
        )
        return out
    f = f.assign(_y=f["event"].astype(float), time_days=f["time_days"].clip(lower=0.5))
    cluster = pd.factorize(f["CHILD"].astype("string"))[0] if "CHILD" in f else np.arange(n)
    for attempt in (True, False) if adjust else (False,):
        x, adjusted = _design(f, attempt)
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
        out.update(
            hr_per_point=hr, ci_low=lo, ci_high=hi, p_value=float(row["p"]), adjusted_for=adjusted
        )
        adj = f", adjusted for {' and '.join(adjusted)}" if adjusted else ""
        out["sentence"] = (
            f"Each extra SDQ point multiplies the hazard of disruption by {hr:.3f} (95% CI "
            f"{lo:.3f} to {hi:.3f}, {_p(out['p_value'])}{adj}; {n} placements, {events} "
            "disruptions). " + _significance(lo, hi)
        )
        return out
    out["sentence"] = "The survival model could not be fitted on these placements."
    return out


# ---------------------------------------------------------------------------------------------
# child-level list (restricted) and the headline summary


SENSITIVITY_MARKING = (
    "OFFICIAL-SENSITIVE (personal data): child-level list for named professionals only; "
    "do not publish or forward."
)


def at_risk_cohort(
    tables: dict[str, pd.DataFrame],
    placements: pd.DataFrame,
    ref_date,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Children looked after at R, in a placement at R, latest SDQ score >= the threshold.

    Child-level (RESTRICTED: the caller writes it only to outputs/YYYY-MM/restricted/). Columns:
    CHILD, age, place, place_group, placement_start, days_in_placement, sdq_score, sdq_date,
    sdq_band, moves_12m (new placements other than a period's first starting in the year to R),
    disruptions_12m (placements disrupting in the year to R), missing_90d / away_90d (missing /
    away episodes starting in the 90 days to R).
    """
    settings = settings or Settings()
    r = pd.Timestamp(ref_date).normalize()
    year_start = r - pd.DateOffset(years=1)
    p = placements.copy()
    p["start"] = pd.to_datetime(p["start"])
    p["end"] = pd.to_datetime(p["end"])
    p["CHILD"] = p["CHILD"].astype("string")

    current = p[(p["start"] <= r) & (p["end"].isna() | (p["end"] > r))]
    current = current.sort_values("start").drop_duplicates("CHILD", keep="last")
    episodes = tables.get("episodes")
    if episodes is not None and len(episodes):
        ep = episodes[~episodes["LS"].astype("string").isin(["V3", "V4"]).fillna(False)]
        decom, dec = pd.to_datetime(ep["DECOM"]), pd.to_datetime(ep["DEC"])
        la = ep.loc[((decom <= r) & (dec.isna() | (dec > r))).to_numpy(), "CHILD"]
        current = current[current["CHILD"].isin(la.astype("string"))]

    scores = _scored(tables.get("sdq"))
    scores = scores[scores["SDQ_DATE"] <= r]
    latest = scores.sort_values("SDQ_DATE", kind="stable").drop_duplicates("CHILD", keep="last")
    out = current.merge(latest, on="CHILD", how="inner")
    out = out[out["SDQ_SCORE"] >= settings.sdq_threshold]

    in_year = (p["start"] > year_start) & (p["start"] <= r)
    first = (
        p["is_first_in_period"].astype("boolean").fillna(False)
        if "is_first_in_period" in p
        else pd.Series(False, index=p.index)
    )
    moves = p[in_year & ~first].groupby("CHILD").size()
    ended_in_year = p["end"].notna() & (p["end"] > year_start) & (p["end"] <= r)
    disrupted = p[ended_in_year & (p["end_category"].astype("string") == "disruption")]
    disruptions = disrupted.groupby("CHILD").size()

    miss = tables.get("missing")
    missing_90 = away_90 = pd.Series(dtype="int64")
    if miss is not None and len(miss):
        day = pd.to_datetime(miss["MIS_START"]).dt.normalize()
        recent = miss[((day > r - pd.Timedelta(days=90)) & (day <= r)).to_numpy()]
        kind = (
            recent["MISSING"].astype("string").str.upper()
            if "MISSING" in recent
            else pd.Series("M", index=recent.index)
        )
        child = recent["CHILD"].astype("string")
        missing_90 = child[(kind != "A").fillna(True)].value_counts()
        away_90 = child[(kind == "A").fillna(False)].value_counts()

    age = (
        _whole_years(pd.to_datetime(out["DOB"]), pd.Series(r, index=out.index))
        if "DOB" in out
        else pd.Series(pd.NA, index=out.index, dtype="Float64")
    )
    result = pd.DataFrame(
        {
            "CHILD": out["CHILD"].to_numpy(),
            "age": age.astype("Int64").to_numpy(),
            "place": out["place"].to_numpy() if "place" in out else pd.NA,
            "place_group": out["place_group"].to_numpy() if "place_group" in out else pd.NA,
            "placement_start": out["start"].to_numpy(),
            "days_in_placement": (r - out["start"]).dt.days.to_numpy(),
            "sdq_score": out["SDQ_SCORE"].astype("int64").to_numpy(),
            "sdq_date": out["SDQ_DATE"].to_numpy(),
            "sdq_band": sdq_band(out["SDQ_SCORE"]).to_numpy(),
        }
    )
    child = result["CHILD"]
    for name, counts in (
        ("moves_12m", moves),
        ("disruptions_12m", disruptions),
        ("missing_90d", missing_90),
        ("away_90d", away_90),
    ):
        result[name] = child.map(counts).fillna(0).astype("int64")
    result = result.sort_values(["sdq_score", "moves_12m", "CHILD"], ascending=[False, False, True])
    result = result.reset_index(drop=True)
    result.attrs["sensitivity"] = SENSITIVITY_MARKING
    result.attrs["restricted"] = True
    result.attrs["reference_date"] = str(r.date())
    result.attrs["threshold"] = settings.sdq_threshold
    return result


def summary(
    frame: pd.DataFrame, settings: Settings | None = None, n_boot: int = 1000, seed: int = 0
) -> dict:
    """Headline results for the report: n, rates, AUC, OR and HR, optimal threshold, verdict."""
    settings = settings or Settings()
    b = _binary(frame)
    events = int(b["y"].sum())
    n = len(b)
    lo, hi = wilson(events, n)
    out = {
        "n_placements": int(len(frame)) if frame is not None else 0,
        "n": n,
        "n_children": int(b["cluster"].nunique()) if n else 0,
        "disrupted": events,
        "rate": float(_rate(events, n)),
        "rate_ci": (float(lo[0]), float(hi[0])),
        "enough": _enough(n, events),
        "threshold": settings.sdq_threshold,
    }
    if not out["enough"]:
        sentence = too_few_sentence(n, events, "analyse disruption against SDQ scores")
        out.update(
            auc=float("nan"),
            auc_ci=(float("nan"), float("nan")),
            or_per_point=float("nan"),
            or_ci=(float("nan"), float("nan")),
            or_p=float("nan"),
            hr_per_point=float("nan"),
            hr_ci=(float("nan"), float("nan")),
            optimal_threshold=None,
            optimal_threshold_ci=(None, None),
            verdict=sentence,
            sentences=[sentence],
        )
        return out
    boots = bootstrap(frame, n_boot, seed)
    logit = logistic_model(frame)
    cox = cox_model(frame)
    opt = optimal_threshold(frame, n_boot, seed)
    verdict = threshold_verdict(
        frame, settings.sdq_threshold, settings.sdq_threshold - 1, n_boot, seed
    )
    out.update(
        auc=auc(frame),
        auc_ci=_percentile_interval(boots["auc"]),
        or_per_point=logit["or_per_point"],
        or_ci=(logit["ci_low"], logit["ci_high"]),
        or_p=logit["p_value"],
        hr_per_point=cox["hr_per_point"],
        hr_ci=(cox["ci_low"], cox["ci_high"]),
        hr_p=cox["p_value"],
        optimal_threshold=opt["threshold"],
        optimal_threshold_ci=(opt["ci_low"], opt["ci_high"]),
        verdict=verdict["sentence"],
        verdict_detail=verdict,
    )
    rate_sentence = (
        f"Of {n} placements with a full 12 months of follow-up, {events} ({_pct(out['rate'])}, "
        f"95% CI {_pct(out['rate_ci'][0])} to {_pct(out['rate_ci'][1])}) disrupted within 12 "
        "months."
    )
    auc_sentence = (
        f"The SDQ score at the start of the placement separates disrupted from undisrupted "
        f"placements with an AUC of {out['auc']:.2f} (95% CI {out['auc_ci'][0]:.2f} to "
        f"{out['auc_ci'][1]:.2f}; 0.5 is no better than chance, 1 is perfect)."
    )
    out["sentences"] = [
        rate_sentence,
        auc_sentence,
        logit["sentence"],
        cox["sentence"],
        opt["sentence"],
        verdict["sentence"],
    ]
    return out
