"""Completeness of key optional fields, on a hand-built extract."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.completeness import completeness
from tests.builders import cleaned, missing_row, model_of, spell, tables_of


def test_blank_reasons_postcodes_ethnicity_and_interview_fields_are_counted_where_expected():
    """R = 31 January 2017. Child 1 moved twice in the year (U4 -> U5 on 1 June 2016 with reason
    CARPL, U5 -> K2 on 1 October 2016 with no reason): 2 changes, 1 blank. Child 2 has one
    placement since 2015 with a blank PL_POST. Child 2's ethnicity is NOBT (not obtained).
    Missing: child 1 has two ended M episodes in the year, one with RHI_OFFERED blank, the other
    offered and accepted with no interview date; an A (away) episode is not counted."""
    t = tables_of(
        spell(1, [("01/04/2016", "S", "U4", "CARPL"), ("01/06/2016", "P", "U5"),
                  ("01/10/2016", "P", "K2")]),
        spell(2, [("01/06/2015", "S", "U4", None, " ")]),
    )  # fmt: skip
    eps = t["episodes"]
    eps.loc[(eps["CHILD"] == "1") & (eps["PLACE"] == "U5"), "REASON_PLACE_CHANGE"] = pd.NA
    eps.loc[eps["CHILD"] == "2", "PL_POST"] = pd.NA
    t["header"].loc[t["header"]["CHILD"] == "2", "ETHNIC"] = "NOBT"
    t["missing"] = cleaned(
        "missing",
        [
            missing_row("1", "M", "10/11/2016 10:00", "10/11/2016 12:00"),
            missing_row("1", "M", "10/12/2016 10:00", "10/12/2016 12:00", offered="Y"),
            missing_row("1", "A", "11/12/2016 10:00", "11/12/2016 12:00", offered="Y"),
        ],
    )
    t["missing"]["RHI_ACCEPTED"] = pd.Series(["N", "Y", "N"], dtype="str").where(
        t["missing"]["RHI_OFFERED"].notna(), pd.NA
    )
    out = completeness(model_of(t), "2017-01-31").set_index("field")
    assert out.loc["REASON_PLACE_CHANGE", ["records", "blank"]].tolist() == [2, 1]
    assert out.loc["PL_POST", ["records", "blank"]].tolist() == [2, 1]
    assert out.loc["HOME_POST", ["records", "blank"]].tolist() == [2, 0]
    assert out.loc["ETHNIC", ["records", "blank"]].tolist() == [2, 1]
    assert out.loc["RHI_OFFERED", ["records", "blank"]].tolist() == [2, 1]
    assert out.loc["RHI_DATE", ["records", "blank"]].tolist() == [1, 1]
    assert out.loc["REASON_PLACE_CHANGE", "complete_pct"] == 50.0


def test_checks_need_their_tables():
    t = tables_of(spell(1, [("01/04/2016", "S", "U4")]))
    fields = set(completeness(model_of(t), "2017-01-31")["field"])
    assert "RHI_OFFERED" not in fields and "REASON_PLACE_CHANGE" in fields
