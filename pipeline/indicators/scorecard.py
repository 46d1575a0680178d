"""The corporate parenting scorecard (SPEC 5b): reviews, legal status, family-based care, why
children leave care, adoptions and special guardianship, placement orders, UASC.

- reviews_held: reviews dated in M of children looked after on the review date
  (`pipeline.model.reviews.held_reviews`); reviews_on_time_pct: of those, % held by their due date.
- review_participation_pct: reviews in the 12 months to R of children aged 4+ (REVIEW_CODE not
  PN0), % with PN1-PN6.
- s20_pct: of children looked after at R, % whose episode in force at R has LS V2.
- family_based_pct: of children looked after at R, % whose current placement is foster care
  (U1-U6), placed with parents (P1) or placed for adoption (A3-A6).
- ceased_<group>_pct: periods of care ending in the 12 months to R with REC (of the period's last
  episode) in the group, % of all periods ending then (numerator the count).
- adoptions_fytd / sgo_fytd: periods ending from 1 April before or on R to R with REC E11/E12 /
  special guardianship (E43-E48).
- placement_order_waiting: looked after at R, LS E1 at R, current placement not A3-A6;
  placement_order_waiting_days: the median days since the order (the start of the run of E1
  episodes in force at R) for those children.
- uasc_count: children looked after at R in the UASC table whose status had not ceased by R (DUC
  blank or after R).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care as care_model
from pipeline.model import dates, reviews
from pipeline.stats import pct

RULES = definitions()["scorecard"]
REC_GROUPS: dict[str, tuple[str, ...]] = {g: tuple(c) for g, c in RULES["rec_groups"].items()}
CEASED_IDS = tuple(f"ceased_{g}_pct" for g in REC_GROUPS)
IDS = (
    "reviews_held",
    "reviews_on_time_pct",
    "review_participation_pct",
    "s20_pct",
    "family_based_pct",
    *CEASED_IDS,
    "adoptions_fytd",
    "sgo_fytd",
    "placement_order_waiting",
    "placement_order_waiting_days",
    "uasc_count",
)


def financial_year_start(refs: pd.DatetimeIndex) -> np.ndarray:
    """1 April on or before each R."""
    month = RULES["financial_year_start_month"]
    year = refs.year - (refs.month < month)
    return pd.to_datetime({"year": year, "month": month, "day": 1}).to_numpy(dtype=dates.NS)


def count_between(event: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """How many `event` dates fall in [lo, hi] for each window (NaT events ignored)."""
    e = np.sort(event[~np.isnat(event)])
    return (np.searchsorted(e, hi, side="right") - np.searchsorted(e, lo, side="left")).astype(
        "float64"
    )


def period_rec(care: care_model.Care) -> np.ndarray:
    """The REC of each period's last episode (rows of care.periods)."""
    ep = care.episodes
    pid = ep["period_id"].to_numpy()
    last = np.r_[pid[1:] != pid[:-1], True] if len(pid) else np.zeros(0, dtype=bool)
    out = np.full(len(care.periods), "", dtype=object)
    out[pid[last]] = ep["REC"].astype("str").to_numpy()[last]
    return out


def order_since(care: care_model.Care, codes) -> np.ndarray:
    """For each episode: the DECOM of the first episode of the run (same period) with LS in
    `codes` that it belongs to; NaT for episodes with another LS."""
    ep = care.episodes
    on = ep["LS"].isin(codes).to_numpy()
    pid = ep["period_id"].to_numpy()
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    new_run = on & np.r_[True, ~on[:-1] | (pid[1:] != pid[:-1])] if len(on) else on
    idx = np.maximum.accumulate(np.where(new_run, np.arange(len(on)), 0))
    return np.where(on, decom[idx], np.datetime64("NaT")).astype(dates.NS)


def _review_figures(at: AtReferenceDates) -> dict[str, tuple]:
    rv = reviews.held_reviews(at.model.tables, at.model.care)
    day = rv["REVIEW"].to_numpy(dtype=dates.NS)
    pos = dates.month_position(day, at.refs) if len(rv) else np.zeros(0, dtype="int64")
    in_month = pos >= 0
    held = at.count(pos[in_month])
    on_time = at.count(pos[in_month & rv["on_time"].to_numpy(dtype=bool)])
    code = rv["REVIEW_CODE"].to_numpy(dtype=object)
    aged_4 = code != reviews.UNDER_FOUR
    took_part = np.isin(code, reviews.PARTICIPATED)
    lo, hi = at.year_start, at.values
    eligible = count_between(day[aged_4], lo, hi) if len(rv) else np.zeros(at.n)
    part = count_between(day[aged_4 & took_part], lo, hi) if len(rv) else np.zeros(at.n)
    return {
        "reviews_held": (held, held, at.none),
        "reviews_on_time_pct": (pct(on_time, held), on_time, held),
        "review_participation_pct": (pct(part, eligible), part, eligible),
    }


def _status_figures(at: AtReferenceDates) -> dict[str, tuple]:
    care = at.model.care
    la = at.looked_after
    episode = care_model.in_care_on(care, la.child, at.values[la.ref])
    safe = np.where(episode >= 0, episode, 0)
    ls = care.episodes["LS"].astype("str").to_numpy()[safe]
    s20 = (episode >= 0) & np.isin(ls, RULES["section_20_ls"])
    n_s20 = at.count(la.ref[s20])
    cur = at.current_placements
    place = at.model.placements["place"].astype("str").to_numpy()[cur.rows]
    family = at.count(cur.ref[np.isin(place, RULES["family_based_place"])])
    # placement orders: E1 in force at R, not yet placed for adoption
    since = order_since(care, RULES["placement_order_ls"])[safe]
    on_order = (episode >= 0) & ~np.isnat(since)
    placed_code = np.asarray(RULES["placed_for_adoption_place"], dtype=object)
    place_in_force = care.episodes["place_in_force"].astype("str").to_numpy()[safe]
    waiting = on_order & ~np.isin(place_in_force, placed_code)
    n_wait = at.count(la.ref[waiting])
    days = (at.values[la.ref] - since).astype("timedelta64[D]").astype("float64")
    median = np.full(at.n, np.nan)
    frame = pd.DataFrame({"ref": la.ref[waiting], "days": days[waiting]})
    med = frame.groupby("ref")["days"].median()
    median[med.index.to_numpy()] = med.to_numpy()
    return {
        "s20_pct": (pct(n_s20, at.cla), n_s20, at.cla),
        "family_based_pct": (pct(family, at.cla), family, at.cla),
        "placement_order_waiting": (n_wait, n_wait, at.cla),
        "placement_order_waiting_days": (median, at.none, n_wait),
    }


def _leaving_figures(at: AtReferenceDates) -> dict[str, tuple]:
    per = at.model.periods
    end = per["period_end"].to_numpy(dtype=dates.NS)
    rec = period_rec(at.model.care)
    all_ceased = count_between(end, at.year_start, at.values)
    out: dict[str, tuple] = {}
    for group, codes in REC_GROUPS.items():
        n = count_between(end[np.isin(rec, codes)], at.year_start, at.values)
        out[f"ceased_{group}_pct"] = (pct(n, all_ceased), n, all_ceased)
    fy = financial_year_start(at.refs)
    adopted = count_between(end[np.isin(rec, REC_GROUPS["adopted"])], fy, at.values)
    sgo = count_between(end[np.isin(rec, REC_GROUPS["special_guardianship"])], fy, at.values)
    out["adoptions_fytd"] = (adopted, adopted, at.none)
    out["sgo_fytd"] = (sgo, sgo, at.none)
    return out


def _uasc_figures(at: AtReferenceDates) -> dict[str, tuple]:
    table = at.model.tables.get("uasc")
    if table is None or table.empty:
        return {"uasc_count": (np.zeros(at.n), np.zeros(at.n), at.cla)}
    care = at.model.care
    code = care.children.get_indexer(table["CHILD"].astype("str"))
    ok = code >= 0
    duc = table["DUC"].to_numpy(dtype=dates.NS)[ok]
    code = code[ok]
    la = at.looked_after
    order = np.argsort(code, kind="stable")
    hit = np.searchsorted(code[order], la.child)
    hit = np.minimum(hit, max(len(code) - 1, 0))
    found = (
        (len(code) > 0) & (code[order][hit] == la.child)
        if len(code)
        else np.zeros(len(la.child), bool)
    )
    ceased = duc[order][hit] if len(code) else np.zeros(len(la.child), dtype=dates.NS)
    still = found & (np.isnat(ceased) | (ceased > at.values[la.ref]))
    n = at.count(la.ref[still])
    return {"uasc_count": (n, n, at.cla)}


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    out = _review_figures(at)
    out.update(_status_figures(at))
    out.update(_leaving_figures(at))
    out.update(_uasc_figures(at))
    return out
