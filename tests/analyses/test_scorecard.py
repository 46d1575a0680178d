"""Who is in care (SPEC 5b breakdowns) and the scorecard's themes, on hand-built extracts."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import data, indicators
from pipeline.analyses import scorecard
from tests.builders import model_of, spell, tables_of

R = "31/01/2017"


def _model():
    """Five children at R = 31 January 2017 (children aged 10 unless the header says):
    1: in care since 2015 under a care order (C2), fostered (U4), White British, boy;
    2: started 10 March 2016 (in the year to R), section 20 (V2), children's home (K2), Black;
    3: started 1 February 2016, the first day of the year to R, placement order (E1), adopters (A5);
    4: in care 2016-05-01 to 2016-09-30 and left: not looked after at R, but an entrant;
    5: started 31 January 2016, the day before the year to R: looked after, not an entrant;
       an unaccompanied asylum seeker (UASC, DUC blank) aged 16 at R.
    """
    t = tables_of(
        spell(1, [("01/06/2015", "S", "U4")]),
        spell(2, [("10/03/2016", "S", "K2")], ls="V2"),
        spell(3, [("01/02/2016", "S", "A5")], ls="E1"),
        spell(4, [("01/05/2016", "S", "U4")], end="30/09/2016"),
        spell(5, [("31/01/2016", "S", "U4")], ls="V2"),
        dobs={5: "15/08/2000"},
    )
    header = t["header"].copy()
    header["ETHNIC"] = pd.Series(["WBRI", "BAFR", "MWBC", "REFU", "AOTH"], dtype="str")
    header["SEX"] = pd.Series(["1", "2", "1", "2", "1"], dtype="str")
    t["header"] = header
    t["uasc"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["5"], dtype="str"),
            "DOB": pd.to_datetime(["2000-08-15"]),
            "DUC": pd.Series([pd.NaT], dtype="datetime64[ns]"),
        }
    )
    return model_of(t)


def test_looked_after_at_r_by_every_breakdown():
    la = scorecard.looked_after_at(_model(), pd.Timestamp("2017-01-31"))
    assert sorted(la["CHILD"]) == ["1", "2", "3", "5"]  # 4 left in September
    by = la.set_index("CHILD")
    assert by.loc["2", "ethnicity"] == "Black" and by.loc["3", "ethnicity"] == "Mixed"
    assert by.loc["5", "ethnicity"] == "Asian"
    assert by.loc["2", "sex"] == "Female"
    assert by.loc["5", "age_band"] == "16 and over" and by.loc["1", "age_band"] == "10 to 15"
    assert by.loc["5", "uasc"] == "Yes" and by.loc["1", "uasc"] == "No"
    assert by.loc["2", "legal_status"].startswith("V2:")
    assert by.loc["3", "legal_status"].startswith("E1:")
    assert by.loc["2", "place_group"] == "Secure and children's homes"
    assert by.loc["3", "place_group"] == "Placed for adoption"
    assert by.loc["1", "provider"].startswith("PR1:")


def test_entrants_are_periods_starting_in_the_year_to_r():
    new = scorecard.entrants_in_year(_model(), pd.Timestamp("2017-01-31"))
    # 1 Feb 2016 is the first day of the year to 31 Jan 2017; 31 Jan 2016 is not in it
    assert sorted(new["CHILD"]) == ["2", "3", "4"]
    assert new.set_index("CHILD").loc["4", "ethnicity"] == "Not known"  # REFU


def test_uasc_status_ceased_before_r_is_not_counted():
    m = _model()
    m.tables["uasc"]["DUC"] = pd.to_datetime(["2017-01-30"])
    la = scorecard.looked_after_at(m, pd.Timestamp("2017-01-31")).set_index("CHILD")
    assert la.loc["5", "uasc"] == "No"


def test_breakdown_counts_both_columns_and_drops_empty_groups():
    m = _model()
    ref = pd.Timestamp("2017-01-31")
    table = scorecard.breakdown(
        scorecard.looked_after_at(m, ref), scorecard.entrants_in_year(m, ref), "ethnicity"
    )
    got = table.set_index("group")
    # looked after: White 1, Black 1, Mixed 1, Asian 1; entrants: Black 1, Mixed 1, Not known 1
    assert got["looked_after"].to_dict() == {
        "White": 1, "Mixed": 1, "Asian": 1, "Black": 1, "Not known": 0
    }  # fmt: skip
    assert got["entrants"].to_dict() == {
        "White": 0, "Mixed": 1, "Asian": 0, "Black": 1, "Not known": 1
    }  # fmt: skip
    assert "Other" not in got.index  # nobody in it


def test_every_breakdown_of_the_data_file_is_built_with_its_label():
    out = scorecard.breakdowns(_model(), pd.Timestamp("2017-01-31"))
    spec = data.scorecard()["breakdowns"]
    assert set(out) == set(spec)
    for by, frame in out.items():
        assert frame.attrs["label"] == spec[by]["label"]
        assert ("entrants" in frame) == bool(spec[by].get("entrants"))
        assert frame["looked_after"].sum() == 4


def test_themes_name_only_registered_indicators_and_their_trends_are_among_them():
    register = data.indicators()
    for theme in scorecard.themes():
        assert theme.indicators, theme.id
        assert [i for i in theme.indicators if i not in register] == [], theme.id
        assert set(theme.trends) <= set(theme.indicators)
    with pytest.raises(KeyError, match="no scorecard theme"):
        scorecard.theme("nope")


def test_scorecard_figures_leave_out_indicators_without_a_value():
    m = _model()
    refs = pd.DatetimeIndex(["2016-12-31", "2017-01-31"])
    series = indicators.all_indicators(m, refs)
    figures = scorecard.scorecard_figures(series, "2017-01", m.settings)
    assert "cla_count" in set(figures["indicator"])
    assert figures.set_index("indicator").at["cla_count", "value"] == 4
    # no sw_episodes table: social-worker measures have no value and are left out
    assert "sw_changes_3plus_pct" not in set(figures["indicator"])
    assert list(dict.fromkeys(figures["theme"]))[0] == "Who is in care"
