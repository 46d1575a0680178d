"""Missing-from-care and away-from-placement episodes, typed and joined to the child and placement.

Definitions (SPEC 5; choices the words leave open are marked *):

- An episode belongs to the month its start falls in. MISSING = M is missing (whereabouts
  unknown), A is away from placement (whereabouts known).
- An episode is open when the extract has no MIS_END; an MIS_END cleaning had to blank
  (unreadable, or before the start) makes the end unknown: the incident counts, its duration
  does not, and it is not open.
- Duration: hours between MIS_START and MIS_END when both carry a time of day (`timed`);
  otherwise whole calendar days between the two dates * 24 (*a same-day dates-only episode is
  0 hours*), and the episode is flagged untimed so reports can say so.
- Short breaks are not placements: an episode that starts while the child is only on a short
  break is flagged `short_break` and left out of every figure (`counted`). *An episode that
  matches no care episode at all (a data problem) is kept and counted, `looked_after` False*.
- The child is in care on the start day when a care episode is in force that day
  (`pipeline.model.care.in_care_on`); the placement type is the one in force, a temporary move
  counting as the placement it interrupts.
- Return interview within 72 hours: RHI_DATE - MIS_END <= 72 hours (exactly 72 counts); where
  either value is a date only, within 3 calendar days. An interview before the return does not
  count. Durations and interviews use what the tables record (*an episode counts as ended when it
  has an MIS_END, even if that is after R*).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import care as care_model
from pipeline.model import dates, keys, vocab

NOT_LOOKED_AFTER = "Not looked after"
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
    "end_unknown",
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
    "rhi_offered",
    "rhi_accepted",
    "rhi_took_place",
    "rhi_date",
    "rhi_hours",
    "rhi_timed",
    "rhi_within_72h",
]
_EMPTY = {"CHILD": "str", "MISSING": "str", "MIS_START": dates.NS, "MIS_END": dates.NS}


def _yes_no(frame: pd.DataFrame, col: str) -> pd.Series:
    """A Y/N column as nullable booleans (NA where blank or the column is absent)."""
    if col not in frame:
        return pd.Series(pd.NA, index=frame.index, dtype="boolean")
    known = frame[col].isin(["Y", "N"]).fillna(False).to_numpy(dtype=bool)
    yes = frame[col].eq("Y").fillna(False).to_numpy(dtype=bool)
    return pd.Series(pd.arrays.BooleanArray(yes, ~known), index=frame.index)


def _timed(frame: pd.DataFrame, col: str) -> pd.Series:
    """True where a date-time column carried a time of day (the cleaning's `<col>_TIMED`)."""
    return frame[f"{col}_TIMED"].fillna(False).astype(bool)


def _return_interviews(ms: pd.DataFrame, end: pd.Series, end_date: pd.Series) -> dict:
    """Took place, date, hours from return (days * 24 unless both timed), within 72 hours."""
    if "RHI_DATE" not in ms:
        return {
            "rhi_took_place": pd.Series(pd.NA, index=ms.index, dtype="boolean"),
            "rhi_date": pd.Series(pd.NaT, index=ms.index, dtype=dates.NS),
            "rhi_hours": pd.Series(np.nan, index=ms.index),
            "rhi_timed": pd.Series(pd.NA, index=ms.index, dtype="boolean"),
            "rhi_within_72h": pd.Series(pd.NA, index=ms.index, dtype="boolean"),
        }
    rhi = ms["RHI_DATE"]
    rhi_timed = _timed(ms, "RHI_DATE") & _timed(ms, "MIS_END")
    exact = (rhi - end) / pd.Timedelta(hours=1)
    by_day = (rhi.dt.normalize() - end_date).dt.days * 24.0
    hours = exact.where(rhi_timed, by_day).astype("float64")
    limit = vocab.MISSING["return_interview_hours"]
    within = ((hours >= 0) & (hours <= limit)).astype("boolean")
    return {
        "rhi_took_place": rhi.notna().astype("boolean"),
        "rhi_date": rhi,
        "rhi_hours": hours,
        "rhi_timed": rhi_timed.astype("boolean"),
        "rhi_within_72h": within.where(end.notna(), pd.NA),
    }


def missing_episodes(tables: dict[str, pd.DataFrame], care: care_model.Care) -> pd.DataFrame:
    """Typed missing/away episodes joined to the child and the care episode in force at the start.

    Columns (EPISODE_COLUMNS): CHILD, MISSING (M/A), start, end (datetimes; NaT when open or
    unknown), start_date, end_date, start_month (Period), timed (both ends carry a time), open,
    end_unknown (the extract's end could not be used: neither open nor ended), duration_hours
    (NaN unless ended), DOB, SEX (code), sex (group), age_at_start, age_band,
    looked_after, short_break (excluded from every figure), DECOM, LS, PLACE (of the episode in
    force), place_group (label of the placement type in force; "Not looked after" when none),
    PLACE_PROVIDER, HOME_POST, PL_POST, rhi_offered, rhi_accepted (NA when the local columns are
    absent), rhi_took_place, rhi_date, rhi_hours, rhi_timed, rhi_within_72h; in the cleaned
    table's order (CHILD, MIS_START).
    """
    ms = tables.get("missing")
    if ms is None:
        ms = pd.DataFrame({c: pd.Series(dtype=t) for c, t in _EMPTY.items()}).assign(
            MIS_START_TIMED=pd.Series(dtype=bool), MIS_END_TIMED=pd.Series(dtype=bool)
        )
    ms = ms[ms["CHILD"].notna() & ms["MIS_START"].notna()].reset_index(drop=True)
    start, end = ms["MIS_START"], ms["MIS_END"]
    start_date, end_date = start.dt.normalize(), end.dt.normalize()
    timed = _timed(ms, "MIS_START") & _timed(ms, "MIS_END")
    # an end cleaning had to blank (unreadable, or before the start) is unknown, not open
    blanked = ms["MIS_END_BLANKED"] if "MIS_END_BLANKED" in ms else pd.Series(False, index=ms.index)
    unknown = blanked.fillna(False).astype(bool)
    exact = (end - start) / pd.Timedelta(hours=1)
    by_day = (end_date - start_date).dt.days * 24.0
    out = pd.DataFrame(
        {
            "CHILD": ms["CHILD"].astype("str"),
            "MISSING": ms["MISSING"].astype("str"),
            "start": start,
            "end": end,
            "start_date": start_date,
            "end_date": end_date,
            "start_month": start.dt.to_period("M"),
            "timed": timed.to_numpy(),
            "open": (end.isna() & ~unknown).to_numpy(),
            "end_unknown": unknown.to_numpy(),
            "duration_hours": exact.where(timed, by_day).astype("float64"),
        }
    )

    # the child: DOB and sex from the header (DOB from the missing table where the header has none);
    # lookups go through the distinct children (IDs repeat a lot)
    child_code, child_ids = pd.factorize(out["CHILD"])
    header = tables.get("header")
    if header is not None and len(header):
        h = header.drop_duplicates("CHILD")
        row = keys.positions(child_ids, h["CHILD"])[child_code]
        dob = np.r_[h["DOB"].to_numpy(dtype=dates.NS), np.datetime64("NaT")][row]
        sex = pd.Series(h["SEX"].array.take(row, allow_fill=True), index=out.index, dtype="str")
    else:
        dob = np.full(len(out), np.datetime64("NaT"), dtype=dates.NS)
        sex = pd.Series(pd.NA, index=out.index, dtype="str")
    dob = pd.Series(dob, index=out.index, dtype=dates.NS)
    if "DOB" in ms:
        dob = dob.fillna(ms["DOB"])
    out["DOB"] = dob
    out["SEX"] = sex
    out["sex"] = vocab.sex_group(sex)
    out["age_at_start"] = dates.whole_years(out["DOB"], out["start_date"])
    out["age_band"] = vocab.age_band(out["age_at_start"], "missing")

    # the care episode in force on the start day (short breaks are not placements)
    day = out["start_date"].to_numpy(dtype=dates.NS)
    in_care_code = keys.positions(child_ids, care.children)[child_code]
    row = care_model.in_care_on(care, in_care_code, day)
    live = row >= 0
    out["looked_after"] = live
    out["short_break"] = care_model.on_short_break(care, out["CHILD"], day) & ~live
    ep = care.episodes
    decom = np.r_[ep["DECOM"].to_numpy(dtype=dates.NS), np.datetime64("NaT")]  # row -1: NaT
    out["DECOM"] = decom[row]
    for col in ["LS", "PLACE", "PLACE_PROVIDER", "HOME_POST", "PL_POST"]:
        out[col] = pd.Series(ep[col].array.take(row, allow_fill=True), index=out.index, dtype="str")
    in_force = pd.Series(ep["place_in_force"].array.take(row, allow_fill=True), index=out.index)
    labels = vocab.place_group_label(vocab.place_group(in_force))
    order = [*labels.cat.categories, NOT_LOOKED_AFTER]
    out["place_group"] = pd.Categorical(
        labels.astype("object").where(live, NOT_LOOKED_AFTER), categories=order
    )

    out["rhi_offered"] = _yes_no(ms, "RHI_OFFERED")
    out["rhi_accepted"] = _yes_no(ms, "RHI_ACCEPTED")
    for col, values in _return_interviews(ms, end, end_date).items():
        out[col] = values
    return out[EPISODE_COLUMNS]


def counted(episodes: pd.DataFrame) -> pd.DataFrame:
    """The episodes every figure counts: those that started during a short break set aside."""
    return episodes[~episodes["short_break"].to_numpy(dtype=bool)]
