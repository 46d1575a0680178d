"""Permanence: placement orders, children waiting for adoption, and the adoption scorecard's dates.

The one place for these definitions (codes in `pipeline/data/definitions.toml` [scorecard]):

- *On a placement order since*: the DECOM of the first episode of the run of consecutive episodes
  of a period with LS E1 that an episode belongs to (`order_since`).
- *Waiting with a placement order at R*: looked after at R, the episode in force at R has LS E1,
  and the placement type in force is not placed for adoption (A3-A6) (`waiting_for_adoption`).
- *Adopted*: a period of care whose last episode has REC E11 or E12 (`adoptions`). For each:
  - entered: the start of that period of care;
  - moved_in (A1): the DECOM of the period's first placed-for-adoption episode (PLACE A3-A6); when
    the episodes hold none, the latest placed_for_adoption DATE_PLACED within the period;
  - moved_in_a10 (A10): for children adopted by their foster carers (ad1 FOSTER_CARE 1), the date
    they moved in with those carers: the earlier of the start of the placement (carer spell) the
    adoption placement belongs to (an A3/A5 placement with the current foster carer continues it)
    and the start of the run of consecutive episodes of the period at the adoption placement's
    PL_POST (the carer's address; URN is not used: it is blank or the agency's for foster care).
    Otherwise moved_in;
  - order_date (A2): the DECOM of the period's first episode with LS E1 (placement order) or D1
    (freeing order); matched: ad1 DATE_MATCH; a2_days = matched - order_date, 0 when the match came
    first, NaN without an order or a match date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.model import care as care_model
from pipeline.model import dates, keys

RULES = definitions()["scorecard"]
PLACEMENT_ORDER_LS = tuple(RULES["placement_order_ls"])
FREEING_ORDER_LS = tuple(RULES["freeing_order_ls"])
PLACED_FOR_ADOPTION = tuple(RULES["placed_for_adoption_place"])
ADOPTED_REC = tuple(RULES["rec_groups"]["adopted"])
WINDOW_MONTHS = int(RULES["adoption"]["window_months"])
FOSTER_CARER = tuple(RULES["adoption"]["foster_carer"])

ADOPTION_COLUMNS = [
    "CHILD",
    "child",
    "period_row",
    "entered",
    "adopted",
    "foster_carer",
    "moved_in",
    "moved_in_a10",
    "order_date",
    "matched",
    "a1_days",
    "a10_days",
    "a2_days",
]


def _days(later: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Whole days between two date arrays as float (NaN where either is NaT)."""
    out = (later - earlier).astype("timedelta64[D]").astype("float64")
    return np.where(np.isnat(later) | np.isnat(earlier), np.nan, out)


def order_since(care: care_model.Care, codes=PLACEMENT_ORDER_LS) -> np.ndarray:
    """For each episode: the DECOM of the first episode of the run (same period) with LS in
    `codes` that it belongs to; NaT for episodes with another LS."""
    ep = care.episodes
    on = ep["LS"].isin(codes).to_numpy()
    pid = ep["period_id"].to_numpy()
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    new_run = on & np.r_[True, ~on[:-1] | (pid[1:] != pid[:-1])] if len(on) else on
    idx = np.maximum.accumulate(np.where(new_run, np.arange(len(on)), 0))
    return np.where(on, decom[idx], np.datetime64("NaT")).astype(dates.NS)


def waiting_for_adoption(
    care: care_model.Care,
    la: care_model.AtDates,
    refs: np.ndarray,
    episode: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each (looked-after period, R) pair: (waiting with a placement order at R, the order's
    date), the date NaT where not on an order. `episode`: each pair's episode row in force at R,
    when the caller has it (`care.in_care_on`)."""
    if episode is None:
        episode = care_model.in_care_on(care, la.child, refs[la.ref])
    safe = np.where(episode >= 0, episode, 0)
    since = order_since(care)[safe]
    on_order = (episode >= 0) & ~np.isnat(since)
    placed = care.episodes["place_in_force"].isin(PLACED_FOR_ADOPTION).to_numpy(dtype=bool)
    waiting = on_order & ~placed[safe]
    return waiting, np.where(episode >= 0, since, np.datetime64("NaT")).astype(dates.NS)


def _first_in_period(mask: np.ndarray, period_id: np.ndarray, n_periods: int) -> np.ndarray:
    """Per period: the first episode row (episodes sorted by period, DECOM) where `mask`, or -1."""
    out = np.full(n_periods, -1, dtype="int64")
    rows = np.flatnonzero(mask)
    pid = period_id[rows]
    first = np.r_[True, pid[1:] != pid[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    out[pid[first]] = rows[first]
    return out


def _carer_run_start(ep: pd.DataFrame) -> np.ndarray:
    """Per episode: the DECOM of the first of the consecutive episodes of its period at the same
    (non-blank) PL_POST."""
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    post = ep["PL_POST"].astype("str").fillna("").str.upper().str.replace(" ", "").to_numpy()
    pid = ep["period_id"].to_numpy()
    if len(ep) == 0:
        return decom
    new = np.r_[True, (pid[1:] != pid[:-1]) | (post[1:] != post[:-1])] | (post == "")
    idx = np.maximum.accumulate(np.where(new, np.arange(len(ep)), 0))
    return decom[idx]


def _ad1(care: care_model.Care, ad1: pd.DataFrame | None, child: np.ndarray):
    """ad1's FOSTER_CARE (text, '' when none) and DATE_MATCH (NaT when none) per child code (ad1
    holds one row per child)."""
    foster = np.full(len(child), "", dtype=object)
    matched = np.full(len(child), np.datetime64("NaT"), dtype=dates.NS)
    if ad1 is None or ad1.empty or len(child) == 0:
        return foster, matched
    rows = ad1.drop_duplicates("CHILD", keep="last")
    pos = pd.Index(keys.positions(rows["CHILD"], care.children)).get_indexer(child)
    hit = pos >= 0
    foster[hit] = rows["FOSTER_CARE"].astype("str").fillna("").to_numpy(dtype=object)[pos[hit]]
    matched[hit] = rows["DATE_MATCH"].to_numpy(dtype=dates.NS)[pos[hit]]
    return foster, matched


def adoptions(tables: dict[str, pd.DataFrame], care: care_model.Care) -> pd.DataFrame:
    """One row per period of care ended by adoption (ADOPTION_COLUMNS; see the module docstring),
    sorted by adoption date."""
    per = care.periods
    ep = care.episodes
    rec = care_model.period_rec(care)
    adopted = np.flatnonzero(
        rec.isin(ADOPTED_REC).to_numpy(dtype=bool) & per["period_end"].notna().to_numpy()
    )
    pid = ep["period_id"].to_numpy()
    decom = ep["DECOM"].to_numpy(dtype=dates.NS)
    n_per = len(per)
    child = care.period_child[adopted]
    entered = per["period_start"].to_numpy(dtype=dates.NS)[adopted]
    ended = per["period_end"].to_numpy(dtype=dates.NS)[adopted]
    nat = np.datetime64("NaT", "ns")

    a_row = _first_in_period(ep["PLACE"].isin(PLACED_FOR_ADOPTION).to_numpy(), pid, n_per)[adopted]
    has_a = a_row >= 0
    safe = np.where(has_a, a_row, 0)
    moved_in = np.where(has_a, decom[safe] if len(ep) else nat, nat).astype(dates.NS)
    placed = tables.get("placed_for_adoption")
    p_code = np.zeros(0, dtype="int64")
    if placed is not None and not placed.empty:
        p_code = keys.positions(placed["CHILD"], care.children)
        p_date = placed["DATE_PLACED"].to_numpy(dtype=dates.NS)
        ok = (p_code >= 0) & ~np.isnat(p_date)
    if len(p_code) and ok.any() and len(adopted):
        hit = dates.latest_on_or_before(p_code[ok], p_date[ok], child, ended)
        table_date = np.where(hit >= 0, p_date[ok][np.where(hit >= 0, hit, 0)], nat)
        use = ~has_a & (table_date >= entered)  # NaT compares False
        moved_in = np.where(use, table_date, moved_in).astype(dates.NS)

    foster_care, matched = _ad1(care, tables.get("ad1"), child)
    foster = np.isin(foster_care, np.asarray(FOSTER_CARER, dtype=object))
    placement_start = care.placements["start"].to_numpy(dtype=dates.NS)
    if len(ep):
        with_carer = np.minimum(
            placement_start[ep["placement_id"].to_numpy()[safe]], _carer_run_start(ep)[safe]
        )
    else:
        with_carer = np.full(len(adopted), nat)
    moved_in_a10 = np.where(foster & has_a, with_carer, moved_in).astype(dates.NS)

    order_row = _first_in_period(
        ep["LS"].isin(PLACEMENT_ORDER_LS + FREEING_ORDER_LS).to_numpy(), pid, n_per
    )[adopted]
    order_date = np.where(
        order_row >= 0, decom[np.where(order_row >= 0, order_row, 0)] if len(ep) else nat, nat
    ).astype(dates.NS)
    out = pd.DataFrame(
        {
            "CHILD": care.children.to_numpy()[child],
            "child": child,
            "period_row": adopted,
            "entered": entered,
            "adopted": ended,
            "foster_carer": foster,
            "moved_in": moved_in,
            "moved_in_a10": moved_in_a10,
            "order_date": order_date,
            "matched": matched,
            "a1_days": _days(moved_in, entered),
            "a10_days": _days(moved_in_a10, entered),
            "a2_days": np.maximum(_days(matched, order_date), 0.0),
        }
    )
    return out.sort_values(["adopted", "CHILD"], ignore_index=True)[ADOPTION_COLUMNS]


def adoption_window_start(refs) -> np.ndarray:
    """The first day of the 36 months to each R (R - 36 months + 1 day)."""
    return dates.months_before(refs, WINDOW_MONTHS) + np.timedelta64(1, "D")
