"""SPEC section 5 indicators: cleaned tables + reference dates -> one tidy frame.

Every function takes the cleaned-table dict (`header`, `episodes`, `sdq`, `oc2`, ...), any number of
reference dates R (month ends) and `Settings`, and returns rows
``indicator, period_end, value, numerator, denominator`` (one per indicator id and R).

Many reference dates are computed in one vectorised pass, never by a loop of recomputes: each
period (or placement) is turned into the contiguous range of reference dates it is active at
(`numpy.searchsorted` over the sorted dates) and exploded into (child, R) pairs; events are binned
by their calendar month; per-child counts "on or before a date" (placements for 3+, the latest SDQ
score) are sorted searches over integer keys child * 2**21 + day. Children are integer-coded once
(`pipeline.placements.build_model`).

Conventions (SPEC 5): R is the last day of reporting month M and events "in M" are those dated in
the calendar month containing R; "year to R" is (R - 1 year, R], i.e. from ys = R - 1 year + 1 day
to R; "looked after at R" means an episode with DECOM <= R < DEC (or DEC blank), short breaks set
aside; ages are whole years at R. Percentages are 0-100 and NaN when the denominator is 0.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

from pipeline.config import Settings
from pipeline.paths import parse_month, reference_date
from pipeline.placements import ADOPTION_NEW_CARER, build_model

TIDY_COLUMNS = ["indicator", "period_end", "value", "numerator", "denominator"]
KPI_COLUMNS = [
    "indicator",
    "label",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "unit",
    "higher_is_better",
    "target",
    "rag",
]
PLACEMENT_INDICATORS = [
    "cla_count",
    "cla_rate_per_10k",
    "cla_starts",
    "cla_ceased",
    "placements_3plus_pct",
    "placement_moves",
    "disruptions",
    "long_term_stability_pct",
    "sdq_eligible",
    "sdq_completion_pct",
    "sdq_mean",
    "sdq_concern_pct",
    "sdq_high_in_placement",
]
SDQ_CONCERN = 17  # SDQ bands: 0-13 normal, 14-16 borderline, 17-40 cause for concern
RAG_AMBER_BAND = 0.10  # within 10% (relative) of the target is amber
_MONTH_TEXT = re.compile(r"^\d{4}-\d{2}$")
_NS = "datetime64[ns]"
_KEY_SHIFT = np.int64(1 << 21)  # sort keys child code * 2**21 + day: days may span ~5,700 years


# ---------------------------------------------------------------------------------------------
# reference dates


def month_ends(month, n: int = 24) -> pd.DatetimeIndex:
    """The `n` month-end reference dates up to and including `month` ('YYYY-MM'), oldest first."""
    end = month if isinstance(month, pd.Period) else parse_month(str(month)[:7])
    months = pd.period_range(end=end.asfreq("M"), periods=n, freq="M")
    return pd.DatetimeIndex(months.to_timestamp(how="end").normalize()).astype(_NS)


def as_reference_dates(ref_dates) -> pd.DatetimeIndex:
    """Reference dates as a sorted, unique DatetimeIndex (ns, midnight).

    Accepts one value or an iterable of: 'YYYY-MM' (-> its last day), monthly Periods (-> last
    day), dates/Timestamps/date strings (taken as given).
    """
    if isinstance(ref_dates, str | pd.Period | pd.Timestamp | np.datetime64) or not isinstance(
        ref_dates, Iterable
    ):
        ref_dates = [ref_dates]
    out = []
    for r in ref_dates:
        if isinstance(r, pd.Period):
            out.append(r.asfreq("M").to_timestamp(how="end").normalize())
        elif isinstance(r, str) and _MONTH_TEXT.match(r.strip()):
            out.append(reference_date(r.strip()))
        else:
            out.append(pd.Timestamp(r).normalize())
    return pd.DatetimeIndex(sorted(set(out))).astype(_NS)


def _year_starts(refs: pd.DatetimeIndex) -> np.ndarray:
    """First day of the year to R: R - 1 calendar year + 1 day (sorted like refs)."""
    return (refs - pd.DateOffset(years=1) + pd.Timedelta(days=1)).to_numpy(dtype=_NS)


def _months_before(refs: pd.DatetimeIndex, months: int) -> np.ndarray:
    return (refs - pd.DateOffset(months=months)).to_numpy(dtype=_NS)


def _month_key(dates) -> np.ndarray:
    """year * 12 + month (float, NaN for NaT): equal for dates in the same calendar month."""
    d = pd.DatetimeIndex(np.asarray(dates, dtype=_NS))
    return (d.year * 12 + d.month).to_numpy(dtype="float64", na_value=np.nan)


def _ymd(dates) -> np.ndarray:
    d = pd.DatetimeIndex(np.asarray(dates, dtype=_NS))
    return (d.year * 10000 + d.month * 100 + d.day).to_numpy(dtype="float64", na_value=np.nan)


# ---------------------------------------------------------------------------------------------
# interval explosion: which reference dates each row is active at


def _explode(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and reference positions for every row i and position r with lo[i] <= r < hi[i]."""
    n = np.clip(hi - lo, 0, None).astype("int64")
    rows = np.repeat(np.arange(len(lo)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return rows, np.repeat(lo, n) + offsets


def _active_at(start: np.ndarray, end: np.ndarray, refs: np.ndarray):
    """(rows, ref positions) with start <= R < end (end NaT: open)."""
    lo = np.searchsorted(refs, start, side="left")
    hi = np.where(np.isnat(end), len(refs), np.searchsorted(refs, end, side="left"))
    lo = np.where(np.isnat(start), len(refs), lo)
    return _explode(lo, hi)


def _events_in_month(dates, refs: pd.DatetimeIndex) -> np.ndarray:
    """Count of dates falling in the calendar month of each reference date."""
    keys = _month_key(dates)
    ref_keys = _month_key(refs)
    pos = pd.Index(ref_keys).get_indexer(keys)
    return np.bincount(pos[pos >= 0], minlength=len(refs)).astype("float64")


# ---------------------------------------------------------------------------------------------
# SDQ history


def sdq_scores(tables: dict[str, pd.DataFrame], refs: pd.DatetimeIndex) -> pd.DataFrame:
    """Dated SDQ scores: CHILD, SDQ_DATE, SDQ_SCORE (rows with a score only).

    The local `sdq` table (a dated history) is preferred. Without it, the undated 903 `oc2` scores
    are used, each treated as dated on every reference date (i.e. current at each R): a caveat for
    series over several months, since oc2 holds one score per child per collection year.
    """
    cols = ["CHILD", "SDQ_DATE", "SDQ_SCORE"]
    sdq = tables.get("sdq")
    if sdq is not None and len(sdq) and {"SDQ_DATE", "SDQ_SCORE"} <= set(sdq.columns):
        out = sdq.loc[sdq["SDQ_SCORE"].notna() & sdq["SDQ_DATE"].notna(), cols]
        return out.astype({"SDQ_DATE": _NS, "SDQ_SCORE": "float64"})
    oc2 = tables.get("oc2")
    if oc2 is not None and len(oc2) and "SDQ_SCORE" in oc2.columns:
        scored = oc2.loc[oc2["SDQ_SCORE"].notna(), ["CHILD", "SDQ_SCORE"]]
        out = scored.merge(pd.DataFrame({"SDQ_DATE": refs}), how="cross")
        return out[cols].astype({"SDQ_DATE": _NS, "SDQ_SCORE": "float64"})
    return pd.DataFrame(
        {
            "CHILD": pd.Series(dtype="str"),
            "SDQ_DATE": pd.Series(dtype=_NS),
            "SDQ_SCORE": pd.Series(dtype="float64"),
        }
    )


def _day_number(dates) -> np.ndarray:
    """Days since 1970-01-01 as int64 (dates must not be NaT)."""
    return np.asarray(dates, dtype=_NS).astype("datetime64[D]").astype("int64")


def _latest_score(
    child: np.ndarray, ref_pos: np.ndarray, refs: np.ndarray, scores: pd.DataFrame, codes: pd.Index
) -> tuple[np.ndarray, np.ndarray]:
    """For each (child code, ref position) pair: (date, score) of the latest score on or before R.

    One sorted search over integer keys child * 2**21 + day number (an as-of join by child).
    """
    n = len(child)
    dates = np.full(n, np.datetime64("NaT"), dtype=_NS)
    values = np.full(n, np.nan)
    if n == 0 or scores.empty:
        return dates, values
    s_code = codes.get_indexer(scores["CHILD"])
    keep = s_code >= 0
    s_code = s_code[keep].astype("int64")
    s_date = scores["SDQ_DATE"].to_numpy(dtype=_NS)[keep]
    s_score = scores["SDQ_SCORE"].to_numpy(dtype="float64")[keep]
    offset = min(_day_number(s_date).min(initial=0), _day_number(refs).min(initial=0))
    shift = _KEY_SHIFT
    s_key = s_code * shift + (_day_number(s_date) - offset)
    order = np.argsort(s_key, kind="stable")
    s_key, s_code, s_date, s_score = s_key[order], s_code[order], s_date[order], s_score[order]
    q_key = child.astype("int64") * shift + (_day_number(refs[ref_pos]) - offset)
    hit = np.searchsorted(s_key, q_key, side="right") - 1
    found = hit >= 0
    hit = np.where(found, hit, 0)
    found &= s_code[hit] == child if len(s_code) else np.zeros(n, dtype=bool)
    dates[found] = s_date[hit[found]]
    values[found] = s_score[hit[found]]
    return dates, values


def _count_on_or_before(
    code: np.ndarray, dates: np.ndarray, q_code: np.ndarray, q_dates: np.ndarray, inclusive: bool
) -> np.ndarray:
    """For each query (child, date): how many of that child's `dates` are <= (or <) the date.

    A sorted search over integer keys child * 2**21 + day number, vectorised over all queries.
    """
    if len(code) == 0 or len(q_code) == 0:
        return np.zeros(len(q_code), dtype="int64")
    days = _day_number(dates)
    q_days = _day_number(q_dates)
    base = min(days.min(), q_days.min())
    keys = np.sort(code.astype("int64") * _KEY_SHIFT + (days - base))
    q = q_code.astype("int64") * _KEY_SHIFT
    side = "right" if inclusive else "left"
    upto = np.searchsorted(keys, q + (q_days - base), side=side)
    return upto - np.searchsorted(keys, q, side="left")


def _periods_overlap(code: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """True if a child's period begins before its previous one ended (or the previous is open)."""
    if len(code) < 2:
        return False
    same = code[1:] == code[:-1]
    prev_end = end[:-1]
    return bool((same & (np.isnat(prev_end) | (prev_end > start[1:]))).any())


def _last_per_key(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Positions keeping, for each distinct key, the row with the largest value."""
    order = np.lexsort((value, key))
    k = key[order]
    last = np.r_[k[1:] != k[:-1], True] if len(k) else np.zeros(0, dtype=bool)
    return np.sort(order[last])


# ---------------------------------------------------------------------------------------------
# the indicators


def _pct(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), np.nan)


def placement_indicators(
    tables: dict[str, pd.DataFrame], ref_dates, settings: Settings | None = None
) -> pd.DataFrame:
    """Looked-after, placement-stability and SDQ indicators (SPEC 5) for every reference date.

    Ids: cla_count, cla_rate_per_10k, cla_starts, cla_ceased, placements_3plus_pct,
    placement_moves, disruptions, long_term_stability_pct, sdq_eligible, sdq_completion_pct,
    sdq_mean, sdq_concern_pct, sdq_high_in_placement. Numerators and denominators:

    - cla_count: value = numerator = children looked after at R.
    - cla_rate_per_10k: cla_count / population_0_17 (denominator) * 10,000.
    - cla_starts / cla_ceased: periods of care starting / ending in M.
    - placements_3plus_pct: looked-after children at R with 3+ placements (carer spells, any period)
      overlapping the year to R / children looked after at R.
    - placement_moves: placements starting in M that are not the first of their period.
    - disruptions: placements ending in M with the child moving on and a breakdown reason.
    - long_term_stability_pct: denominator = looked after at R, under 16 at R, current period began
      on or before R - 30 months; numerator = of those, current placement began on or before
      R - 24 months, or it is an adoption placement (A4, A6) and the placement before it in the
      period began on or before R - 24 months.
    - sdq_eligible: looked after at R, current period began on or before the year's first day
      (R - 1 year + 1 day: looked after throughout the year), aged 5-16 at R; denominator cla_count.
    - sdq_completion_pct: eligible children whose latest score on or before R is dated in the year
      to R / sdq_eligible. sdq_mean: sum / number of those latest scores. sdq_concern_pct: those
      latest scores >= 17 / their number.
    - sdq_high_in_placement: children looked after at R whose latest score dated on or before R
      (any date) is >= settings.sdq_threshold; denominator = looked after at R with any score.
    """
    settings = settings or Settings()
    refs_idx = as_reference_dates(ref_dates)
    refs = refs_idx.to_numpy(dtype=_NS)
    nref = len(refs)
    ys = _year_starts(refs_idx)
    ref_ymd = _ymd(refs)
    m = build_model(tables, settings)
    per, pl = m.periods, m.placements
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    none = np.full(nref, np.nan)

    # looked after at R: (child, R) pairs from periods active at R (periods are contiguous runs of
    # episodes, so a period is active at R exactly when one of its episodes is)
    p_start = per["period_start"].to_numpy(dtype=_NS)
    p_end = per["period_end"].to_numpy(dtype=_NS)
    p_code = m.period_child
    rows, la_r = _active_at(p_start, p_end, refs)
    overlapping = _periods_overlap(p_code, p_start, p_end)
    if overlapping:  # bad data (an open episode not last): count the child once, latest period
        keep = _last_per_key(p_code[rows] * nref + la_r, p_start[rows])
        rows, la_r = rows[keep], la_r[keep]
    la_code = p_code[rows]
    la_start = p_start[rows]
    la_age = np.floor((ref_ymd[la_r] - _ymd(per["DOB"])[rows]) / 10000.0)
    cla = np.bincount(la_r, minlength=nref).astype("float64")
    out["cla_count"] = (cla, cla, none)
    pop = float(settings.population_0_17)
    out["cla_rate_per_10k"] = (cla / pop * 10_000, cla, np.full(nref, pop))

    starts = _events_in_month(p_start, refs_idx)
    ceased = _events_in_month(p_end, refs_idx)
    out["cla_starts"] = (starts, starts, none)
    out["cla_ceased"] = (ceased, ceased, none)

    # 3+ placements overlapping the year to R: for each looked-after (child, R), the child's
    # placements started on or before R minus those that ended before the year's first day
    pl_start = pl["start"].to_numpy(dtype=_NS)
    pl_end = pl["end"].to_numpy(dtype=_NS)
    pl_code = m.placement_child
    ended = ~np.isnat(pl_end)
    started = _count_on_or_before(pl_code, pl_start, la_code, refs[la_r], inclusive=True)
    gone = _count_on_or_before(pl_code[ended], pl_end[ended], la_code, ys[la_r], inclusive=False)
    three = (started - gone) >= 3
    num3 = np.bincount(la_r[three], minlength=nref).astype("float64")
    out["placements_3plus_pct"] = (_pct(num3, cla), num3, cla)

    first_in_period = pl["is_first_in_period"].to_numpy(dtype=bool)
    moves = _events_in_month(pl_start[~first_in_period], refs_idx)
    out["placement_moves"] = (moves, moves, none)
    disrupted = pl["end_category"].eq("disruption").to_numpy(dtype=bool)
    disr = _events_in_month(pl_end[disrupted], refs_idx)
    out["disruptions"] = (disr, disr, none)

    # long-term stability: the current placement at R
    c_rows, c_r = _active_at(pl_start, pl_end, refs)
    if overlapping:
        keep = _last_per_key(pl_code[c_rows] * nref + c_r, pl_start[c_rows])
        c_rows, c_r = c_rows[keep], c_r[keep]
    prev_start = np.r_[np.datetime64("NaT", "ns"), pl_start[:-1]].astype(_NS)
    prev_start[first_in_period] = np.datetime64("NaT")
    adoption = pl["place"].isin(ADOPTION_NEW_CARER).to_numpy(dtype=bool)
    age = np.floor((ref_ymd[c_r] - _ymd(pl["DOB"])[c_rows]) / 10000.0)
    in_care_30 = pl["period_start"].to_numpy(dtype=_NS)[c_rows] <= _months_before(refs_idx, 30)[c_r]
    cut24 = _months_before(refs_idx, 24)[c_r]
    eligible = (age < 16) & in_care_30
    stable = (pl_start[c_rows] <= cut24) | (adoption[c_rows] & (prev_start[c_rows] <= cut24))
    den_lts = np.bincount(c_r[eligible], minlength=nref).astype("float64")
    num_lts = np.bincount(c_r[eligible & stable], minlength=nref).astype("float64")
    out["long_term_stability_pct"] = (_pct(num_lts, den_lts), num_lts, den_lts)

    # SDQ
    scores = sdq_scores(tables, refs_idx)
    codes = pd.Index(m.children)
    last_date, last_score = _latest_score(la_code, la_r, refs, scores, codes)
    sdq_elig = (la_start <= ys[la_r]) & (la_age >= 5) & (la_age <= 16)
    in_year = ~np.isnat(last_date) & (last_date >= ys[la_r])
    scored = sdq_elig & in_year
    n_elig = np.bincount(la_r[sdq_elig], minlength=nref).astype("float64")
    n_scored = np.bincount(la_r[scored], minlength=nref).astype("float64")
    total = np.bincount(la_r[scored], weights=last_score[scored], minlength=nref)
    concern_rows = la_r[scored & (last_score >= SDQ_CONCERN)]
    concern = np.bincount(concern_rows, minlength=nref).astype("float64")
    out["sdq_eligible"] = (n_elig, n_elig, cla)
    out["sdq_completion_pct"] = (_pct(n_scored, n_elig), n_scored, n_elig)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n_scored > 0, total / np.where(n_scored > 0, n_scored, 1), np.nan)
    out["sdq_mean"] = (mean, total, n_scored)
    out["sdq_concern_pct"] = (_pct(concern, n_scored), concern, n_scored)
    has_score = ~np.isnan(last_score)
    high = has_score & (last_score >= settings.sdq_threshold)
    n_high = np.bincount(la_r[high], minlength=nref).astype("float64")
    n_any = np.bincount(la_r[has_score], minlength=nref).astype("float64")
    out["sdq_high_in_placement"] = (n_high, n_high, n_any)

    return _tidy(out, refs_idx)


def _tidy(out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], refs) -> pd.DataFrame:
    nref = len(refs)
    frames = [
        pd.DataFrame(
            {
                "indicator": np.repeat(name, nref),
                "period_end": refs,
                "value": np.asarray(v, dtype="float64"),
                "numerator": np.asarray(n, dtype="float64"),
                "denominator": np.asarray(d, dtype="float64"),
            }
        )
        for name, (v, n, d) in out.items()
    ]
    if not frames:
        return _empty_tidy()
    tidy = pd.concat(frames, ignore_index=True)
    return tidy.astype({"indicator": "str", "period_end": _NS})[TIDY_COLUMNS]


def _empty_tidy() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "indicator": pd.Series(dtype="str"),
            "period_end": pd.Series(dtype=_NS),
            "value": pd.Series(dtype="float64"),
            "numerator": pd.Series(dtype="float64"),
            "denominator": pd.Series(dtype="float64"),
        }
    )


def all_indicators(
    tables: dict[str, pd.DataFrame], ref_dates, settings: Settings | None = None
) -> pd.DataFrame:
    """Every SPEC 5 indicator available: placement/SDQ ones plus `pipeline.missing`'s, if present."""
    settings = settings or Settings()
    refs = as_reference_dates(ref_dates)
    parts = [placement_indicators(tables, refs, settings)]
    try:
        from pipeline.missing import missing_indicators
    except ImportError:
        missing_indicators = None
    if missing_indicators is not None:
        parts.append(missing_indicators(tables, refs, settings))
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return _empty_tidy()
    tidy = pd.concat([p[TIDY_COLUMNS] for p in parts], ignore_index=True)
    return tidy.astype({"period_end": _NS})


# ---------------------------------------------------------------------------------------------
# KPI table


@lru_cache(maxsize=1)
def indicator_register() -> dict[str, dict]:
    """pipeline/data/indicators.toml: {id: {label, unit, higher_is_better}} in register order."""
    text = files("pipeline").joinpath("data/indicators.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def rag_status(value: float, target: float, higher_is_better) -> str:
    """'green' meets the target; 'amber' misses it by no more than 10% of the target (relative);
    'red' otherwise; '' when there is no target, no value, or the indicator has no polarity.
    """
    if value is None or target is None or pd.isna(value) or pd.isna(target):
        return ""
    if higher_is_better is True:
        if value >= target:
            return "green"
        return "amber" if value >= target - abs(target) * RAG_AMBER_BAND else "red"
    if higher_is_better is False:
        if value <= target:
            return "green"
        return "amber" if value <= target + abs(target) * RAG_AMBER_BAND else "red"
    return ""


def kpi_table(
    tables: dict[str, pd.DataFrame], month, settings: Settings | None = None
) -> pd.DataFrame:
    """The kpis.csv rows for one reporting month (SPEC 5).

    Columns: indicator (stable id), label, period_end (R), value, numerator, denominator, unit,
    higher_is_better (True / False / NA), target, rag, then benchmark_<name> for each benchmark set
    in the settings (e.g. benchmark_national, benchmark_statistical_neighbours). Rows follow the
    order of pipeline/data/indicators.toml. Targets and benchmarks come from `settings.targets` /
    `settings.benchmarks`. RAG rule: green when the value meets the target (>= when higher is
    better, <= when lower is better); amber when it misses by no more than 10% of the target
    (relative); red otherwise; empty when there is no target, no value, or no polarity.
    """
    settings = settings or Settings()
    refs = as_reference_dates([month])
    tidy = all_indicators(tables, refs, settings)
    register = indicator_register()
    order = {name: i for i, name in enumerate(register)}
    tidy = tidy.assign(_order=tidy["indicator"].map(order).fillna(len(order)))
    tidy = tidy.sort_values(["_order", "indicator"], kind="stable").drop(columns="_order")
    meta = [register.get(name, {}) for name in tidy["indicator"]]
    polarity = [m.get("higher_is_better", "") for m in meta]
    polarity = [p if isinstance(p, bool) else None for p in polarity]
    target = tidy["indicator"].map(settings.targets).astype("float64")
    table = pd.DataFrame(
        {
            "indicator": tidy["indicator"].to_numpy(),
            "label": [m.get("label", "") for m in meta],
            "period_end": tidy["period_end"].to_numpy(),
            "value": tidy["value"].to_numpy(),
            "numerator": tidy["numerator"].to_numpy(),
            "denominator": tidy["denominator"].to_numpy(),
            "unit": [m.get("unit", "") for m in meta],
            "higher_is_better": pd.array(polarity, dtype="boolean"),
            "target": target.to_numpy(),
            "rag": [
                rag_status(v, t, p) for v, t, p in zip(tidy["value"], target, polarity, strict=True)
            ],
        }
    )
    for name, values in settings.benchmarks.items():
        table[f"benchmark_{name}"] = table["indicator"].map(values).astype("float64")
    return table.astype({"indicator": "str", "label": "str", "unit": "str", "rag": "str"})
