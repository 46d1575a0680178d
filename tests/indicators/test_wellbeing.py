"""Health, care leavers, social workers and deprivation of liberty
(pipeline.indicators.wellbeing), R = 31/01/2017; the year to R is 01/02/2016-31/01/2017.
Each expected value is worked out by hand in the comments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import indicators
from tests.builders import model_of, spell, tables_of, values_at

R = "2017-01"


def _dates(values):
    return pd.to_datetime(values, format="%d/%m/%Y").astype("datetime64[ns]")


def la():
    tables = tables_of(
        spell(1, [("01/01/2015", "S", "U4")]),
        spell(2, [("01/01/2015", "S", "U4")]),
        spell(3, [("01/01/2016", "S", "K2")]),
    )
    tables["oc3"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["a", "b", "c", "d", "e", "f"], dtype="str"),
            "DOB": _dates(
                [
                    "31/01/1996",  # a: 21st birthday on R -> in the cohort (19-21)
                    "15/06/1995",  # b: 21st birthday 15/06/2016, in the year: aged 21 at R -> in
                    "30/01/1995",  # c: 22nd birthday 30/01/2017 -> aged 22: out
                    "01/02/1999",  # d: 18th birthday 01/02/2017 is after R: aged 17 -> in (17-18)
                    "01/02/2000",  # e: aged 16 at R (17th birthday tomorrow): out
                    "01/01/1998",  # f: aged 19 but died: out
                ]
            ),
            "IN_TOUCH": pd.Series(["YES", "NO", "YES", "YES", "YES", "DIED"], dtype="str"),
            "ACTIV": pd.Series(["F5", "G5", "F1", "P4", "F2", "0"], dtype="str"),
            "ACCOM": pd.Series(["S1", "B2", "K1", "T1", "Y1", "0"], dtype="str"),
        }
    )
    tables["oc2"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["1", "2", "3", "4"], dtype="str"),
            "HEALTH_ASSESSMENT": pd.Series(["1", "1", "1", "0"], dtype="str"),
            "TEETH_CHECK": pd.Series(["1", "0", "0", "0"], dtype="str"),
            "IMMUNISATIONS": pd.Series(["1", "1", None, "0"], dtype="str"),
        }
    )
    tables["sw_episodes"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["1", "1", "1", "2", "2", "3"], dtype="str"),
            "SW_ID": pd.Series(["w1", "w2", "w3", "w1", "w4", "w3"], dtype="str"),
            # child 1: w1 to 01/03/2016 (in the year), w2, then w3 now: 3 workers
            # child 2: w4 ended 31/01/2016 (before the year): 1 worker in the year (w1)
            "SW_DECOM": _dates(
                ["01/01/2015", "01/03/2016", "01/09/2016", "01/01/2016", "01/01/2015", "01/01/2016"]
            ),
            "SW_DEC": _dates(["01/03/2016", "01/09/2016", None, None, "31/01/2016", None]),
        }
    )
    tables["dolo"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["1", "2", "9"], dtype="str"),
            "DOLO_START": _dates(["01/01/2017", "01/01/2017", "01/01/2017"]),
            # child 1's order ends on R (in force); child 2's ended 30/01; 9 is not in care
            "DOLO_END": _dates(["31/01/2017", "30/01/2017", None]),
        }
    )
    return tables


def run(tables):
    tidy = indicators.all_indicators(model_of(tables), [R], themes=(indicators.wellbeing,))
    return values_at(tidy, R)


def test_care_leaver_cohort_by_birthday_in_the_year_to_r():
    v = run(la())
    # cohort: a (21 on R), b (21), d (17); c is 22, e is 16, f died
    assert v["care_leavers_in_touch_pct"] == (200 / 3, 2, 3)  # a, d
    assert v["care_leavers_eet_pct"] == (200 / 3, 2, 3)  # a F5, d P4; b G5 is NEET
    assert v["care_leavers_suitable_accom_pct"] == (200 / 3, 2, 3)  # S1, T1; B2 not suitable
    assert v["care_leavers_eet_pct_17_18"] == (100.0, 1, 1)
    assert v["care_leavers_eet_pct_19_21"] == (50.0, 1, 2)


def test_health_from_oc2():
    v = run(la())
    assert v["health_assessment_pct"] == (75.0, 3, 4)
    assert v["dental_check_pct"] == (25.0, 1, 4)
    assert v["immunisations_pct"] == (50.0, 2, 4)  # a blank is not "up to date"


def test_social_worker_changes_and_caseload():
    v = run(la())
    # 3+ workers in the year: child 1 only, of 3 looked after
    assert v["sw_changes_3plus_pct"] == (100 / 3, 1, 3)
    # allocated at R: 1 (w3), 2 (w1), 3 (w3) -> 3 children, 2 workers
    assert v["children_per_sw"] == (1.5, 3, 2)


def test_deprivation_of_liberty_in_force_at_r():
    assert run(la())["dolo_count"][:2] == (1, 1)


def test_missing_tables_give_empty_figures():
    tables = la()
    for name in ("oc3", "oc2", "sw_episodes", "dolo"):
        del tables[name]
    v = run(tables)
    assert np.isnan(v["care_leavers_eet_pct"][0]) and np.isnan(v["sw_changes_3plus_pct"][0])
    assert np.isnan(v["dental_check_pct"][0]) and v["dolo_count"][0] == 0
