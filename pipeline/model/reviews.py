"""Reviews of looked-after children against the statutory timescales (REFERENCE, regulation 33).

Each review is placed in the period of care in force on its date (reviews of a child not in care
that day, or on a short break only, are set aside). Within its period a review is the first,
second or a later one; it was due:
- first: within `first_working_days` (20) working days of the period's start (England bank
  holidays excluded: `pipeline.model.workdays`);
- second: within `second_months` (3) calendar months of the first;
- later: within `later_months` (6) calendar months of the previous review.
A review held on or before its due date is on time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import care as care_model
from pipeline.model import dates, workdays

FIRST_WORKING_DAYS = 20
SECOND_MONTHS = 3
LATER_MONTHS = 6
PARTICIPATED = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")
UNDER_FOUR = "PN0"

REVIEW_COLUMNS = ["CHILD", "child", "period_row", "REVIEW", "REVIEW_CODE", "seq", "due", "on_time"]


def _add_months(values: np.ndarray, months: int) -> np.ndarray:
    """Same day `months` calendar months later (end of month when the day does not exist)."""
    out = pd.DatetimeIndex(values) + pd.DateOffset(months=months)
    return out.to_numpy(dtype=dates.NS)


def first_review_due(period_start) -> np.ndarray:
    """The first review's deadline: 20 working days after the period of care began."""
    return workdays.add_working_days(period_start, FIRST_WORKING_DAYS)


def held_reviews(tables: dict[str, pd.DataFrame], care: care_model.Care) -> pd.DataFrame:
    """Reviews held while looked after, with their sequence in the period, due date, on_time.

    Columns: CHILD, child (code), period_row (row of care.periods), REVIEW, REVIEW_CODE,
    seq (0 first, 1 second, ...), due, on_time. Sorted by child and date."""
    raw = tables.get("reviews")
    if raw is None or raw.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in REVIEW_COLUMNS})
    rv = raw.dropna(subset=["CHILD", "REVIEW"]).drop_duplicates(["CHILD", "REVIEW"])
    child = care.children.get_indexer(rv["CHILD"].astype("str"))
    day = rv["REVIEW"].to_numpy(dtype=dates.NS)
    episode = care_model.in_care_on(care, child, day)
    keep = episode >= 0
    period_id = care.episodes["period_id"].to_numpy()[np.where(keep, episode, 0)]
    out = pd.DataFrame(
        {
            "CHILD": rv["CHILD"].astype("str").to_numpy()[keep],
            "child": child[keep],
            "period_row": period_id[keep].astype("int64"),
            "REVIEW": day[keep],
            "REVIEW_CODE": rv["REVIEW_CODE"].astype("str").to_numpy()[keep],
        }
    ).sort_values(["period_row", "REVIEW"], ignore_index=True)
    return with_due_dates(out, care.periods["period_start"].to_numpy(dtype=dates.NS))


def with_due_dates(rv: pd.DataFrame, period_start: np.ndarray) -> pd.DataFrame:
    """Add seq, due and on_time to reviews sorted by period_row and REVIEW."""
    period = rv["period_row"].to_numpy()
    held = rv["REVIEW"].to_numpy(dtype=dates.NS)
    first = np.r_[True, period[1:] != period[:-1]] if len(rv) else np.zeros(0, dtype=bool)
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(rv)), 0))
    seq = np.arange(len(rv)) - run_start
    previous = np.r_[np.datetime64("NaT", "ns"), held[:-1]].astype(dates.NS)
    due = np.where(
        seq == 0,
        first_review_due(period_start[period]),
        np.where(
            seq == 1, _add_months(previous, SECOND_MONTHS), _add_months(previous, LATER_MONTHS)
        ),
    ).astype(dates.NS)
    return rv.assign(seq=seq, due=due, on_time=held <= due)[REVIEW_COLUMNS]


def next_due(rv: pd.DataFrame, periods: pd.DataFrame, period_rows: np.ndarray) -> np.ndarray:
    """For each period row: when its next review falls due after the last one held (any date),
    from all the reviews in `rv` (the first review's deadline when none has been held)."""
    start = periods["period_start"].to_numpy(dtype=dates.NS)
    due = first_review_due(start[period_rows])
    if len(rv) == 0:
        return due
    last = rv.drop_duplicates("period_row", keep="last").set_index("period_row")
    pos = last.index.get_indexer(period_rows)
    has = pos >= 0
    safe = np.where(has, pos, 0)
    seq = last["seq"].to_numpy()[safe]
    held = last["REVIEW"].to_numpy(dtype=dates.NS)[safe]
    later = np.where(seq == 0, _add_months(held, SECOND_MONTHS), _add_months(held, LATER_MONTHS))
    return np.where(has, later, due).astype(dates.NS)


def overdue_at(care: care_model.Care, rv: pd.DataFrame, ref_date) -> pd.DataFrame:
    """Children looked after at `ref_date` whose next review was due before it and has not been
    held by it (a restricted list for the reviewing officers): CHILD, period_start,
    last_review (NaT: none yet in this period), due, days_overdue. Sorted most overdue first."""
    r = np.datetime64(pd.Timestamp(ref_date), "ns")
    la = care_model.looked_after(care, np.array([r], dtype=dates.NS))
    held = rv[rv["REVIEW"].to_numpy(dtype=dates.NS) <= r]
    due = next_due(held, care.periods, la.rows)
    last = held.drop_duplicates("period_row", keep="last").set_index("period_row")["REVIEW"]
    late = due < r
    rows = la.rows[late]
    out = pd.DataFrame(
        {
            "CHILD": care.periods["CHILD"].to_numpy()[rows],
            "period_start": care.periods["period_start"].to_numpy(dtype=dates.NS)[rows],
            "last_review": last.reindex(rows).to_numpy(dtype=dates.NS),
            "due": due[late],
            "days_overdue": ((r - due[late]) // np.timedelta64(1, "D")).astype("int64"),
        }
    )
    return out.sort_values(["days_overdue", "CHILD"], ascending=[False, True], ignore_index=True)
