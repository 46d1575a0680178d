"""Working days: weekdays that are not England bank holidays (the `holidays` package, England).

A statutory "within N working days of D" deadline is the Nth working day after D (D itself is
day 0, whatever day of the week it is): `add_working_days(D, N)`.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np

from pipeline.model import dates


@lru_cache(maxsize=8)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England (and Wales) bank holidays from `first_year` to `last_year`, as sorted
    datetime64[D] (only the years asked for: the package works each year out afresh)."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def add_working_days(start, n: int) -> np.ndarray:
    """The nth working day after each start date (NaT stays NaT), as datetime64[ns].

    A start on a weekend or bank holiday rolls back to the working day before it, so the first
    working day after it is day 1 (a Saturday start: Monday is day 1)."""
    start = np.asarray(start, dtype=dates.NS)
    out = np.full(len(start), np.datetime64("NaT"), dtype=dates.NS)
    ok = ~np.isnat(start)
    if not ok.any():
        return out
    days = start[ok].astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype("int64") + 1970
    # n working days (at most a few weeks) reach into the next year at most
    first, last = int(years.min()) - 1, int(years.max()) + 1 + n // 250  # a roll back crosses 1 Jan
    shifted = np.busday_offset(days, n, roll="backward", holidays=bank_holidays(first, last))
    out[ok] = shifted.astype(dates.NS)
    return out
