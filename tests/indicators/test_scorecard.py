"""The corporate parenting scorecard (pipeline.indicators.scorecard), R = 31/01/2017.

The year to R is 01/02/2016-31/01/2017; the financial year to date 01/04/2016-31/01/2017.
Each expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import indicators
from pipeline.indicators import scorecard
from tests.builders import model_of, spell, tables_of, values_at
from tests.model.test_reviews import review_frame

R = "2017-01"


def la():
    c2, e1 = "C2", "E1"
    spells = [
        # 1: section 20, foster care, since 01/06/2016
        spell(1, [("01/06/2016", "S", "U4", None, None, "V2")]),
        # 2: full care order, children's home
        spell(2, [("01/01/2016", "S", "K2", None, None, c2)]),
        # 3: placement order from 01/10/2016, still with foster carers: waiting 122 days at R
        spell(
            3,
            [("01/01/2016", "S", "U4", None, None, c2), ("01/10/2016", "L", "U4", None, None, e1)],
        ),
        # 4: placement order, then placed for adoption (A6) on 01/12/2016: not waiting
        spell(
            4,
            [
                ("01/01/2016", "S", "U4", None, None, c2),
                ("01/06/2016", "L", "U4", None, None, e1),
                ("01/12/2016", "P", "A6", None, None, e1),
            ],
        ),
        # 5: adopted 15/05/2016 (in the year and the financial year)
        spell(5, [("01/01/2015", "S", "A6")], end="15/05/2016", rec="E11"),
        # 6: special guardianship 20/03/2016 (in the year, before 1 April: not FYTD)
        spell(6, [("01/01/2015", "S", "U4")], end="20/03/2016", rec="E45"),
        # 7: returned home on R (ceased in the year; not looked after at R)
        spell(7, [("01/01/2015", "S", "U4")], end="31/01/2017", rec="E4A"),
        # 8: returned home 31/01/2016, the day before the year to R began
        spell(8, [("01/01/2015", "S", "U4")], end="31/01/2016", rec="E4A"),
    ]
    tables = tables_of(*spells)
    tables["reviews"] = review_frame(
        [
            # child 1: first due 29/06/2016 (20 working days from Wed 01/06), second due
            # 28/09/2016, third due 20/03/2017: all on time
            (1, "28/06/2016", "PN1"),
            (1, "20/09/2016", "PN1"),
            (1, "10/01/2017", "PN1"),
            # child 2: first review (due 29/01/2016) held 15/01/2017: late; PN0 (under 4)
            (2, "15/01/2017", "PN0"),
            # child 3: first review due 29/01/2016 (1 January is a bank holiday), held 20/01/2017
            (3, "20/01/2017", "PN7"),
        ]
    )
    tables["uasc"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["1", "2"], dtype="str"),
            "SEX": "1",
            "DOB": pd.NaT,
            "DUC": pd.to_datetime(["01/01/2017", None], format="%d/%m/%Y").astype("datetime64[ns]"),
        }
    )
    return tables


def run(tables):
    tidy = indicators.all_indicators(model_of(tables), [R], themes=(indicators.scorecard,))
    return values_at(tidy, R)


def test_reviews_held_on_time_and_participation():
    v = run(la())
    # January reviews: child 1 (on time), 2 and 3 (late) -> 3 held, 1 on time = 33.3%
    assert v["reviews_held"][0] == 3
    assert v["reviews_on_time_pct"] == (100 / 3, 1, 3)
    # year to R, aged 4+: child 1 x3 (PN1) and child 3 (PN7); child 2's PN0 set aside -> 3 / 4
    assert v["review_participation_pct"] == (75.0, 3, 4)


def test_legal_status_family_based_and_placement_orders():
    v = run(la())
    # looked after at R: 1, 2, 3, 4 (7 left on R)
    assert v["s20_pct"] == (25.0, 1, 4)
    # foster 1 and 3, placed for adoption 4; 2 in a children's home -> 3 / 4
    assert v["family_based_pct"] == (75.0, 3, 4)
    assert v["placement_order_waiting"][:2] == (1, 1)
    # 01/10/2016 -> 31/01/2017: 31 + 30 + 31 + 30 = 122 days
    assert v["placement_order_waiting_days"][0] == 122


def test_why_children_left_care_and_financial_year_counts():
    v = run(la())
    # ceased in the year to R: 5 (adopted), 6 (SGO), 7 (returned home on R); 8 before the year
    assert v["ceased_adopted_pct"] == (100 / 3, 1, 3)
    assert v["ceased_special_guardianship_pct"] == (100 / 3, 1, 3)
    assert v["ceased_returned_home_pct"] == (100 / 3, 1, 3)
    assert v["ceased_died_pct"] == (0.0, 0, 3)
    assert v["adoptions_fytd"][0] == 1 and v["sgo_fytd"][0] == 0
    assert sum(v[i][1] for i in scorecard.CEASED_IDS) == 3


def test_uasc_status_ceased_by_r_is_not_counted():
    # child 1's status ceased 01/01/2017; child 2's has not
    assert run(la())["uasc_count"][:2] == (1, 1)


def test_without_reviews_or_uasc_tables_the_figures_are_empty_not_errors():
    tables = la()
    del tables["reviews"], tables["uasc"]
    v = run(tables)
    assert v["reviews_held"][0] == 0 and np.isnan(v["reviews_on_time_pct"][0])
    assert v["uasc_count"][0] == 0


def test_financial_year_start():
    refs = pd.DatetimeIndex(["2017-01-31", "2017-03-31", "2017-04-30"])
    got = scorecard.financial_year_start(refs)
    assert list(pd.DatetimeIndex(got)) == list(
        pd.to_datetime(["2016-04-01", "2016-04-01", "2017-04-01"])
    )
