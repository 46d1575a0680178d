"""Working days: weekdays that are not England bank holidays (the `holidays` package, England).

A statutory "within N working days of D" deadline is the Nth working day after D (D itself is
day 0, whatever day of the week it is): `add_working_days(D, N)`.
"""

from __future__ import annotations

from functools import lru_cache

import holidays
import numpy as np

from pipeline.model import dates

FIRST_YEAR, LAST_YEAR = 1990, 2040


@lru_cache(maxsize=1)
def bank_holidays() -> np.ndarray:
    """England (and Wales) bank holidays, FIRST_YEAR-LAST_YEAR, as sorted datetime64[D]."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def add_working_days(start, n: int) -> np.ndarray:
    """The nth working day after each start date (NaT stays NaT), as datetime64[ns].

    A start on a weekend or bank holiday rolls back to the working day before it, so the first
    working day after it is day 1 (a Saturday start: Monday is day 1)."""
    start = np.asarray(start, dtype=dates.NS)
    out = np.full(len(start), np.datetime64("NaT"), dtype=dates.NS)
    ok = ~np.isnat(start)
    days = start[ok].astype("datetime64[D]")
    shifted = np.busday_offset(days, n, roll="backward", holidays=bank_holidays())
    out[ok] = shifted.astype(dates.NS)
    return out
