"""Text keys matched to their positions: both ways of building the lookup give pandas' answer."""

import numpy as np
import pandas as pd
import pytest

from pipeline.model.keys import positions, sort_order


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


def test_sort_order_is_pandas_stable_sort_with_missing_last():
    frame = pd.DataFrame(
        {
            "CHILD": pd.Series(["b", "a", None, "a", "é", "z", "a"], dtype="str"),
            "DECOM": pd.to_datetime(
                ["2017-01-01", None, "2016-01-01", "2016-01-01", "2015-01-01", None, "2016-01-01"]
            ),
        }
    )
    expected = frame.sort_values(["CHILD", "DECOM"], kind="stable", na_position="last").index
    # a (2016, rows 3 then 6 in their order), a (missing date), b, z, é (after z), missing child
    assert list(sort_order(frame, ["CHILD", "DECOM"])) == list(expected) == [3, 6, 1, 0, 5, 4, 2]
