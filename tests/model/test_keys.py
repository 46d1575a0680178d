"""Text keys matched to their positions: both ways of building the lookup give pandas' answer."""

import numpy as np
import pandas as pd
import pytest

from pipeline.model.keys import positions


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", None, "z", "b"],  # more values than keys: the keys are hashed
        ["a", None],  # fewer values than keys: the values are hashed and the answer inverted
    ],
)
def test_positions_match_pandas_and_mark_absent_and_missing(values):
    among = pd.Index(["a", "b", "c"], dtype="str")
    got = positions(pd.Series(values, dtype="str"), among)
    expected = among.get_indexer(pd.Series(values, dtype="str").fillna("(none)"))
    assert got.dtype == np.int64
    assert list(got) == list(expected)


def test_a_repeated_key_gives_its_first_position_either_way():
    among = pd.Series(["x", "a", "y", "a", "z"], dtype="str")
    assert list(positions(pd.Series(["a"]), among)) == [1]  # fewer values than keys
    assert list(positions(pd.Series(["a"] * 6), among)) == [1] * 6  # more values than keys


def test_empty_inputs():
    assert list(positions(pd.Series([], dtype="str"), pd.Index(["a"]))) == []
    assert list(positions(pd.Series(["a", None]), pd.Index([], dtype="str"))) == [-1, -1]
