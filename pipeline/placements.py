"""Periods of care and placements (carer spells) from cleaned 903 episodes (SPEC section 5).

Pure, vectorised functions: cleaned tables in, tidy DataFrames out. Episodes are sorted by
(CHILD, DECOM) and every rule is a comparison with the previous / next row of the same child,
period or placement (shift, cumsum, ffill), never a Python loop per child.

Definitions (SPEC 5):

- Short breaks (LS V3/V4) are set aside before anything else (`care_episodes`).
- A *period of care* continues while the previous episode ended with REC = X1 and this episode
  starts on that DEC date; the first episode of a child, an episode with RNE S, an episode after a
  gap and an episode after any other REC (or after an open episode) start a new period.
- A *placement* starts at the first episode of each period and at each later episode with RNE P or
  B (also T and U when `Settings.count_same_carer_moves`). RNE L (and by default T, U) continue it.
- Temporary placements (PLACE T0-T4) never start a placement: they are folded into the placement
  they interrupt. The next non-temporary episode after a temporary run continues that placement
  when its PLACE and PL_POST match the last episode before the run (a blank PL_POST matches a
  blank); otherwise it starts a new placement, whatever its RNE.
- Placed for adoption with the current foster carer (PLACE A3, A5) continues the current placement
  (unless it opens a period).

How a placement ends (`end_category`): ``open`` (no end date); ``left_care`` (the last placement
of a period that has ended); otherwise the child moved to the next placement of the same period and
REASON_PLACE_CHANGE on the ending episode decides: a breakdown code -> ``disruption``, the
settings' other-unplanned, planned and status-change groups -> ``other_unplanned``, ``planned``,
``status_change``; a reason in none of the groups (OTHER, CUSTOD) or blank -> ``other_unplanned``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.config import Settings

SHORT_BREAK_LS = ("V3", "V4")
TEMPORARY_PLACE = ("T0", "T1", "T2", "T3", "T4")
ADOPTION_SAME_CARER = ("A3", "A5")  # placed for adoption with current foster carer(s)
ADOPTION_NEW_CARER = ("A4", "A6")  # placed for adoption, not with current foster carer(s)

# Placement-type groups exactly as DfE publishes them (REFERENCE.md, "Placement groups DfE uses").
# Codes in none of them (P3, T0-T4, Z1, Z11-Z14, unknown) are "other". The missing-from-care report
# uses the same groups, so the two reports label placement types alike.
PLACE_GROUPS: dict[str, tuple[str, ...]] = {
    "foster": ("U1", "U2", "U3", "U4", "U5", "U6"),
    "secure_childrens_homes": ("K1", "K2"),
    "independent": ("H5", "P2", "K3"),
    "placed_with_parents": ("P1",),
    "adoption": ("A3", "A4", "A5", "A6"),
    "other_residential": ("R1", "R2", "R3", "R5"),
    "residential_school": ("S1",),
}
PLACE_GROUP_LABELS: dict[str, str] = {
    "foster": "Foster",
    "secure_childrens_homes": "Secure and children's homes",
    "independent": "Independent / semi-independent / supported",
    "placed_with_parents": "Placed with parents",
    "adoption": "Placed for adoption",
    "other_residential": "Other residential",
    "residential_school": "Residential schools",
    "other": "Other",
}
END_CATEGORIES = (
    "disruption",
    "other_unplanned",
    "planned",
    "status_change",
    "left_care",
    "open",
)

PERIOD_COLUMNS = ["CHILD", "period_id", "period_start", "period_end", "DOB", "SEX", "age_at_entry"]
PLACEMENT_COLUMNS = [
    "CHILD",
    "period_id",
    "placement_id",
    "placement_seq",
    "is_first_in_period",
    "start",
    "end",
    "place",
    "place_group",
    "provider",
    "end_reason",
    "end_category",
    "moved_to_next",
    "DOB",
    "SEX",
    "age_at_start",
    "period_start",
]


# ---------------------------------------------------------------------------------------------
# small vectorised helpers


def age_years(dob, at) -> pd.Series:
    """Whole years between `dob` and `at` (element-wise; either may be a scalar). Int64, NA if unknown.

    Uses the yyyymmdd trick: age = floor((at as yyyymmdd - dob as yyyymmdd) / 10000), which
    counts a birthday as reached on the day itself (a child born 29 February turns a year older
    on 1 March in other years).
    """
    dob_s = pd.Series(dob) if not isinstance(dob, pd.Series) else dob
    at_s = pd.Series(at) if not isinstance(at, pd.Series) else at
    index = dob_s.index if isinstance(dob, pd.Series) else at_s.index
    a = _ymd(dob_s.to_numpy())
    b = _ymd(at_s.to_numpy())
    years = np.floor((b - a) / 10000.0)
    return pd.Series(years, index=index).astype("Int64")


def _ymd(values) -> np.ndarray:
    """Dates as float yyyymmdd (NaN for NaT)."""
    d = pd.DatetimeIndex(np.asarray(values, dtype="datetime64[ns]"))
    return (d.year * 10000 + d.month * 100 + d.day).to_numpy(dtype="float64", na_value=np.nan)


def place_group(place: pd.Series) -> pd.Series:
    """The placement-type group of each PLACE code (see PLACE_GROUPS; anything else 'other')."""
    lookup = {code: group for group, codes in PLACE_GROUPS.items() for code in codes}
    return place.map(lookup).fillna("other").astype("str")


def _first_of_run(keys: np.ndarray) -> np.ndarray:
    """True where a row starts a new run of equal keys (keys sorted so runs are contiguous)."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[1:] = keys[1:] != keys[:-1]
    return out


def _last_of_run(keys: np.ndarray) -> np.ndarray:
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[:-1] = keys[:-1] != keys[1:]
    return out


def _bool(series: pd.Series) -> np.ndarray:
    return series.fillna(False).to_numpy(dtype=bool)


def _text(series: pd.Series, positions: np.ndarray) -> np.ndarray:
    """Values at `positions` as an object array with blanks as '' (so blank matches blank)."""
    return series.iloc[positions].fillna("").to_numpy(dtype=object)


# ---------------------------------------------------------------------------------------------
# episodes and periods


def care_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """Episodes with short breaks (LS V3/V4) set aside, sorted by CHILD, DECOM, fresh index.

    Ties on DECOM (only possible around a same-day DEC == DECOM episode) put the earlier DEC first.
    """
    keep = ~_bool(episodes["LS"].isin(SHORT_BREAK_LS))
    return (
        episodes.loc[keep]
        .sort_values(["CHILD", "DECOM", "DEC"], kind="stable", na_position="last")
        .reset_index(drop=True)
    )


def _with_periods(ep: pd.DataFrame) -> pd.DataFrame:
    """Sorted care episodes + period_id (global, 0..n-1), new_period, period_start."""
    if ep.empty:
        return ep.assign(
            period_id=pd.Series(dtype="int64"),
            new_period=pd.Series(dtype="bool"),
            period_start=pd.Series(dtype="datetime64[ns]"),
            _child=pd.Series(dtype="int64"),
        )
    same_child = _bool(ep["CHILD"].eq(ep["CHILD"].shift(1)))
    prev_rec_x1 = np.r_[False, _bool(ep["REC"].eq("X1"))[:-1]]
    decom = ep["DECOM"].to_numpy(dtype="datetime64[ns]")
    dec = ep["DEC"].to_numpy(dtype="datetime64[ns]")
    starts_on_prev_end = np.r_[False, decom[1:] == dec[:-1]]  # NaT never equals anything
    not_s = ~_bool(ep["RNE"].eq("S"))
    new_period = ~(same_child & prev_rec_x1 & starts_on_prev_end & not_s)
    period_id = np.cumsum(new_period) - 1
    period_start = decom[new_period][period_id]
    child_code = np.cumsum(~same_child) - 1  # 0, 1, ... per child in sorted order
    return ep.assign(
        period_id=period_id, new_period=new_period, period_start=period_start, _child=child_code
    )


def _take(series: pd.Series, mask: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """The values of `series` where `mask`, keeping the column's own (e.g. arrow string) array."""
    return series.array[mask]


@dataclass(frozen=True)
class _Children:
    """Per-child attributes in child-code order (codes from `_with_periods`)."""

    ids: pd.Series  # CHILD
    dob: np.ndarray  # datetime64[ns], NaT where the header has no row
    sex: pd.api.extensions.ExtensionArray


def _children(ep: pd.DataFrame, header: pd.DataFrame | None) -> _Children:
    first = _first_of_run(ep["_child"].to_numpy()) if len(ep) else np.zeros(0, dtype=bool)
    ids = pd.Series(_take(ep["CHILD"], first), dtype="str")
    if header is None or "CHILD" not in header or header.empty:
        return _Children(
            ids,
            np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]"),
            pd.array([pd.NA] * len(ids), dtype="str"),
        )
    h = header.drop_duplicates("CHILD")
    pos = pd.Index(h["CHILD"].astype("str")).get_indexer(ids)
    found = pos >= 0
    dob = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[ns]")
    if "DOB" in h:
        dob[found] = h["DOB"].to_numpy(dtype="datetime64[ns]")[pos[found]]
    sex = h["SEX"].astype("str").array if "SEX" in h else pd.array([pd.NA] * len(h), dtype="str")
    return _Children(ids, dob, sex.take(pos, allow_fill=True))


def _child_attributes(frame: pd.DataFrame, kids: _Children, code: np.ndarray) -> pd.DataFrame:
    """Add DOB and SEX (NaT / NA where the header has no row for the child)."""
    return frame.assign(
        DOB=pd.Series(kids.dob[code], index=frame.index, dtype="datetime64[ns]"),
        SEX=pd.Series(kids.sex.take(code), index=frame.index, dtype="str"),
    )


def _periods_from(ep: pd.DataFrame, kids: _Children) -> pd.DataFrame:
    first = ep["new_period"].to_numpy(dtype=bool)
    last = _last_of_run(ep["period_id"].to_numpy())
    out = pd.DataFrame(
        {
            "CHILD": _take(ep["CHILD"], first),
            "period_id": ep["period_id"].to_numpy()[first].astype("int64"),
            "period_start": ep["DECOM"].to_numpy(dtype="datetime64[ns]")[first],
            "period_end": ep["DEC"].to_numpy(dtype="datetime64[ns]")[last],
        }
    ).astype({"CHILD": "str"})
    out = _child_attributes(out, kids, ep["_child"].to_numpy()[first])
    out["age_at_entry"] = age_years(out["DOB"], out["period_start"])
    return out[PERIOD_COLUMNS]


def periods(episodes: pd.DataFrame, header: pd.DataFrame | None = None) -> pd.DataFrame:
    """Periods of care: CHILD, period_id, period_start, period_end (NaT open), DOB, SEX, age_at_entry.

    Short breaks are set aside first. period_id numbers the periods 0..n-1 in (CHILD, start) order.
    """
    ep = _with_periods(care_episodes(episodes))
    return _periods_from(ep, _children(ep, header))


# ---------------------------------------------------------------------------------------------
# placements


def _placement_flags(ep: pd.DataFrame, settings: Settings) -> np.ndarray:
    """True where an episode (sorted, with period_id) starts a new placement."""
    n = len(ep)
    if n == 0:
        return np.zeros(0, dtype=bool)
    first = ep["new_period"].to_numpy(dtype=bool)
    place = ep["PLACE"]
    temp = _bool(place.isin(TEMPORARY_PLACE))
    adopt_same = _bool(place.isin(ADOPTION_SAME_CARER))
    moving_rne = {"P", "B"} | ({"T", "U"} if settings.count_same_carer_moves else set())
    rne_new = _bool(ep["RNE"].isin(moving_rne))
    prev_temp = np.r_[False, temp[:-1]] & ~first
    # a return from a temporary run: compare PLACE and PL_POST with the last non-temporary
    # episode before the run (found by a running maximum of non-temporary positions)
    pos = np.arange(n)
    last_regular = np.maximum.accumulate(np.where(~temp, pos, -1))
    anchor = np.r_[-1, last_regular[:-1]]
    check = np.flatnonzero(prev_temp & ~temp)
    a = anchor[check]
    a_ok = a >= 0
    a = np.where(a_ok, a, 0)
    period_id = ep["period_id"].to_numpy()
    post = ep["PL_POST"]
    same = (
        a_ok
        & (period_id[a] == period_id[check])
        & (_text(place, check) == _text(place, a))
        & (_text(post, check) == _text(post, a))
    )
    returns = np.zeros(n, dtype=bool)
    returns[check] = same
    carer_change = np.where(prev_temp, ~returns, rne_new)
    return first | (~temp & ~adopt_same & carer_change)


def _placements_from(
    ep: pd.DataFrame, kids: _Children, settings: Settings, new: np.ndarray | None = None
) -> pd.DataFrame:
    new = _placement_flags(ep, settings) if new is None else new
    placement_id = np.cumsum(new) - 1
    last = _last_of_run(placement_id) if len(ep) else np.zeros(0, dtype=bool)
    period_id = ep["period_id"].to_numpy()
    last_in_period = _last_of_run(period_id) if len(ep) else np.zeros(0, dtype=bool)
    out = pd.DataFrame(
        {
            "CHILD": _take(ep["CHILD"], new),
            "period_id": period_id[new].astype("int64"),
            "placement_id": placement_id[new].astype("int64"),
            "start": ep["DECOM"].to_numpy(dtype="datetime64[ns]")[new],
            "end": ep["DEC"].to_numpy(dtype="datetime64[ns]")[last],
            "place": _take(ep["PLACE"], new),
            "provider": _take(ep["PLACE_PROVIDER"], new),
            "end_reason": _take(ep["REASON_PLACE_CHANGE"], last),
            "moved_to_next": ~last_in_period[last],
            "period_start": ep["period_start"].to_numpy(dtype="datetime64[ns]")[new],
        }
    ).astype({"CHILD": "str", "place": "str", "provider": "str", "end_reason": "str"})
    seq = out.groupby("period_id", sort=False).cumcount() + 1
    out["placement_seq"] = seq.astype("int64")
    out["is_first_in_period"] = (seq == 1).to_numpy(dtype=bool)
    out["place_group"] = place_group(out["place"])
    out["end_category"] = _end_category(out, settings)
    out = _child_attributes(out, kids, ep["_child"].to_numpy()[new])
    out["age_at_start"] = age_years(out["DOB"], out["start"])
    return out[PLACEMENT_COLUMNS]


def _end_category(pl: pd.DataFrame, settings: Settings) -> pd.Series:
    codes, uniques = pd.factorize(pl["end_reason"], use_na_sentinel=True)
    group = {c: "disruption" for c in settings.breakdown}
    group.update({c: "planned" for c in settings.planned})
    group.update({c: "status_change" for c in settings.status_change})
    by_reason = np.array([group.get(u, "other_unplanned") for u in uniques] + ["other_unplanned"])
    category = by_reason[codes]  # code -1 (blank reason) -> the appended other_unplanned
    category = np.where(pl["moved_to_next"].to_numpy(dtype=bool), category, "left_care")
    category = np.where(pl["end"].isna().to_numpy(), "open", category)
    return pd.Series(category, index=pl.index, dtype="str")


def placements(
    episodes: pd.DataFrame,
    header: pd.DataFrame | None = None,
    settings: Settings | None = None,
) -> pd.DataFrame:
    """One row per placement (carer spell), in (CHILD, start) order. See the module docstring.

    Columns: CHILD, period_id, placement_id, placement_seq (1, 2, ... within the period),
    is_first_in_period, start, end (NaT open), place (PLACE of the placement's first episode),
    place_group, provider (its PLACE_PROVIDER), end_reason (REASON_PLACE_CHANGE of the ending
    episode), end_category, moved_to_next (another placement follows in the same period), DOB,
    SEX, age_at_start, period_start.
    """
    settings = settings or Settings()
    ep = _with_periods(care_episodes(episodes))
    return _placements_from(ep, _children(ep, header), settings)


@dataclass(frozen=True)
class Model:
    """Periods and placements of one extract, with integer child codes for fast joins.

    `period_child[i]` / `placement_child[j]` index `children` (CHILD ids, sorted).
    """

    periods: pd.DataFrame
    placements: pd.DataFrame
    children: pd.Series
    period_child: np.ndarray
    placement_child: np.ndarray


def build_model(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> Model:
    """Periods and placements of a cleaned extract, sharing one pass over the episodes."""
    settings = settings or Settings()
    ep = _with_periods(care_episodes(tables["episodes"]))
    kids = _children(ep, tables.get("header"))
    new_placement = _placement_flags(ep, settings)
    per = _periods_from(ep, kids)
    pl = _placements_from(ep, kids, settings, new_placement)
    code = ep["_child"].to_numpy().astype("int64")
    new_period = ep["new_period"].to_numpy(dtype=bool)
    return Model(per, pl, kids.ids, code[new_period], code[new_placement])


def model(
    tables: dict[str, pd.DataFrame], settings: Settings | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(periods, placements) of a cleaned extract, sharing one pass over the episodes."""
    m = build_model(tables, settings)
    return m.periods, m.placements


def moves(placements_frame: pd.DataFrame) -> pd.DataFrame:
    """Placement moves (carer changes): one row per placement that is not the first of its period.

    Columns: CHILD, period_id, placement_id (the new placement), date (its start),
    from_placement_id, from_place, from_place_group, to_place, to_place_group, reason and
    category (how the previous placement ended), age (at the move).
    """
    pl = placements_frame.sort_values(["CHILD", "start"], kind="stable").reset_index(drop=True)
    prev = pl.shift(1)
    mv = ~pl["is_first_in_period"].to_numpy(dtype=bool)
    out = pd.DataFrame(
        {
            "CHILD": pl["CHILD"],
            "period_id": pl["period_id"],
            "placement_id": pl["placement_id"],
            "date": pl["start"],
            "from_placement_id": prev["placement_id"],
            "from_place": prev["place"],
            "from_place_group": prev["place_group"],
            "to_place": pl["place"],
            "to_place_group": pl["place_group"],
            "reason": prev["end_reason"],
            "category": prev["end_category"],
            "age": pl["age_at_start"],
        }
    )
    out = out.loc[mv].reset_index(drop=True)
    return out.astype({"from_placement_id": "int64"}) if len(out) else out


# ---------------------------------------------------------------------------------------------
# breakdowns for the report (one reference date)

ENTRY_AGE_BANDS = ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"]  # DfE's age bands
_ENTRY_AGE_EDGES = [-1, 0, 4, 9, 15, 200]
ENDING_LABELS = {
    "disruption": "Disruption (broke down)",
    "other_unplanned": "Other unplanned",
    "planned": "Planned move",
    "status_change": "Status change only",
    "left_care": "Left care",
}


def _wilson_pct(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.stats.proportion import proportion_confint

    n = np.asarray(n, dtype="float64")
    k = np.asarray(k, dtype="float64")
    safe = np.where(n > 0, n, 1)
    low, high = proportion_confint(k, safe, alpha=0.05, method="wilson")
    return np.where(n > 0, 100 * low, np.nan), np.where(n > 0, 100 * high, np.nan)


def children_at(tables: dict[str, pd.DataFrame], ref_date, settings: Settings) -> pd.DataFrame:
    """Children looked after at R, one row each: age at entry to the current period, number of
    placements overlapping the year to R, and the current placement's group."""
    ref = pd.Timestamp(ref_date).normalize()
    year_start = ref - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    per, pl = model(tables, settings)
    current = per[(per["period_start"] <= ref) & (per["period_end"].isna() | (per["period_end"] > ref))]
    current = current.sort_values("period_start").drop_duplicates("CHILD", keep="last")
    overlapping = pl[(pl["start"] <= ref) & (pl["end"].isna() | (pl["end"] >= year_start))]
    counts = overlapping.groupby("CHILD").size().rename("placements_12m")
    now = pl[(pl["start"] <= ref) & (pl["end"].isna() | (pl["end"] > ref))]
    now = now.sort_values("start").drop_duplicates("CHILD", keep="last").set_index("CHILD")
    out = current[["CHILD", "period_start", "age_at_entry"]].set_index("CHILD")
    out = out.join(counts).join(now[["place", "place_group"]])
    out["placements_12m"] = out["placements_12m"].fillna(0).astype("int64")
    return out.reset_index()


def three_plus_breakdown(
    tables: dict[str, pd.DataFrame], ref_date, settings: Settings
) -> dict[str, pd.DataFrame]:
    """Children looked after at R with 3+ placements in the year to R, by age at entry to care
    (DfE bands) and by current placement group: group, n, k, rate (%), 95% Wilson ci_low/ci_high.
    The k's add up to the numerator of placements_3plus_pct."""
    kids = children_at(tables, ref_date, settings)
    kids["three_plus"] = kids["placements_12m"] >= 3
    kids["entry_band"] = pd.cut(kids["age_at_entry"].astype("float64"), _ENTRY_AGE_EDGES,
                                labels=ENTRY_AGE_BANDS)
    kids["group"] = kids["place_group"].map(PLACE_GROUP_LABELS).astype("object").fillna("Not recorded")
    out = {}
    for name, column in (("age_at_entry", "entry_band"), ("placement_type", "group")):
        g = kids.groupby(column, observed=False)["three_plus"]
        frame = pd.DataFrame({"n": g.size(), "k": g.sum()}).fillna(0).astype("int64")
        frame = frame.rename_axis("group").reset_index()
        frame["group"] = frame["group"].astype("str")
        frame["rate"] = np.where(frame["n"] > 0, 100 * frame["k"] / frame["n"].clip(lower=1), np.nan)
        frame["ci_low"], frame["ci_high"] = _wilson_pct(frame["k"], frame["n"])
        out[name] = frame
    return out


def change_reasons(placements_frame: pd.DataFrame, ref_date, settings: Settings) -> pd.DataFrame:
    """Placements ending in the year to R, by ending category and REASON_PLACE_CHANGE code."""
    from pipeline.codes import code_lists

    labels = {k: v.get("label", k) for k, v in code_lists()["REASON_PLACE_CHANGE"].items()}
    ref = pd.Timestamp(ref_date).normalize()
    ended = placements_frame[(placements_frame["end"] > ref - pd.DateOffset(years=1))
                             & (placements_frame["end"] <= ref)
                             & (placements_frame["end_category"] != "left_care")]
    reason = ended["end_reason"].astype("object").fillna("(none)")
    counts = (ended.assign(reason=reason).groupby(["end_category", "reason"]).size()
              .rename("placements").reset_index())
    order = {c: i for i, c in enumerate(ENDING_LABELS)}
    counts = counts.assign(_o=counts["end_category"].map(order)).sort_values(
        ["_o", "placements"], ascending=[True, False])
    return pd.DataFrame({
        "Ending": counts["end_category"].map(ENDING_LABELS).fillna(counts["end_category"]),
        "Reason": counts["reason"].map(labels).fillna(counts["reason"]),
        "placements": counts["placements"],
    }).reset_index(drop=True)
