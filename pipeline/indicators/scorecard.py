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
- reviews_all_on_time_12m_pct: of children looked after at R with a review due in the year to R,
  % with none late in the year (`pipeline.model.reviews.year_timeliness`).
- placement_order_waiting: looked after at R, LS E1 at R, current placement not A3-A6;
  placement_order_waiting_days: the median days since the order (the start of the run of E1
  episodes in force at R) for those children (`pipeline.model.permanence.waiting_for_adoption`).
- adoption_a1_days / adoption_a10_days / adoption_a2_days: over periods ended by adoption in the
  36 months to R (`pipeline.model.permanence.adoptions`), the mean days (numerator the sum of days,
  denominator the children with both dates known).
- placed_over_20_miles_pct / placed_outside_la_pct: of children looked after at R with both the
  episode in force's HOME_POST and its placement's PL_POST (a temporary placement counting as the
  placement it interrupts) in the ONS directory, % more than
  settings.distance_miles apart / with PL_POST's district not in settings.la_area_codes (NaN when
  no codes are set); placement_postcode_unknown: looked-after children at R without both
  postcodes known (blank, invalid or not in the directory), denominator cla_count
  (`pipeline.model.geography`).
- uasc_count: children looked after at R in the UASC table whose status had not ceased by R (DUC
  blank or after R); uasc_pct_of_child_population: uasc_count / settings.population_0_17 * 100
  (NaN without a population), against the National Transfer Scheme threshold (a setting).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care as care_model
from pipeline.model import dates, geography, keys, permanence, reviews
from pipeline.stats import pct, rate

RULES = definitions()["scorecard"]
REC_GROUPS: dict[str, tuple[str, ...]] = {g: tuple(c) for g, c in RULES["rec_groups"].items()}
CEASED_IDS = tuple(f"ceased_{g}_pct" for g in REC_GROUPS)
ADOPTION_IDS = {"adoption_a1_days": "a1_days", "adoption_a10_days": "a10_days",
                "adoption_a2_days": "a2_days"}  # fmt: skip
IDS = (
    "reviews_held",
    "reviews_on_time_pct",
    "reviews_all_on_time_12m_pct",
    "review_participation_pct",
    "s20_pct",
    "family_based_pct",
    *CEASED_IDS,
    "adoptions_fytd",
    "sgo_fytd",
    "placement_order_waiting",
    "placement_order_waiting_days",
    *ADOPTION_IDS,
    "placed_over_20_miles_pct",
    "placed_outside_la_pct",
    "placement_postcode_unknown",
    "uasc_count",
    "uasc_pct_of_child_population",
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


def sum_between(event: np.ndarray, values: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """(sum, count) of the non-NaN `values` whose `event` date falls in [lo, hi], per window."""
    ok = ~np.isnat(event) & ~np.isnan(values)
    order = np.argsort(event[ok], kind="stable")
    e, v = event[ok][order], values[ok][order]
    cum = np.r_[0.0, np.cumsum(v)]
    a, b = np.searchsorted(e, lo, side="left"), np.searchsorted(e, hi, side="right")
    return cum[b] - cum[a], (b - a).astype("float64")


def _review_figures(at: AtReferenceDates) -> dict[str, tuple]:
    rv = at.model.reviews
    day = rv["REVIEW"].to_numpy(dtype=dates.NS)
    pos = dates.month_position(day, at.refs) if len(rv) else np.zeros(0, dtype="int64")
    in_month = pos >= 0
    held = at.count(pos[in_month])
    on_time = at.count(pos[in_month & rv["on_time"].to_numpy(dtype=bool)])
    code = rv["REVIEW_CODE"]
    aged_4 = ~code.eq(reviews.UNDER_FOUR).to_numpy(dtype=bool, na_value=False)
    took_part = _in(code, reviews.PARTICIPATED)
    lo, hi = at.year_start, at.values
    eligible = count_between(day[aged_4], lo, hi) if len(rv) else np.zeros(at.n)
    part = count_between(day[aged_4 & took_part], lo, hi) if len(rv) else np.zeros(at.n)
    la = at.looked_after
    due, late = reviews.year_timeliness(rv, at.model.periods, la, at.values)
    n_due = at.count(la.ref[due])
    all_on_time = at.count(la.ref[due & ~late])
    return {
        "reviews_held": (held, held, at.none),
        "reviews_on_time_pct": (pct(on_time, held), on_time, held),
        "reviews_all_on_time_12m_pct": (pct(all_on_time, n_due), all_on_time, n_due),
        "review_participation_pct": (pct(part, eligible), part, eligible),
    }


def _status_figures(at: AtReferenceDates) -> dict[str, tuple]:
    care = at.model.care
    la = at.looked_after
    episode = at.looked_after_episode
    safe = np.where(episode >= 0, episode, 0)
    section_20 = care.episodes["LS"].isin(RULES["section_20_ls"]).to_numpy(dtype=bool)
    s20 = (episode >= 0) & section_20[safe]
    n_s20 = at.count(la.ref[s20])
    cur = at.current_placements
    family_based = at.model.placements["place"].isin(RULES["family_based_place"])
    family = at.count(cur.ref[family_based.to_numpy(dtype=bool)[cur.rows]])
    waiting, since = permanence.waiting_for_adoption(care, la, at.values, episode)
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


def _adoption_figures(at: AtReferenceDates) -> dict[str, tuple]:
    adopted = permanence.adoptions(at.model.tables, at.model.care)
    when = adopted["adopted"].to_numpy(dtype=dates.NS)
    lo = permanence.adoption_window_start(at.refs)
    out = {}
    for name, column in ADOPTION_IDS.items():
        total, n = sum_between(when, adopted[column].to_numpy(dtype="float64"), lo, at.values)
        out[name] = (rate(total, n), total, n)
    return out


def _location_figures(at: AtReferenceDates) -> dict[str, tuple]:
    care, settings = at.model.care, at.model.settings
    la = at.looked_after
    episode = at.looked_after_episode
    rows = dates.distinct(episode[episode >= 0])
    ep = care.episodes
    placed_at = care_model.placement_episode(care, rows)
    both_ends = pd.concat(  # one directory lookup for the home and placement postcodes
        [ep["HOME_POST"].iloc[rows], ep["PL_POST"].iloc[placed_at]], ignore_index=True
    )
    found = geography.centroids(both_ends)
    home, placed = found.iloc[: len(rows)], found.iloc[len(rows) :].reset_index(drop=True)
    pos = np.searchsorted(rows, episode)
    both = np.zeros(len(episode), dtype=bool)
    far = np.zeros(len(episode), dtype=bool)
    outside = np.zeros(len(episode), dtype=bool)
    if len(rows):
        pos = np.minimum(pos, len(rows) - 1)
        ok = geography.known(home) & geography.known(placed)
        miles = geography.distance_miles(home, placed)
        in_la = placed["laua"].isin(settings.la_area_codes).to_numpy()
        has = episode >= 0
        both = has & ok[pos]
        far = both & (miles[pos] > settings.distance_miles)
        outside = both & ~in_la[pos]
    n_both = at.count(la.ref[both])
    n_far = at.count(la.ref[far])
    n_out = at.count(la.ref[outside]) if settings.la_area_codes else at.none
    unknown = at.cla - n_both
    return {
        "placed_over_20_miles_pct": (pct(n_far, n_both), n_far, n_both),
        "placed_outside_la_pct": (pct(n_out, n_both), n_out, n_both),
        "placement_postcode_unknown": (unknown, unknown, at.cla),
    }


def _in(text: pd.Series, codes) -> np.ndarray:
    return text.isin(codes).to_numpy(dtype=bool)


def _leaving_figures(at: AtReferenceDates) -> dict[str, tuple]:
    per = at.model.periods
    end = per["period_end"].to_numpy(dtype=dates.NS)
    rec = care_model.period_rec(at.model.care)
    all_ceased = count_between(end, at.year_start, at.values)
    out: dict[str, tuple] = {}
    for group, codes in REC_GROUPS.items():
        n = count_between(end[_in(rec, codes)], at.year_start, at.values)
        out[f"ceased_{group}_pct"] = (pct(n, all_ceased), n, all_ceased)
    fy = financial_year_start(at.refs)
    adopted = count_between(end[_in(rec, REC_GROUPS["adopted"])], fy, at.values)
    sgo = count_between(end[_in(rec, REC_GROUPS["special_guardianship"])], fy, at.values)
    out["adoptions_fytd"] = (adopted, adopted, at.none)
    out["sgo_fytd"] = (sgo, sgo, at.none)
    return out


def _uasc_figures(at: AtReferenceDates) -> dict[str, tuple]:
    table = at.model.tables.get("uasc")
    if table is None or table.empty:
        zero = np.zeros(at.n)
        return {"uasc_count": (zero, zero, at.cla), **_uasc_share(at, zero)}
    care = at.model.care
    code = keys.positions(table["CHILD"], care.children)
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
    return {"uasc_count": (n, n, at.cla), **_uasc_share(at, n)}


def _uasc_share(at: AtReferenceDates, n: np.ndarray) -> dict[str, tuple]:
    population = at.model.settings.population_0_17
    d = np.full(at.n, float(population)) if population else at.none
    return {"uasc_pct_of_child_population": (pct(n, d), n, d)}


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    out = _review_figures(at)
    out.update(_status_figures(at))
    out.update(_leaving_figures(at))
    out.update(_adoption_figures(at))
    out.update(_location_figures(at))
    out.update(_uasc_figures(at))
    return out
