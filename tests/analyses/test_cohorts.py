"""Child-level lists (pipeline.analyses.cohorts), built from a real model: hand-worked cases and
the lists' lengths against the published indicators on the small synthetic LA."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.analyses import cohorts
from pipeline.config import Settings
from pipeline.indicators import all_indicators
from tests.builders import cleaned, missing_la, missing_row, model_of, spell, tables_of, values_at

R = pd.Timestamp("2017-01-31")
T = pd.Timestamp


def at_risk_tables():
    """R = 31/01/2017, threshold 18; year to R = (31/01/2016, 31/01/2017]; 90 days: (02/11/2016, R]."""
    tables = tables_of(
        # A: period from 01/03/2016: the U4 placement disrupted (CREQB) on 01/06/2016, the U5
        #    placement ended as planned (CARPL) on 01/10/2016, the U6 placement is current
        spell("A", [("01/03/2016", "S", "U4", "CREQB"), ("01/06/2016", "P", "U5", "CARPL"),
                    ("01/10/2016", "P", "U6")]),
        spell("B", [("01/01/2015", "S", "U4")]),  # B: latest score 17 (earlier 25) -> not listed
        spell("C", [("01/01/2015", "S", "U4")], end="31/01/2017"),  # C: left care on R
        spell("D", [("01/01/2014", "S", "K2")]),  # D: in a children's home, score 18
        spell("E", [("01/01/2014", "S", "U4")]),  # E: scored 30, but 12 months and a day ago
        dobs={"A": "01/05/2004", "B": "01/01/2005", "C": "01/01/2003", "D": "31/01/2001",
              "E": "01/01/2004"},
        sdq=[
            ("A", "01/12/2015", 10),
            ("A", "01/12/2016", 20),  # A's latest: 20
            ("B", "01/06/2015", 25),
            ("B", "01/06/2016", 17),
            ("C", "01/06/2016", 30),  # C is not looked after at R: not listed
            ("D", "01/05/2016", 18),  # exactly the threshold: listed
            ("D", "10/02/2017", 5),  # after R: ignored
            ("E", "31/01/2016", 30),  # E's only score is older than the year to R: not listed
        ],
    )  # fmt: skip
    tables["missing"] = cleaned(
        "missing",
        [
            missing_row("A", "M", "05/11/2016 22:00"),
            missing_row("A", "M", "02/11/2016 10:00"),  # day 90 back: outside
            missing_row("A", "A", "10/01/2017 01:00"),
            missing_row("A", "M", "31/01/2017 23:00"),  # on R: inside
            missing_row("D", "M", "01/01/2016 00:00"),  # over a year before R
        ],
    )
    return tables


def test_sdq_at_or_above_threshold():
    tables = at_risk_tables()
    out = cohorts.sdq_at_or_above_threshold(model_of(tables, Settings()), R)
    assert list(out["CHILD"]) == ["A", "D"]  # sorted by score, highest first
    a, d = out.iloc[0], out.iloc[1]
    # A: moves in the year = placements starting 01/06/2016 and 01/10/2016 (the period's first
    # is not a move); one disruption ended 01/06/2016; missing: 05/11 and 31/01 (02/11 is day 90
    # back, outside); away: 10/01
    assert (a["moves_12m"], a["disruptions_12m"], a["missing_90d"], a["away_90d"]) == (2, 1, 2, 1)
    # born 01/05/2004: 12 at R; in the U6 placement since 01/10/2016: 30 + 31 + 30 + 31 = 122 days
    assert a["sdq_score"] == 20 and a["place"] == "U6" and a["age"] == 12
    assert a["sdq_date"] == T("2016-12-01") and a["place_group"] == "foster"
    assert a["placement_start"] == T("2016-10-01") and a["days_in_placement"] == 122
    # D: born 31/01/2001, 16 on R itself; the 01/01/2016 missing episode is long before the 90 days
    assert (d["sdq_score"], d["moves_12m"], d["missing_90d"], d["age"]) == (18, 0, 0, 16)
    assert (d["disruptions_12m"], d["away_90d"], d["place"]) == (0, 0, "K2")
    assert d["sdq_band"] == "concern"
    # 01/01/2014 -> 31/01/2017: 365 * 3 + 1 (2016 is a leap year) + 30 = 1126 days
    assert d["days_in_placement"] == 1126
    # a higher threshold drops D
    higher = cohorts.sdq_at_or_above_threshold(model_of(tables, Settings(sdq_threshold=19)), R)
    assert list(higher["CHILD"]) == ["A"]
    # the list is the indicator's numerator
    v = values_at(all_indicators(model_of(tables), [R]), R)
    # A, B and D are looked after at R with a score dated in the 12 months to R (C left on R;
    # E's score is a day too old): 2 of 3 at or above 18
    assert v["sdq_high_in_placement"] == (2, 2, 3)


def test_repeat_missing_on_the_missing_la():
    # missing_la(): 3+ M incidents in the year to R (01/02/2016..31/01/2017): child 1 (05/01
    # twice, 31/01) and child 3 (01/02/2016, 12/01, 20/01; 31/01/2016 is outside the year)
    model = model_of(missing_la())
    rep = cohorts.repeat_missing(model.missing, R)
    assert list(rep["CHILD"]) == ["1", "3"]
    assert list(rep["incidents"]) == [3, 3]
    assert rep.loc[rep["CHILD"] == "3", "first_start"].iloc[0] == T("2016-02-01 10:00")
    assert rep.loc[rep["CHILD"] == "1", "last_start"].iloc[0] == T("2017-01-31 22:00")
    # child 1's hours: 1 + 3 + 4.5 = 8.5; child 3's: 1 + 48 (the 20/01 episode is open) = 49
    assert list(rep["total_hours"]) == [8.5, 49.0]
    assert list(rep["open_episodes"]) == [0, 1]
    assert list(rep["age_at_latest"]) == [14, 12]
    v = values_at(all_indicators(model, [R]), R)
    assert v["missing_repeat_children_12m"][0] == len(rep) == 2
    # a threshold of 4 leaves no one
    assert cohorts.repeat_missing(model.missing, R, threshold=4).empty


@pytest.fixture(scope="module")
def synth_model(small_synth):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    raw = load_extract(small_synth / "truth" / "2017-01")
    return model_of(clean_extract(raw, month="2017-01").tables)


def test_list_lengths_equal_the_indicators_on_synthetic(synth_model):
    v = values_at(all_indicators(synth_model, ["2017-01"]), "2017-01")
    cohort = cohorts.sdq_at_or_above_threshold(synth_model, R)
    repeat = cohorts.repeat_missing(synth_model.missing, R)
    assert len(cohort) > 0 and len(repeat) > 0  # the comparison is not between two empty lists
    assert len(cohort) == v["sdq_high_in_placement"][0]
    assert len(repeat) == v["missing_repeat_children_12m"][0]
    assert (cohort["sdq_score"] >= Settings().sdq_threshold).all()
    assert (repeat["incidents"] >= 3).all()
