"""Missing-from-care and away-from-placement episodes, and the SPEC 5 missing indicators.

Pure, vectorised functions over the cleaned tables (`pipeline.clean.CleanResult.tables`):

- `missing_episodes`: one typed row per missing (M) or away (A) episode, with its duration, the
  child's age and sex, the placement the child was in when it started, and the return interview.
- `missing_indicators`: the SPEC 5 missing indicators for many reference dates in one pass.
- `monthly_series`, `compare_periods`, `control_limits`, `breakdown`, `repeat_children`,
  `disruptions_with_missing_before`: what the missing-trends notebook presents.

Definitions (SPEC 5; interpretations are marked *):

- An episode belongs to the month its start falls in; R is the last day of that month (reference
  dates must be month ends: anything else is a ValueError). The year to R is (R - 1 year, R], by
  the dates of MIS_START. `missing_children_12m_pct` counts, of the children looked after at any
  time in the year (short breaks aside), those with an M episode starting in the year.
- Duration: hours between MIS_START and MIS_END when both carry a time of day (`timed`); otherwise
  whole calendar days between the two dates * 24 (*a same-day dates-only episode is 0 hours*), and
  the episode is flagged untimed so reports can say so (`duration_caveat`).
- "Missing" indicators use MISSING = M only (*including `missing_open`, the durations and the
  return-interview percentages*); `away_*` use MISSING = A.
- Short breaks (LS V3/V4) are set aside first: they are not placements, and an episode that starts
  while the child is only on a short break is flagged `short_break` and left out of every indicator.
  *An episode that matches no care episode at all (a data problem) is kept and counted, flagged
  `looked_after = False`*: it is never silently dropped.
- Open at R: started on or before R and not ended by the end of R (MIS_END blank or on/after R + 1
  day).
- Durations and return interviews use what the tables record (*an episode counts as ended when it
  has an MIS_END, even if that is after R*), so a month computed from a later extract uses the later
  knowledge. For the current month of an extract the two readings are the same.
- Return interview within 72 hours: RHI_DATE - MIS_END <= 72 hours (exactly 72 counts as within);
  where either value is a date only, within 3 calendar days. An interview recorded before the return
  does not count as within.
- Out of area (*a proxy*): without LA boundary data, a placement is out of area when the postcode
  area (the letters opening the outward code) of PL_POST differs from that of HOME_POST; pass
  `local_postcodes` (outward-code prefixes of the LA, e.g. ``("S60", "S61")``) to test PL_POST
  against the LA's own districts instead. NA where a postcode is blank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pipeline.paths import reference_date
from pipeline.placements import PLACE_GROUP_LABELS
from pipeline.placements import PLACE_GROUPS as _DFE_GROUPS

SHORT_BREAK_LS = ("V3", "V4")
TEMPORARY_PLACES = ("T0", "T1", "T2", "T3", "T4")

# Placement groups: the same DfE groups as pipeline.placements, with their display labels, plus
# "Temporary" for an episode whose placement row is a T0-T4 temporary placement.
PLACE_GROUPS: dict[str, str] = {
    **{code: PLACE_GROUP_LABELS[group] for group, codes in _DFE_GROUPS.items() for code in codes},
    **{c: "Temporary" for c in TEMPORARY_PLACES},
}
PLACE_GROUP_ORDER = [
    "Foster",
    "Secure and children's homes",
    "Independent / semi-independent / supported",
    "Placed with parents",
    "Placed for adoption",
    "Other residential",
    "Residential schools",
    "Other",
    "Temporary",
    "Not looked after",
]
AGE_BANDS = ["under 10", "10-11", "12-13", "14-15", "16-17", "18+"]
_AGE_EDGES = [-1, 9, 11, 13, 15, 17, 200]
SEX_LABELS = {"1": "Male", "2": "Female"}

EPISODE_COLUMNS = [
    "CHILD",
    "MISSING",
    "start",
    "end",
    "start_date",
    "end_date",
    "start_month",
    "timed",
    "open",
    "duration_hours",
    "DOB",
    "SEX",
    "sex",
    "age_at_start",
    "age_band",
    "looked_after",
    "short_break",
    "DECOM",
    "LS",
    "PLACE",
    "place_group",
    "PLACE_PROVIDER",
    "HOME_POST",
    "PL_POST",
    "out_of_area",
    "rhi_offered",
    "rhi_accepted",
    "rhi_took_place",
    "rhi_date",
    "rhi_hours",
    "rhi_timed",
    "rhi_within_72h",
]

MISSING_INDICATORS = [
    "missing_incidents",
    "missing_children",
    "missing_mean_hours",
    "missing_max_hours",
    "missing_open",
    "away_incidents",
    "away_children",
    "rhi_offered_pct",
    "rhi_within_72h_pct",
    "missing_children_12m_pct",
    "missing_repeat_children_12m",
]
INDICATOR_COLUMNS = ["indicator", "period_end", "value", "numerator", "denominator"]

_DAY = np.timedelta64(1, "D")


# ---------------------------------------------------------------------------------------------
# small helpers


def place_group(place: pd.Series) -> pd.Series:
    """The DfE placement group of each PLACE code ('Other' for Z1/Z11-Z14/P3 and unknown codes)."""
    out = place.map(PLACE_GROUPS).astype("object")
    out = out.where(place.isna() | out.notna(), "Other")
    return pd.Series(pd.Categorical(out, categories=PLACE_GROUP_ORDER), index=place.index)


def age_band(age: pd.Series) -> pd.Series:
    """Age bands for missing-from-care breakdowns (ordered categorical)."""
    return pd.cut(age.astype("float64"), _AGE_EDGES, labels=AGE_BANDS)


def whole_years(dob: pd.Series, at: pd.Series) -> pd.Series:
    """Age in whole years at `at` (vectorised; a birthday on `at` counts)."""
    d = pd.to_datetime(dob)
    a = pd.to_datetime(at)
    years = a.dt.year - d.dt.year
    before = (a.dt.month * 100 + a.dt.day) < (d.dt.month * 100 + d.dt.day)
    return (years - before.astype("int64")).astype("Int64")


def _per_unique(values: pd.Series, fn) -> pd.Series:
    """Apply a string function to the distinct values only (postcodes repeat a lot)."""
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return pd.Series(pd.NA, index=values.index, dtype="str")
    mapped = fn(pd.Series(uniques, dtype="str")).astype("str").to_numpy()
    taken = pd.Series(mapped.take(np.where(codes < 0, 0, codes)), index=values.index, dtype="str")
    return taken.where(codes >= 0, pd.NA)


def _outward(post: pd.Series) -> pd.Series:
    """The outward code (district) of each postcode, upper case: 'S60 1AA' -> 'S60'."""
    return _per_unique(post, lambda u: u.str.upper().str.strip().str.split(" ").str[0])


def _postcode_area(post: pd.Series) -> pd.Series:
    """The postcode area (the leading letters): 'S60 1AA' -> 'S'."""
    return _per_unique(post, lambda u: u.str.upper().str.extract(r"^\s*([A-Z]+)", expand=False))


def _ref_dates(ref_dates) -> pd.DatetimeIndex:
    """Reference dates (month ends; 'YYYY-MM' strings and Periods accepted), sorted, unique."""
    if isinstance(ref_dates, str | pd.Timestamp | pd.Period) or not isinstance(ref_dates, Iterable):
        ref_dates = [ref_dates]
    out = []
    for r in ref_dates:
        if isinstance(r, pd.Period) or (isinstance(r, str) and len(r.strip()) == 7):
            out.append(reference_date(str(r)))
            continue
        ts = pd.Timestamp(r).normalize()
        if ts != ts + pd.offsets.MonthEnd(0):
            raise ValueError(f"reference date {ts.date()} is not the last day of a month")
        out.append(ts)
    return pd.DatetimeIndex(out, dtype="datetime64[ns]").unique().sort_values()


def _month_code(dates) -> np.ndarray:
    d = pd.DatetimeIndex(dates)
    return np.asarray(d.year * 12 + d.month - 1, dtype="float64")


def _days(values) -> np.ndarray:
    """Datetimes -> whole day numbers (int64), NaT -> a large sentinel handled by callers."""
    arr = np.asarray(pd.DatetimeIndex(values).normalize().values, dtype="datetime64[D]")
    return arr.astype("int64")


def _bool_col(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    s = frame[col].astype("str").str.strip().str.upper()
    return s.map({"Y": True, "N": False}).astype("boolean")


def _timed(frame: pd.DataFrame, col: str) -> pd.Series:
    flag = f"{col}_TIMED"
    if flag in frame:
        return frame[flag].fillna(False).astype(bool)
    s = frame[col]  # no flag (e.g. hand-built tables): a time of day other than midnight
    return (s.notna() & (s != s.dt.normalize())).astype(bool)


def _regular(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes that are not short breaks, sorted, with the placement a temporary move interrupts."""
    ep = episodes[~episodes["LS"].isin(SHORT_BREAK_LS)].sort_values(["CHILD", "DECOM"])
    base = ep["PLACE"].where(~ep["PLACE"].isin(TEMPORARY_PLACES))
    ep = ep.assign(base_place=base.groupby(ep["CHILD"], sort=False).ffill().fillna(ep["PLACE"]))
    return ep


def _asof(left: pd.DataFrame, right: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """For each left row (CHILD, start_date), the latest right episode with DECOM <= start_date."""
    r = right[["CHILD", "DECOM", "DEC", *cols]].dropna(subset=["CHILD", "DECOM"])
    r = r.assign(CHILD=r["CHILD"].astype("object")).sort_values("DECOM", kind="stable")
    lf = left[["_row", "CHILD", "start_date"]].assign(CHILD=left["CHILD"].astype("object"))
    merged = pd.merge_asof(
        lf.sort_values("start_date", kind="stable"),
        r,
        left_on="start_date",
        right_on="DECOM",
        by="CHILD",
        direction="backward",
    )
    merged = merged.set_index("_row").reindex(left["_row"])
    live = merged["DECOM"].notna() & (
        merged["DEC"].isna() | (merged["DEC"] >= merged["start_date"])
    )
    merged["_live"] = live.to_numpy()
    return merged


# ---------------------------------------------------------------------------------------------
# episodes


def missing_episodes(
    tables: dict[str, pd.DataFrame],
    settings=None,
    *,
    local_postcodes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Typed missing/away episodes joined to the child and the placement when they started.

    Columns (EPISODE_COLUMNS): CHILD, MISSING (M/A), start, end (datetimes; end NaT when open),
    start_date, end_date, start_month (Period), timed (both ends carry a time), open,
    duration_hours (NaN when open; whole days * 24 when untimed), DOB, SEX (code), sex (label),
    age_at_start, age_band, looked_after (started during a non-short-break episode), short_break
    (started while only on a short break: excluded from indicators), DECOM, LS, PLACE (of the
    episode in force), place_group (of the placement: a temporary T0-T4 move counts as the
    placement it interrupts), PLACE_PROVIDER, HOME_POST, PL_POST, out_of_area, rhi_offered,
    rhi_accepted (nullable booleans; NA when the local columns are absent), rhi_took_place,
    rhi_date, rhi_hours (return to interview), rhi_timed, rhi_within_72h.
    """
    return _episodes(tables, settings, local_postcodes, detail=True)


def _table(tables: dict[str, pd.DataFrame], name: str, columns: dict[str, str]) -> pd.DataFrame:
    """tables[name], or an empty frame with the given columns and dtypes when the extract has none."""
    found = tables.get(name)
    if found is not None:
        return found
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def _episodes(tables, settings, local_postcodes, detail: bool) -> pd.DataFrame:
    """The episodes; without `detail` only what the indicators need (no child or placement join
    beyond telling short breaks apart), which keeps national-scale runs lean."""
    ms = _table(tables, "missing", {"CHILD": "str", "MISSING": "str",
                                    "MIS_START": "datetime64[ns]", "MIS_END": "datetime64[ns]"})
    ms = ms[ms["CHILD"].notna() & ms["MIS_START"].notna()].reset_index(drop=True)
    start = pd.to_datetime(ms["MIS_START"])
    end = pd.to_datetime(ms["MIS_END"])
    start_date = start.dt.normalize()
    end_date = end.dt.normalize()
    timed = _timed(ms, "MIS_START") & _timed(ms, "MIS_END")
    exact = (end - start) / pd.Timedelta(hours=1)
    by_day = (end_date - start_date).dt.days * 24.0
    duration = exact.where(timed, by_day).astype("float64")

    out = pd.DataFrame(
        {
            "_row": np.arange(len(ms)),
            "CHILD": ms["CHILD"].astype("str"),
            "MISSING": ms["MISSING"].astype("str").str.strip().str.upper(),
            "start": start,
            "end": end,
            "start_date": start_date,
            "end_date": end_date,
            "timed": timed.to_numpy(),
            "open": end.isna().to_numpy(),
            "duration_hours": duration,
        }
    )

    if not detail:
        out["short_break"] = _short_break_only(out, tables.get("episodes"))
        out["rhi_offered"] = _bool_col(ms, "RHI_OFFERED")
        if "RHI_DATE" in ms:
            out["rhi_within_72h"] = _rhi(ms, end, end_date)["rhi_within_72h"]
        else:
            out["rhi_within_72h"] = pd.array([pd.NA] * len(out), dtype="boolean")
        return out
    out["start_month"] = start.dt.to_period("M")

    # child: DOB and sex from the header (DOB from the missing table where the header lacks one)
    header = tables.get("header")
    if header is not None and len(header):
        h = header.drop_duplicates("CHILD").set_index("CHILD")
        dob = h["DOB"].reindex(out["CHILD"]).to_numpy()
        sex = h["SEX"].reindex(out["CHILD"]).astype("str").to_numpy()
    else:
        dob = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
        sex = pd.array([pd.NA] * len(out), dtype="str")
    dob = pd.Series(dob, index=out.index, dtype="datetime64[ns]")
    if "DOB" in ms:
        dob = dob.fillna(pd.to_datetime(ms["DOB"]))
    out["DOB"] = dob
    out["SEX"] = pd.Series(sex, index=out.index, dtype="str")
    out["sex"] = pd.Categorical(out["SEX"].map(SEX_LABELS), categories=["Male", "Female"])
    out["age_at_start"] = whole_years(out["DOB"], out["start_date"])
    out["age_band"] = age_band(out["age_at_start"])

    # placement at the start (short breaks are not placements)
    episodes = tables.get("episodes")
    place_cols = ["LS", "PLACE", "base_place", "PLACE_PROVIDER", "HOME_POST", "PL_POST"]
    if episodes is not None and len(episodes):
        reg = _regular(episodes)
        m = _asof(out, reg, place_cols)
        live = m["_live"].to_numpy()
        sb = episodes[episodes["LS"].isin(SHORT_BREAK_LS)]
        on_break = _asof(out, sb, [])["_live"].to_numpy() if len(sb) else np.zeros(len(out), bool)
    else:
        m = pd.DataFrame(index=out.index, columns=["DECOM", *place_cols])
        live = np.zeros(len(out), bool)
        on_break = np.zeros(len(out), bool)
    out["looked_after"] = live
    out["short_break"] = on_break & ~live
    keep = pd.Series(live, index=out.index)
    out["DECOM"] = pd.to_datetime(m["DECOM"].to_numpy()).where(live)
    for col in ["LS", "PLACE", "PLACE_PROVIDER", "HOME_POST", "PL_POST"]:
        out[col] = pd.Series(m[col].to_numpy(), index=out.index, dtype="str").where(keep)
    base = pd.Series(m["base_place"].to_numpy(), index=out.index, dtype="str").where(keep)
    group = place_group(base)
    group = group.where(keep, "Not looked after")
    out["place_group"] = pd.Categorical(group, categories=PLACE_GROUP_ORDER)
    out["out_of_area"] = _out_of_area(out["HOME_POST"], out["PL_POST"], local_postcodes, settings)

    # return home interviews
    out["rhi_offered"] = _bool_col(ms, "RHI_OFFERED")
    out["rhi_accepted"] = _bool_col(ms, "RHI_ACCEPTED")
    if "RHI_DATE" in ms:
        for col, values in _rhi(ms, end, end_date).items():
            out[col] = values
    else:
        out["rhi_took_place"] = pd.array([pd.NA] * len(out), dtype="boolean")
        out["rhi_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        out["rhi_hours"] = np.nan
        out["rhi_timed"] = pd.array([pd.NA] * len(out), dtype="boolean")
        out["rhi_within_72h"] = pd.array([pd.NA] * len(out), dtype="boolean")
    out = out.sort_values(["CHILD", "start"], kind="stable").reset_index(drop=True)
    return out[EPISODE_COLUMNS]


def _rhi(ms: pd.DataFrame, end: pd.Series, end_date: pd.Series) -> dict[str, pd.Series]:
    """Return interview: took place, date, hours from return (days * 24 unless both timed), 72 h."""
    rhi = pd.to_datetime(ms["RHI_DATE"])
    rhi_timed = _timed(ms, "RHI_DATE") & _timed(ms, "MIS_END")
    exact = (rhi - end) / pd.Timedelta(hours=1)
    by_day = (rhi.dt.normalize() - end_date).dt.days * 24.0
    hours = exact.where(rhi_timed, by_day).astype("float64")
    within = ((hours >= 0) & (hours <= 72)).astype("boolean")
    return {
        "rhi_took_place": rhi.notna().astype("boolean"),
        "rhi_date": rhi,
        "rhi_hours": hours,
        "rhi_timed": rhi_timed.astype("boolean"),
        "rhi_within_72h": within.where(end.notna(), pd.NA),
    }


def _short_break_only(out: pd.DataFrame, episodes: pd.DataFrame | None) -> np.ndarray:
    """True where an episode starts while the child is on a short break and in no other care."""
    flag = np.zeros(len(out), bool)
    if episodes is None or len(episodes) == 0:
        return flag
    sb = episodes[episodes["LS"].isin(SHORT_BREAK_LS)]
    if len(sb) == 0:
        return flag
    cand = out["CHILD"].isin(sb["CHILD"].unique()).to_numpy()
    if not cand.any():
        return flag
    sub = out[cand]
    regular = episodes[~episodes["LS"].isin(SHORT_BREAK_LS)]
    live = _asof(sub, regular, [])["_live"].to_numpy()
    on_break = _asof(sub, sb, [])["_live"].to_numpy()
    flag[cand] = on_break & ~live
    return flag


def _out_of_area(home: pd.Series, placed: pd.Series, local, settings) -> pd.Series:
    local = local if local is not None else getattr(settings, "local_postcodes", None)
    if local:
        wanted = {str(p).upper().replace(" ", "") for p in local}
        outward = _outward(placed)
        inside = outward.isin(wanted) | _postcode_area(placed).isin(wanted)
        return (~inside).astype("boolean").where(placed.notna(), pd.NA)
    a, b = _postcode_area(home), _postcode_area(placed)
    return (a != b).astype("boolean").where(a.notna() & b.notna(), pd.NA)


def duration_caveat(episodes: pd.DataFrame, month: str | pd.Period | None = None) -> str:
    """Plain-English caveat when some ended M episodes (of `month`) have dates but no times."""
    e = _counted(episodes)
    e = e[(e["MISSING"] == "M") & ~e["open"]]
    if month is not None:
        e = e[e["start_month"] == pd.Period(str(month), freq="M")]
    n = int((~e["timed"]).sum())
    if n == 0:
        return ""
    return (
        f"{n} of {len(e)} ended missing episodes were recorded with dates only; their durations are "
        "whole days x 24 hours, so averages mix estimated and exact times."
    )


def _counted(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes that indicators count: short breaks set aside."""
    return episodes[~episodes["short_break"]]


# ---------------------------------------------------------------------------------------------
# indicators


def missing_indicators(tables: dict[str, pd.DataFrame], ref_dates, settings=None) -> pd.DataFrame:
    """SPEC 5 missing indicators for every reference date (month end) in one vectorised pass.

    Returns columns `indicator, period_end, value, numerator, denominator`, one row per indicator
    id (MISSING_INDICATORS) and reference date. Counts carry numerator = value; percentages carry
    both; `missing_mean_hours` has numerator = total hours and denominator = ended episodes;
    `missing_max_hours` has the denominator only. RHI percentages are NaN when the local columns
    are absent.
    """
    refs = _ref_dates(ref_dates)
    episodes = _episodes(tables, settings, None, detail=False)
    wide = _wide(episodes, tables, refs, settings)
    return _tidy(wide, refs)


def _wide(episodes, tables, refs: pd.DatetimeIndex, settings) -> dict[str, tuple]:
    """{indicator: (value, numerator, denominator)} arrays aligned to `refs`."""
    ep = _counted(episodes)
    n = len(refs)
    months = _month_code(refs)
    ms = tables.get("missing")
    cols = set(ms.columns) if ms is not None else set()
    nan = np.full(n, np.nan)
    out: dict[str, tuple] = {}
    start_month = _month_code(ep["start_date"]) if len(ep) else np.array([])
    for kind, prefix in (("M", "missing"), ("A", "away")):
        sel = ep[ep["MISSING"].to_numpy() == kind]
        sm = start_month[ep["MISSING"].to_numpy() == kind]
        incidents = _count_by(sm, months)
        children = _distinct_by(sm, sel["CHILD"].to_numpy(), months)
        out[f"{prefix}_incidents"] = (incidents, incidents, nan)
        out[f"{prefix}_children"] = (children, children, nan)

    mm = ep["MISSING"].to_numpy() == "M"
    m = ep[mm]
    sm = start_month[mm]
    ended = ~m["open"].to_numpy()
    hours = m["duration_hours"].to_numpy()
    n_ended = _count_by(sm[ended], months)
    total = _sum_by(sm[ended], hours[ended], months)
    longest = _max_by(sm[ended], hours[ended], months)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n_ended > 0, total / np.where(n_ended > 0, n_ended, 1), np.nan)
    out["missing_mean_hours"] = (mean, np.where(n_ended > 0, total, np.nan), n_ended)
    out["missing_max_hours"] = (longest, nan, n_ended)
    out["missing_open"] = (*(_open_at(m, refs),) * 2, nan)

    for ind, col, flag in (
        ("rhi_offered_pct", "RHI_OFFERED", "rhi_offered"),
        ("rhi_within_72h_pct", "RHI_DATE", "rhi_within_72h"),
    ):
        if col in cols:
            yes = m[flag].fillna(False).to_numpy(dtype=bool) & ended
            num = _count_by(sm[yes], months)
            out[ind] = (_pct(num, n_ended), num, n_ended)
        else:
            out[ind] = (nan, nan, n_ended)

    # year to R: distinct children with an M incident, among children looked after in the year
    w_start = refs - pd.DateOffset(years=1)
    miss_pairs = _window_pairs(m["start_date"], m["start_date"], refs, w_start)
    episodes_table = _table(tables, "episodes", {"CHILD": "str", "LS": "str",
                                                 "DECOM": "datetime64[ns]", "DEC": "datetime64[ns]"})
    codes, _ = pd.factorize(
        pd.concat([m["CHILD"], episodes_table["CHILD"]], ignore_index=True).astype("object")
    )
    # keys child * (n + 1) + ref index: the gap keeps one child's runs apart from the next's
    width = n + 1
    mr, mi = miss_pairs
    miss_key = codes[: len(m)][mi].astype("int64") * width + mr
    keys, per_child = np.unique(miss_key, return_counts=True)
    repeat = np.bincount(keys[per_child >= 3] % width, minlength=width)[:n].astype("float64")
    out["missing_repeat_children_12m"] = (repeat, repeat, nan)
    run_start, run_end = _looked_after_in_year(episodes_table, codes[len(m) :], refs, w_start)
    den = np.zeros(width + 1)
    np.add.at(den, run_start % width, 1)
    np.add.at(den, (run_end - 1) % width + 1, -1)
    den = np.cumsum(den)[:n]
    idx = np.searchsorted(run_start, keys, side="right") - 1
    inside = np.zeros(len(keys), bool)
    if len(run_end):
        inside = (idx >= 0) & (keys < run_end[np.maximum(idx, 0)])
    num = np.bincount(keys[inside] % width, minlength=width)[:n].astype("float64")
    out["missing_children_12m_pct"] = (_pct(num, den), num, den)
    return out


def _tidy(wide: dict[str, tuple], refs: pd.DatetimeIndex) -> pd.DataFrame:
    parts = []
    for ind in MISSING_INDICATORS:
        value, num, den = wide[ind]
        parts.append(
            pd.DataFrame(
                {
                    "indicator": ind,
                    "period_end": refs,
                    "value": np.asarray(value, dtype="float64"),
                    "numerator": np.asarray(num, dtype="float64"),
                    "denominator": np.asarray(den, dtype="float64"),
                }
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    frame["indicator"] = frame["indicator"].astype("str")
    return frame[INDICATOR_COLUMNS]


def _pct(num, den) -> np.ndarray:
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100.0 * num / np.where(den > 0, den, 1), np.nan)


def _positions(keys: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Index into `months` (unique month codes) of each key; -1 when that month was not asked for."""
    return pd.Index(months).get_indexer(np.asarray(keys, dtype="float64"))


def _count_by(keys: np.ndarray, months: np.ndarray) -> np.ndarray:
    pos = _positions(keys, months)
    return np.bincount(pos[pos >= 0], minlength=len(months)).astype("float64")


def _sum_by(keys, weights, months) -> np.ndarray:
    pos = _positions(keys, months)
    ok = pos >= 0
    return np.bincount(pos[ok], weights=weights[ok], minlength=len(months)).astype("float64")


def _max_by(keys, values, months) -> np.ndarray:
    pos = _positions(keys, months)
    ok = pos >= 0
    res = np.full(len(months), -np.inf)
    np.maximum.at(res, pos[ok], values[ok])
    return np.where(np.isneginf(res), np.nan, res)


def _distinct_by(keys, children, months) -> np.ndarray:
    pos = _positions(keys, months)
    ok = pos >= 0
    if not ok.any():
        return np.zeros(len(months))
    pairs = pd.DataFrame({"p": pos[ok], "c": children[ok]}).drop_duplicates()
    return np.bincount(pairs["p"].to_numpy(), minlength=len(months)).astype("float64")


def _open_at(m: pd.DataFrame, refs: pd.DatetimeIndex) -> np.ndarray:
    """Episodes open at each R (sorted): started on or before R, not ended before R + 1 day.

    Each episode is open over a run of consecutive reference dates [lo, hi): a difference array
    and a cumulative sum count them for every R at once.
    """
    r = refs.values
    lo = np.searchsorted(r, m["start_date"].to_numpy(dtype="datetime64[ns]"), side="left")
    end = m["end"].to_numpy(dtype="datetime64[ns]")
    hi = np.where(np.isnat(end), len(r), np.searchsorted(r + _DAY, end, side="right"))
    counts = np.zeros(len(r) + 1)
    ok = hi > lo
    np.add.at(counts, lo[ok], 1)
    np.add.at(counts, hi[ok], -1)
    return np.cumsum(counts)[:-1]


def _window_runs(first, last, refs: pd.DatetimeIndex, w_start: pd.DatetimeIndex):
    """Per row, the run [lo, hi) of reference indices whose window (w_start, R] it overlaps.

    A row overlaps the window of R when first <= R and (last blank or last > w_start). `refs` are
    sorted and w_start = R - 1 year is monotone with them, so the matching R form one run per row.
    """
    lo = np.searchsorted(refs.values, np.asarray(first, dtype="datetime64[ns]"), side="left")
    last = np.asarray(last, dtype="datetime64[ns]")
    hi = np.where(np.isnat(last), len(refs), np.searchsorted(w_start.values, last, side="left"))
    return lo, np.maximum(hi, lo)


def _window_pairs(first, last, refs: pd.DatetimeIndex, w_start: pd.DatetimeIndex):
    """(ref index, row index) pairs where the row's [first, last] overlaps (w_start, R]."""
    lo, hi = _window_runs(first, last, refs, w_start)
    lengths = hi - lo
    rows = np.repeat(np.arange(len(lengths)), lengths)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return lo[rows] + offsets, rows


def _looked_after_in_year(episodes, child_codes, refs, w_start) -> tuple[np.ndarray, np.ndarray]:
    """Children looked after at any time in the year to each R, as disjoint sorted key runs.

    SPEC 5: short breaks set aside; an episode overlaps the year to R if it started on or before R
    and ended on or after the year's first day (R - 1 year + 1 day), or has not ended. Each
    episode covers a run of reference indices; a child's runs are merged, and returned as keys
    [child * (n + 1) + lo, child * (n + 1) + hi) so one sorted array serves every child and R.
    """
    width = len(refs) + 1
    regular = ~episodes["LS"].isin(SHORT_BREAK_LS).to_numpy()
    ep = episodes[regular]
    lo, hi = _window_runs(ep["DECOM"], ep["DEC"], refs, w_start)
    code = np.asarray(child_codes)[regular].astype("int64")
    keep = hi > lo
    start = code[keep] * width + lo[keep]
    end = code[keep] * width + hi[keep]
    order = np.argsort(start, kind="stable")
    start, end = start[order], end[order]
    if len(start) == 0:
        return start, end
    reach = np.maximum.accumulate(end)
    new_run = np.ones(len(start), bool)
    new_run[1:] = start[1:] > reach[:-1]
    first = np.flatnonzero(new_run)
    last = np.append(first[1:], len(start)) - 1
    return start[first], reach[last]


# ---------------------------------------------------------------------------------------------
# series and comparisons


def monthly_series(
    tables: dict[str, pd.DataFrame], end_month, n_months: int = 24, settings=None
) -> pd.DataFrame:
    """Month-by-month figures for charts, oldest first, with 3-month rolling means.

    Columns: month (Period), period_end, missing_incidents, missing_children, away_incidents,
    away_children, missing_open, missing_mean_hours, missing_max_hours, untimed_episodes (ended M
    episodes of the month with dates only), missing_incidents_3m, missing_children_3m,
    away_incidents_3m (rolling means over the month and the two before it; the two earlier months
    are computed too, so every row has one).
    """
    end = pd.Period(str(end_month), freq="M")
    months = pd.period_range(end - (n_months + 1), end, freq="M")
    refs = pd.DatetimeIndex([m.to_timestamp(how="end").normalize() for m in months])
    episodes = _episodes(tables, settings, None, detail=False)
    wide = _wide(episodes, tables, refs, settings)
    frame = pd.DataFrame({"month": months, "period_end": refs})
    for ind in (
        "missing_incidents",
        "missing_children",
        "away_incidents",
        "away_children",
        "missing_open",
        "missing_mean_hours",
        "missing_max_hours",
    ):
        frame[ind] = wide[ind][0]
    ep = _counted(episodes)
    untimed = ep[(ep["MISSING"] == "M") & ~ep["open"] & ~ep["timed"]]
    frame["untimed_episodes"] = _count_by(_month_code(untimed["start_date"]), _month_code(refs))
    for col in ("missing_incidents", "missing_children", "away_incidents"):
        frame[f"{col}_3m"] = frame[col].rolling(3).mean()
    return frame.iloc[2:].reset_index(drop=True)


def compare_periods(
    current: int,
    previous: int,
    *,
    current_exposure: float = 1.0,
    previous_exposure: float = 1.0,
    alpha: float = 0.05,
) -> dict:
    """Compare two incident counts (e.g. this month against last month or last year).

    Treats each as a Poisson count and uses the exact conditional test: given the total n, the
    current count is Binomial(n, e_c / (e_c + e_p)) under "no change in the underlying rate"
    (exposures e default to 1, i.e. equal months; pass e.g. children looked after to compare rates).
    Returns current, previous, change, change_pct, rate_ratio with an exact 95% interval,
    p_value (two-sided), significant (p < alpha) and a plain-English verdict.
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
    significant = p_value < alpha
    change = c - p
    if significant:
        verdict = (
            f"The change from {p} to {c} is larger than normal month-to-month variation "
            f"(p = {p_value:.3f})."
        )
    else:
        verdict = (
            f"The change from {p} to {c} is within normal month-to-month variation "
            f"(p = {p_value:.2f}); it is not statistically significant."
        )
    return {
        "current": c,
        "previous": p,
        "change": change,
        "change_pct": 100.0 * change / p if p > 0 else math.nan,
        "rate_ratio": ratio,
        "ci_low": lo,
        "ci_high": hi,
        "p_value": p_value,
        "significant": significant,
        "verdict": verdict,
    }


def control_limits(series: pd.Series, baseline: int | None = None) -> pd.DataFrame:
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
# breakdowns and child-level views


def breakdown(episodes: pd.DataFrame, by: str, month=None, kind: str = "M") -> pd.DataFrame:
    """Incidents and distinct children by `by` ('age_band', 'sex', 'place_group' or any column).

    `month` (YYYY-MM or Period) keeps episodes starting in that month; `kind` 'M', 'A' or None
    (both). Short breaks are set aside. Columns: <by>, incidents, children, incidents_pct.
    Every category of a categorical column appears, with 0 where none.
    """
    e = _counted(episodes)
    if kind is not None:
        e = e[e["MISSING"] == kind]
    if month is not None:
        e = e[e["start_month"] == pd.Period(str(month), freq="M")]
    key = e[by]
    grouped = e.groupby(key, observed=False, dropna=False)
    frame = pd.DataFrame(
        {"incidents": grouped.size(), "children": grouped["CHILD"].nunique()}
    ).fillna(0)
    frame = frame.astype("int64").rename_axis(by).reset_index()
    total = frame["incidents"].sum()
    frame["incidents_pct"] = 100.0 * frame["incidents"] / total if total else np.nan
    return frame


def repeat_children(
    episodes: pd.DataFrame, ref_date, months: int = 12, threshold: int = 3, kind: str = "M"
) -> pd.DataFrame:
    """Children with `threshold`+ incidents starting in the `months` to R, most incidents first.

    Child-level (restricted outputs only). Columns: CHILD, incidents, first_start, last_start,
    total_hours (ended episodes), open_episodes, age_at_latest, place_group_at_latest.
    With the defaults, the row count equals `missing_repeat_children_12m`.
    """
    r = _ref_dates(ref_date)[0]
    e = _counted(episodes)
    e = e[(e["MISSING"] == kind) & (e["start_date"] <= r)]
    e = e[e["start_date"] > r - pd.DateOffset(months=months)].sort_values(["CHILD", "start"])
    g = e.groupby("CHILD", sort=False)
    frame = pd.DataFrame(
        {
            "incidents": g.size(),
            "first_start": g["start"].min(),
            "last_start": g["start"].max(),
            "total_hours": g["duration_hours"].sum(),
            "open_episodes": g["open"].sum(),
            "age_at_latest": g["age_at_start"].last(),
            "place_group_at_latest": g["place_group"].last(),
        }
    )
    frame = frame[frame["incidents"] >= threshold].rename_axis("CHILD").reset_index()
    return frame.sort_values(["incidents", "CHILD"], ascending=[False, True], ignore_index=True)


def disruptions_with_missing_before(
    placements: pd.DataFrame,
    episodes: pd.DataFrame,
    days: int = 30,
    *,
    disruption: str | Iterable[str] = ("disruption", "disrupted", "breakdown"),
) -> pd.DataFrame:
    """Missing/away episodes starting in the `days` before each placement end.

    `placements` needs CHILD, end (NaT while open) and end_category; rows whose end_category is
    one of `disruption` (case-insensitive) are flagged `disrupted`. An episode counts for a
    placement ending on day E when it started on a date in [E - days, E]. Returns the placements
    with missing_before, away_before (counts; 0 for open placements), any_missing_before and
    disrupted added, in the input order.
    """
    cats = {disruption.lower()} if isinstance(disruption, str) else {d.lower() for d in disruption}
    out = placements.copy()
    e = _counted(episodes)
    end = pd.to_datetime(placements["end"])
    for kind, col in (("M", "missing_before"), ("A", "away_before")):
        sel = e[e["MISSING"] == kind]
        codes, _ = pd.factorize(
            pd.concat([sel["CHILD"], placements["CHILD"]], ignore_index=True).astype("object")
        )
        big = np.int64(1_000_000)
        ep_key = codes[: len(sel)].astype("int64") * big + _days(sel["start_date"]) + 500_000
        ep_key = np.sort(ep_key)
        pl_code = codes[len(sel) :].astype("int64") * big
        has_end = end.notna().to_numpy()
        end_day = np.where(has_end, _days(end.fillna(pd.Timestamp(0))), 0) + 500_000
        lo = np.searchsorted(ep_key, pl_code + end_day - days, side="left")
        hi = np.searchsorted(ep_key, pl_code + end_day, side="right")
        out[col] = np.where(has_end, hi - lo, 0).astype("int64")
    out["any_missing_before"] = out["missing_before"] > 0
    category = placements["end_category"].astype("str").str.lower()
    out["disrupted"] = category.isin(cats).fillna(False).astype(bool).to_numpy()
    return out


def month_summary(episodes: pd.DataFrame, month) -> dict:
    """The seeds' council's figures for one month: missing incidents starting in the month, the
    children involved and their age range, mean and longest duration of those that ended, and
    return home interviews (None where the extract has no RHI columns)."""
    m = pd.Period(str(month), freq="M")
    e = _counted(episodes)
    e = e[(e["MISSING"] == "M") & (e["start_month"] == m)]
    ended = e[~e["open"]]
    ages = e["age_at_start"].dropna()
    has_rhi = "rhi_offered" in e and e["rhi_offered"].notna().any()
    return {
        "month": str(m),
        "incidents": int(len(e)),
        "children": int(e["CHILD"].nunique()),
        "age_min": int(ages.min()) if len(ages) else None,
        "age_max": int(ages.max()) if len(ages) else None,
        "ended": int(len(ended)),
        "open": int(e["open"].sum()),
        "mean_hours": float(ended["duration_hours"].mean()) if len(ended) else float("nan"),
        "max_hours": float(ended["duration_hours"].max()) if len(ended) else float("nan"),
        "all_timed": bool(ended["timed"].all()) if len(ended) else True,
        "rhi_offered": int(ended["rhi_offered"].fillna(False).astype(bool).sum()) if has_rhi else None,
        "rhi_took_place": int(ended["rhi_took_place"].fillna(False).astype(bool).sum()) if has_rhi else None,
        "rhi_within_72h": int(ended["rhi_within_72h"].fillna(False).astype(bool).sum()) if has_rhi else None,
    }
