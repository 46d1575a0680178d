"""Health records in the model (pipeline.model.health): IDs looked up once, grouped by type."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import health
from tests.builders import model_of, spell, tables_of


def test_coded_records_groups_by_type_and_drops_unknown_children_and_undated_rows():
    tables = tables_of(
        spell(1, [("01/01/2015", "S", "U4")]),
        spell(2, [("01/01/2016", "S", "U4")]),
    )
    tables["health"] = pd.DataFrame(
        {
            # child 9 is not in the model; child 2's DENTAL record has no date
            "CHILD": pd.Series(["2", "1", "9", "2", "1"], dtype="str"),
            "HEALTH_TYPE": pd.Series(["RHA", "RHA", "RHA", "DENTAL", None], dtype="str"),
            "HEALTH_DATE": pd.to_datetime(
                ["01/03/2016", "01/04/2016", "01/05/2016", None, "01/06/2016"], format="%d/%m/%Y"
            ).astype("datetime64[ns]"),
        }
    )
    m = model_of(tables)
    coded = m.health_records
    code_of = {str(c): i for i, c in enumerate(m.care.children)}
    assert sorted(coded) == ["", "RHA"]  # the untyped record is kept under no type
    child, day = health.records(coded, "RHA")
    assert child.tolist() == [code_of["2"], code_of["1"]]  # file order kept
    expected = np.array(["2016-03-01", "2016-04-01"], dtype="datetime64[ns]")
    np.testing.assert_array_equal(day, expected)
    child, day = health.records(coded, "DENTAL")
    assert len(child) == 0 and day.dtype == np.dtype("datetime64[ns]")
