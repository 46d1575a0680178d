"""Text keys (child IDs, postcodes) matched to their positions in a list of keys.

pandas looks text up by first turning it into Python objects; Arrow's hash lookup works on the
text as it is held, about three times faster on a national extract. Building the hash table is
the dear part, so it is built on the shorter side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _arrow_text(values) -> pa.Array:
    """The values as one Arrow string array (no copy for pandas' Arrow-backed text)."""
    text = pa.array(pd.array(values, dtype="str"))
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    return text.cast(pa.large_string())


def _as_int(found: pa.Array) -> np.ndarray:
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype("int64")


def positions(values, among) -> np.ndarray:
    """Position in `among` of each value (int64; -1 where absent or missing). `among` should
    hold each key once; a repeated key gives its first position."""
    text, keys = _arrow_text(values), _arrow_text(among)
    if len(text) >= len(keys):
        return _as_int(pc.index_in(text, value_set=keys))
    # fewer values than keys: hash the values' distinct text, look each key up in it, invert
    encoded = pc.dictionary_encode(text)
    where = _as_int(pc.index_in(keys, value_set=encoded.dictionary))
    found = np.full(len(encoded.dictionary) + 1, -1, dtype="int64")  # the extra slot: missing
    first = np.flatnonzero(where >= 0)[::-1]  # assigned last to first, so the first key wins
    found[where[first]] = first
    return found[_as_int(encoded.indices)]


def sort_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Row positions that sort `frame` by `columns` ascending, stably, missing values last (as
    pandas' stable sort_values), by Arrow's sort: text keys compared without Python objects."""
    table = pa.table({c: pa.array(frame[c].array, from_pandas=True) for c in columns})
    order = pc.sort_indices(table, sort_keys=[(c, "ascending") for c in columns])
    return order.to_numpy(zero_copy_only=False).astype("int64")
