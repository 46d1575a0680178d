"""Reviews of looked-after children against the statutory timescales (REFERENCE, regulation 33).

Each review is placed in the period of care in force on its date (reviews of a child not in care
that day, or on a short break only, are set aside). Within its period a review is the first,
second or a later one; it was due:
- first: within `first_working_days` (20) working days of the period's start (England bank
  holidays excluded: `pipeline.model.workdays`);
- second: within `second_months` (3) calendar months of the first;
- later: within `later_months` (6) calendar months of the previous review.
A review held on or before its due date is on time.

Over the year to R (`year_timeliness`): a review counts as due in the year when its due date falls
in the year to R; one held after its due date is late, and so is the next review when it fell due
on or before R and had not been held by R (even if it fell due before the year began: it was
outstanding, and late, throughout the year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import care as care_model
from pipeline.model import dates, keys, workdays

FIRST_WORKING_DAYS = 20
SECOND_MONTHS = 3
LATER_MONTHS = 6
PARTICIPATED = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")
UNDER_FOUR = "PN0"

REVIEW_COLUMNS = ["CHILD", "child", "period_row", "REVIEW", "REVIEW_CODE", "seq", "due", "on_time"]
_EMPTY_TYPES = dict(zip(REVIEW_COLUMNS, ["str", "int64", "int64", dates.NS, "str", "int64", dates.NS,
                                         "bool"], strict=True))  # fmt: skip


def _add_months(values: np.ndarray, months: int) -> np.ndarray:
    """Same day `months` calendar months later (end of month when the day does not exist)."""
    out = pd.DatetimeIndex(values) + pd.DateOffset(months=months)
    return out.to_numpy(dtype=dates.NS)


def first_review_due(period_start) -> np.ndarray:
    """The first review's deadline: 20 working days after the period of care began."""
    return workdays.add_working_days(period_start, FIRST_WORKING_DAYS)


def _due_after(seq: np.ndarray, held: np.ndarray) -> np.ndarray:
    """When the review after one held on `held` (sequence `seq` in its period) falls due."""
    held = np.asarray(held, dtype=dates.NS)
    first = np.asarray(seq) == 0
    out = np.empty(len(held), dtype=dates.NS)
    out[first] = _add_months(held[first], SECOND_MONTHS)  # each review's own offset only
    out[~first] = _add_months(held[~first], LATER_MONTHS)
    return out


def held_reviews(tables: dict[str, pd.DataFrame], care: care_model.Care) -> pd.DataFrame:
    """Reviews held while looked after, with their sequence in the period, due date, on_time.

    Columns: CHILD, child (code), period_row (row of care.periods), REVIEW, REVIEW_CODE,
    seq (0 first, 1 second, ...), due, on_time. Sorted by child and date."""
    raw = tables.get("reviews")
    if raw is None or raw.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _EMPTY_TYPES.items()})
    child = keys.positions(raw["CHILD"], care.children)
    day = raw["REVIEW"].to_numpy(dtype=dates.NS)
    known = np.flatnonzero((child >= 0) & ~np.isnat(day))
    # one review per child and day (the first row given), keyed by the child's code
    day_no = dates.day_number(day[known])
    key = child[known] * (1 << 21) + (day_no - day_no.min(initial=0))
    rows = known[~pd.Series(key).duplicated().to_numpy()]
    episode = care_model.in_care_on(care, child[rows], day[rows])
    rows, episode = rows[episode >= 0], episode[episode >= 0]
    period_row = care.episodes["period_id"].to_numpy()[episode].astype("int64")
    order = np.lexsort((day[rows], period_row))
    rows, period_row = rows[order], period_row[order]
    out = pd.DataFrame(
        {
            "CHILD": care.children.array.take(child[rows]),
            "child": child[rows],
            "period_row": period_row,
            "REVIEW": day[rows],
            "REVIEW_CODE": raw["REVIEW_CODE"].astype("str").array.take(rows),
        }
    )
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
        seq == 0, first_review_due(period_start[period]), _due_after(seq - 1, previous)
    ).astype(dates.NS)
    return rv.assign(seq=seq, due=due, on_time=held <= due)[REVIEW_COLUMNS]


def next_due_at(
    rv: pd.DataFrame, periods: pd.DataFrame, period_rows: np.ndarray, on: np.ndarray
) -> np.ndarray:
    """For each (period row, date `on`): when the next review falls due after the last one held
    in that period on or before `on` (the first review's deadline when none had been held)."""
    # deadlines worked out once per period and per review, then looked up for each pair
    start = periods["period_start"].to_numpy(dtype=dates.NS)
    due = first_review_due(start)[period_rows]
    if len(rv) == 0 or len(period_rows) == 0:
        return due
    held = rv["REVIEW"].to_numpy(dtype=dates.NS)
    pos = dates.latest_on_or_before(rv["period_row"].to_numpy(), held, period_rows, on)
    has = pos >= 0
    later = _due_after(rv["seq"].to_numpy(), held)[np.where(has, pos, 0)]
    return np.where(has, later, due).astype(dates.NS)


def year_timeliness(
    rv: pd.DataFrame, periods: pd.DataFrame, la: care_model.AtDates, refs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each (looked-after period, R) pair of `la`: (any review of the child due in the year to
    R, any of them late), as boolean arrays. Held reviews (of any of the child's periods) count
    when due in the year and held by R (late: held after the due date); the next review of the
    current period counts, late, when it fell due on or before R unheld."""
    r = refs[la.ref]
    outstanding = next_due_at(rv, periods, la.rows, r) <= r
    due_any, late_any = outstanding.copy(), outstanding.copy()
    if len(rv):
        due = rv["due"].to_numpy(dtype=dates.NS)
        held = rv["REVIEW"].to_numpy(dtype=dates.NS)
        # R positions with R >= held (held by R) and year start <= due (due in the year to R);
        # R >= due follows from held <= R for a late review and is required for an early one
        lo = np.searchsorted(refs, np.maximum(due, held), side="left")
        hi = np.searchsorted(dates.year_start(refs), due, side="right")
        rows, pos = dates.explode(lo, np.maximum(hi, lo))
        n = len(refs)
        key = rv["child"].to_numpy().astype("int64")[rows] * n + pos
        la_key = la.child.astype("int64") * n + la.ref
        # keys span children x reference dates: a lookup table is one pass, not a sort
        due_any |= np.isin(la_key, key, kind="table")
        late_any |= np.isin(la_key, key[held[rows] > due[rows]], kind="table")
    return due_any, late_any


def overdue_at(care: care_model.Care, rv: pd.DataFrame, ref_date) -> pd.DataFrame:
    """Children looked after at `ref_date` whose next review was due before it and has not been
    held by it (a restricted list for the reviewing officers): CHILD, period_start,
    last_review (NaT: none yet in this period), due, days_overdue. Sorted most overdue first."""
    r = np.datetime64(pd.Timestamp(ref_date), "ns")
    la = care_model.looked_after(care, np.array([r], dtype=dates.NS))
    held = rv[rv["REVIEW"].to_numpy(dtype=dates.NS) <= r]
    due = next_due_at(held, care.periods, la.rows, np.full(len(la.rows), r, dtype=dates.NS))
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
