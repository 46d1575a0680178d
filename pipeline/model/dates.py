"""Reference dates, year windows, whole years and the vectorised date searches built on them.

Conventions (SPEC 5): R is the last day of the reporting month M; events "in M" are those dated in
the calendar month containing R; the year to R is (R - 1 year, R], i.e. from R - 1 year + 1 day
to R, by calendar arithmetic (leap days handled). Ages are whole years at the stated date, a
birthday counting on the day itself. Each of these is defined once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from pipeline.paths import parse_month

NS = "datetime64[ns]"
_MONTH_TEXT = re.compile(r"^\d{4}-\d{2}$")
_KEY_SHIFT = np.int64(1 << 21)  # sort keys child code * 2**21 + day: days may span ~5,700 years

# ---------------------------------------------------------------------------------- reference dates


def reference_date(month) -> pd.Timestamp:
    """R: the last day of the reporting month ('YYYY-MM' or a monthly Period)."""
    period = month if isinstance(month, pd.Period) else parse_month(str(month))
    return period.asfreq("M").to_timestamp(how="end").normalize()


def month_ends(month, n: int = 24) -> pd.DatetimeIndex:
    """The `n` month-end reference dates up to and including `month`, oldest first."""
    end = month if isinstance(month, pd.Period) else parse_month(str(month)[:7])
    months = pd.period_range(end=end.asfreq("M"), periods=n, freq="M")
    return pd.DatetimeIndex(months.to_timestamp(how="end").normalize()).astype(NS)


def as_reference_dates(ref_dates) -> pd.DatetimeIndex:
    """Reference dates as a sorted, unique DatetimeIndex of month ends (ns, midnight).

    Accepts one value or an iterable of 'YYYY-MM' text, monthly Periods, or dates. Every
    indicator counts events "in M", so a date that is not the last day of its month is a
    ValueError rather than a silent shift.
    """
    if isinstance(ref_dates, str | pd.Period | pd.Timestamp | np.datetime64) or not isinstance(
        ref_dates, Iterable
    ):
        ref_dates = [ref_dates]
    out = []
    for r in ref_dates:
        if isinstance(r, pd.Period) or (isinstance(r, str) and _MONTH_TEXT.match(r.strip())):
            out.append(reference_date(r if isinstance(r, pd.Period) else r.strip()))
            continue
        ts = pd.Timestamp(r).normalize()
        if ts != ts + pd.offsets.MonthEnd(0):
            raise ValueError(f"reference date {ts.date()} is not the last day of a month")
        out.append(ts)
    return pd.DatetimeIndex(sorted(set(out))).astype(NS)


def year_start(refs) -> np.ndarray:
    """First day of the year to R: R - 1 calendar year + 1 day (element-wise). Calendar offsets
    are slow per element, and per-pair dates repeat a few reference dates: each distinct date is
    worked out once."""
    values = np.asarray(refs, dtype=NS)
    codes, distinct = pd.factorize(values)
    starts = (pd.DatetimeIndex(distinct) - pd.DateOffset(years=1) + pd.Timedelta(days=1)).to_numpy(
        NS
    )
    if len(starts) == 0:
        return np.full(len(values), np.datetime64("NaT"), dtype=NS)
    return np.where(codes >= 0, starts[codes], np.datetime64("NaT")).astype(NS)


def months_before(refs, months: int) -> np.ndarray:
    """R - `months` calendar months (element-wise; 31 August - 6 months = 28/29 February)."""
    return (pd.DatetimeIndex(refs) - pd.DateOffset(months=months)).to_numpy(NS)


# ---------------------------------------------------------------------------------- ages


def _ymd(values) -> np.ndarray:
    """Dates as float yyyymmdd (NaN for NaT)."""
    d = pd.DatetimeIndex(np.asarray(values, dtype=NS))
    return (d.year * 10000 + d.month * 100 + d.day).to_numpy(dtype="float64", na_value=np.nan)


def whole_years(dob, at) -> pd.Series:
    """Age in whole years at `at` (element-wise; either may be a scalar): Int64, NA if unknown.

    floor((at as yyyymmdd - dob as yyyymmdd) / 10000): a birthday counts on the day itself, and a
    child born on 29 February turns a year older on 1 March in other years.
    """
    dob_s = dob if isinstance(dob, pd.Series) else pd.Series(dob)
    at_s = at if isinstance(at, pd.Series) else pd.Series(at)
    index = dob_s.index if isinstance(dob, pd.Series) else at_s.index
    years = whole_years_array(dob_s.to_numpy(), at_s.to_numpy())
    return pd.Series(years, index=index).astype("Int64")


def whole_years_array(dob: np.ndarray, at: np.ndarray) -> np.ndarray:
    """`whole_years` on numpy datetime arrays: float ages, NaN where either date is unknown."""
    return np.floor((_ymd(at) - _ymd(dob)) / 10000.0)


# ---------------------------------------------------------------------------------- keys


def month_key(dates) -> np.ndarray:
    """year * 12 + month (float, NaN for NaT): equal for dates in the same calendar month."""
    d = pd.DatetimeIndex(np.asarray(dates, dtype=NS))
    return (d.year * 12 + d.month).to_numpy(dtype="float64", na_value=np.nan)


def day_number(dates) -> np.ndarray:
    """Days since 1970-01-01 as int64 (dates must not be NaT)."""
    return np.asarray(dates, dtype=NS).astype("datetime64[D]").astype("int64")


# ---------------------------------------------------------------------------------- searches


def explode(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, position) for every row i and position r with lo[i] <= r < hi[i]."""
    n = np.clip(hi - lo, 0, None).astype("int64")
    rows = np.repeat(np.arange(len(lo)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return rows, np.repeat(lo, n) + offsets


def active_at(start: np.ndarray, end: np.ndarray, refs: np.ndarray):
    """(row, ref position) pairs with start <= R < end (end NaT: still open); refs sorted."""
    lo = np.searchsorted(refs, start, side="left")
    hi = np.where(np.isnat(end), len(refs), np.searchsorted(refs, end, side="left"))
    lo = np.where(np.isnat(start), len(refs), lo)
    return explode(lo, hi)


def overlapping_year(start, end, refs: pd.DatetimeIndex):
    """(ref position, row) pairs where [start, end] overlaps the year to R: start <= R and
    (end NaT or end >= R - 1 year + 1 day). `refs` sorted; each row covers one run of them."""
    lo = np.searchsorted(refs.values, np.asarray(start, dtype=NS), side="left")
    last = np.asarray(end, dtype=NS)
    w_start = (refs - pd.DateOffset(years=1)).values
    hi = np.where(np.isnat(last), len(refs), np.searchsorted(w_start, last, side="left"))
    rows, positions = explode(lo, np.maximum(hi, lo))
    return positions, rows


def events_in_month(dates, refs) -> np.ndarray:
    """How many of `dates` fall in the calendar month of each reference date."""
    pos = pd.Index(month_key(refs)).get_indexer(month_key(dates))
    return np.bincount(pos[pos >= 0], minlength=len(refs)).astype("float64")


def month_position(dates, refs) -> np.ndarray:
    """Position in `refs` of the month each date falls in; -1 where that month is not in refs."""
    return pd.Index(month_key(refs)).get_indexer(month_key(dates))


def count_on_or_before(
    code: np.ndarray, dates: np.ndarray, q_code: np.ndarray, q_dates: np.ndarray, inclusive: bool
) -> np.ndarray:
    """For each query (child code, date): how many of that child's `dates` are <= (or <) it.

    A sorted search over integer keys child * 2**21 + day number, vectorised over all queries.
    """
    if len(code) == 0 or len(q_code) == 0:
        return np.zeros(len(q_code), dtype="int64")
    days = day_number(dates)
    q_days = day_number(q_dates)
    base = min(days.min(), q_days.min())
    keys = np.sort(code.astype("int64") * _KEY_SHIFT + (days - base))
    q = q_code.astype("int64") * _KEY_SHIFT
    side = "right" if inclusive else "left"
    upto = np.searchsorted(keys, q + (q_days - base), side=side)
    return upto - np.searchsorted(keys, q, side="left")


def count_between(
    code: np.ndarray, dates: np.ndarray, q_code: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """For each query (child code, lo, hi): how many of that child's `dates` fall in [lo, hi]
    (the keys sorted once for both ends; see `count_on_or_before`)."""
    if len(code) == 0 or len(q_code) == 0:
        return np.zeros(len(q_code), dtype="int64")
    days, lo_days, hi_days = day_number(dates), day_number(lo), day_number(hi)
    base = min(days.min(), lo_days.min(), hi_days.min())
    keys = np.sort(code.astype("int64") * _KEY_SHIFT + (days - base))
    q = q_code.astype("int64") * _KEY_SHIFT - base
    upto = np.searchsorted(keys, q + hi_days, side="right")
    return upto - np.searchsorted(keys, q + lo_days, side="left")


def latest_on_or_before(
    code: np.ndarray, dates: np.ndarray, q_code: np.ndarray, q_dates: np.ndarray
) -> np.ndarray:
    """For each query (child code, date): the position in the inputs of that child's latest row
    dated on or before the query date, or -1 (an as-of join by child, as one sorted search)."""
    n = len(q_code)
    if n == 0 or len(code) == 0:
        return np.full(n, -1, dtype="int64")
    days = day_number(dates)
    offset = min(days.min(initial=0), day_number(q_dates).min(initial=0))
    keys = code.astype("int64") * _KEY_SHIFT + (days - offset)
    order = np.argsort(keys, kind="stable")
    keys, sorted_code = keys[order], code[order]
    q_keys = q_code.astype("int64") * _KEY_SHIFT + (day_number(q_dates) - offset)
    hit = np.searchsorted(keys, q_keys, side="right") - 1
    found = hit >= 0
    hit = np.where(found, hit, 0)
    found &= sorted_code[hit] == q_code
    return np.where(found, order[hit], -1)


def _narrow(keys: np.ndarray) -> bool:
    """Whether integer keys span a range not much wider than their number (child code * months
    + month, mostly): then a table of that range is one pass, where a sort is several."""
    return int(keys.max()) - int(keys.min()) <= 4 * len(keys) + 1_000_000


def distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted: marked in a table of their range where it
    is narrow, else sorted (numpy's hashing unique is several times slower on millions of keys)."""
    if len(keys) == 0:
        return np.sort(keys)
    if _narrow(keys):
        low = int(keys.min())
        seen = np.zeros(int(keys.max()) - low + 1, dtype=bool)
        seen[keys - low] = True
        return (np.flatnonzero(seen) + low).astype(keys.dtype)
    k = np.sort(keys)
    return k[np.r_[True, k[1:] != k[:-1]]]


def distinct_counts(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of an integer array, sorted, and how often each occurs (as
    `np.unique(keys, return_counts=True)`, by a count table where the range is narrow)."""
    if len(keys) == 0:
        return np.sort(keys), np.zeros(0, dtype="int64")
    if _narrow(keys):
        low = int(keys.min())
        counts = np.bincount(keys - low)
        present = np.flatnonzero(counts)
        return (present + low).astype(keys.dtype), counts[present].astype("int64")
    k = np.sort(keys)
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    return k[starts], np.diff(np.r_[starts, len(k)]).astype("int64")


def last_per_key(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Positions keeping, for each distinct key, the row with the largest value (sorted)."""
    order = np.lexsort((value, key))
    k = key[order]
    last = np.r_[k[1:] != k[:-1], True] if len(k) else np.zeros(0, dtype=bool)
    return np.sort(order[last])
