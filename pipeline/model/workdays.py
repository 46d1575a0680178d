"""Working days: weekdays that are not England bank holidays (the `holidays` package, England).

A statutory "within N working days of D" deadline is the Nth working day after D (D itself is
day 0, whatever day of the week it is): `add_working_days(D, N)`.
"""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np

from pipeline.model import dates
from pipeline.paths import cache_root

CACHED_YEARS = (1990, 2060)  # kept in the cache folder; other years are worked out as asked


@lru_cache(maxsize=8)
def bank_holidays(first_year: int, last_year: int) -> np.ndarray:
    """England (and Wales) bank holidays from `first_year` to `last_year`, as sorted
    datetime64[D]."""
    low, high = CACHED_YEARS
    if not (low <= first_year and last_year <= high):
        return _from_package(first_year, last_year)
    days = _cached_bank_holidays()
    first, after = (
        np.datetime64(f"{first_year:04d}-01-01"),
        np.datetime64(f"{last_year + 1:04d}-01-01"),
    )
    return days[(days >= first) & (days < after)]


def _from_package(first_year: int, last_year: int) -> np.ndarray:
    import holidays

    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


@cache
def _cached_bank_holidays() -> np.ndarray:
    """The CACHED_YEARS' bank holidays, worked out by the package once per version of it and kept
    as a text file in the cache folder (importing the package and working out the years take
    about 0.2 s, every process). An unreadable file is worked out again; an unwritable folder
    only means the package is asked each time."""
    from importlib.metadata import version

    low, high = CACHED_YEARS
    path = cache_root() / f"bank-holidays-england-{version('holidays')}-{low}-{high}.txt"
    try:
        return np.array(path.read_text(encoding="utf-8").split(), dtype="datetime64[D]")
    except (OSError, ValueError):
        pass
    days = _from_package(low, high)
    try:
        from pipeline.io import atomic_write_text

        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text("".join(f"{d}\n" for d in days), path)
    except OSError:
        pass
    return days


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
