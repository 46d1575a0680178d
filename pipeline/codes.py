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


def valid_for_year(list_name: str, values: pd.Series, years: pd.Series) -> pd.Series:
    """Vectorised: True where `values` is a code valid in the matching collection `years`.

    Blank values count as valid (blanks are a separate rule's business).
    """
    entries = data.codes()[list_name]
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    first = np.array(
        [entries.get(u, {}).get("from", FIRST_YEAR) if u in entries else np.nan for u in uniques]
        + [np.nan],
        dtype="float64",
    )
    last = np.array(
        [entries.get(u, {}).get("to", LAST_YEAR) if u in entries else np.nan for u in uniques]
        + [np.nan],
        dtype="float64",
    )
    positions = np.where(positions < 0, len(uniques), positions)
    lo, hi = first[positions], last[positions]
    yr = years.to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(lo)
    in_range = known & (np.isnan(yr) | ((lo <= yr) & (yr <= hi)))
    return pd.Series(in_range | values.isna().to_numpy(), index=values.index)


def collection_years(dates: pd.Series) -> pd.Series:
    """Vectorised collection year (April-March, as the starting calendar year) of a datetime Series."""
    return dates.dt.year.astype("Int64") - (dates.dt.month < 4).astype("Int64")
