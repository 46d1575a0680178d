"""SSDA903 code lists (data in `pipeline/data/codes.toml`), valid per collection year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import data

FIRST_YEAR = 2000
LAST_YEAR = 2100


def codes(list_name: str, year: int | None = None) -> set[str]:
    """Codes in a list; with `year`, only those valid for that collection year."""
    entries = data.codes()[list_name]
    if year is None:
        return set(entries)
    return {
        c for c, e in entries.items() if e.get("from", FIRST_YEAR) <= year <= e.get("to", LAST_YEAR)
    }


def label(list_name: str, code: str) -> str:
    """The DfE label of a code ('' when unknown)."""
    return data.codes()[list_name].get(code, {}).get("label", "")


def labels(list_name: str) -> dict[str, str]:
    """{code: DfE label} for a list."""
    return {code: entry.get("label", code) for code, entry in data.codes()[list_name].items()}


def valid_in_years(
    list_name: str, values: pd.Series, first: pd.Series | None = None, last: pd.Series | None = None
) -> pd.Series:
    """Vectorised: True where `values` is a code valid in at least one collection year from
    `first` to `last` (per row; a record is judged against every year it spans). Without years
    (or NA ones) a code is valid if it is valid in any year. Blank values count as valid (blanks
    are a separate rule's business)."""
    entries = data.codes()[list_name]
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    valid_from = np.array(
        [entries[u].get("from", FIRST_YEAR) if u in entries else np.nan for u in uniques]
        + [np.nan],
        dtype="float64",
    )
    valid_to = np.array(
        [entries[u].get("to", LAST_YEAR) if u in entries else np.nan for u in uniques] + [np.nan],
        dtype="float64",
    )
    positions = np.where(positions < 0, len(uniques), positions)
    lo, hi = valid_from[positions], valid_to[positions]

    def years(series) -> np.ndarray:
        if series is None:
            return np.full(len(values), np.nan)
        return series.to_numpy(dtype="float64", na_value=np.nan)

    y0, y1 = years(first), years(last)
    y0 = np.where(np.isnan(y0), FIRST_YEAR, y0)
    y1 = np.where(np.isnan(y1), LAST_YEAR, y1)
    overlaps = ~np.isnan(lo) & (lo <= y1) & (hi >= y0)
    return pd.Series(overlaps | values.isna().to_numpy(), index=values.index)


def valid_for_year(list_name: str, values: pd.Series, years: pd.Series) -> pd.Series:
    """`valid_in_years` for records of one collection year each."""
    return valid_in_years(list_name, values, years, years)


def collection_years(dates: pd.Series) -> pd.Series:
    """Vectorised collection year (April-March, as the starting calendar year) of a datetime Series."""
    return dates.dt.year.astype("Int64") - (dates.dt.month < 4).astype("Int64")
