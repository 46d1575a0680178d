"""The scorecard's restricted lists (pipeline.analyses.scorecard_lists), R = 31/01/2017."""

from __future__ import annotations

import pandas as pd

from pipeline import indicators
from pipeline.analyses import scorecard_lists
from tests.builders import cleaned, model_of, spell, tables_of, values_at
from tests.model.test_reviews import review_frame

R = pd.Timestamp("2017-01-31")


def la():
    """
    1: in care from 01/06/2016, first review 28/06/2016; the second was due 28/09/2016 and is not
       held: 28/09/2016 -> 31/01/2017 = 2 + 31 + 30 + 31 + 31 = 125 days overdue.
    2: in care from Thu 01/12/2016, no review: due Tue 03/01/2017 (20 working days, across the
       Christmas bank holidays): 28 days overdue.
    3: in care from 20/01/2017: first review not yet due: not listed.
    4: placement order (E1) from 01/10/2016, still with foster carers: waiting 01/10 -> 01/11 31,
       -> 01/12 30, -> 01/01 31, -> 31/01 30 = 122 days; reviews on time (first due 29/01/2016,
       held 20/01; then 15/04 and 10/10/2016; next due 10/04/2017): not overdue.
    5: placement order then placed for adoption (A4): not waiting; reviews as 4.
    Care leavers: A (18 at R) NO; B (20) YES; C (19) REFU; D died; E 22 at R (outside the cohort).
    """
    c2, e1 = "C2", "E1"
    tables = tables_of(
        spell(1, [("01/06/2016", "S", "U4")]),
        spell(2, [("01/12/2016", "S", "U4")]),
        spell(3, [("20/01/2017", "S", "U4")]),
        spell(4, [("01/01/2016", "S", "U4", None, None, c2),
                  ("01/10/2016", "L", "U4", None, None, e1)]),
        spell(5, [("01/01/2016", "S", "U4", None, None, c2),
                  ("01/06/2016", "L", "U4", None, None, e1),
                  ("01/12/2016", "P", "A4", None, None, e1)]),
    )  # fmt: skip
    tables["reviews"] = review_frame(
        [(1, "28/06/2016", "PN1"), (4, "20/01/2016", "PN1"), (4, "15/04/2016", "PN1"),
         (4, "10/10/2016", "PN1"), (5, "20/01/2016", "PN1"), (5, "15/04/2016", "PN1"),
         (5, "10/10/2016", "PN1")]
    )  # fmt: skip
    leavers = [("A", "01/06/1998", "NO"), ("B", "01/06/1996", "YES"), ("C", "01/06/1997", "REFU"),
               ("D", "01/06/1997", "DIED"), ("E", "01/06/1994", "NO")]  # fmt: skip
    tables["oc3"] = cleaned(
        "oc3",
        [
            {"CHILD": c, "DOB": b, "IN_TOUCH": t, "ACTIV": "G5", "ACCOM": "B1"}
            for c, b, t in leavers
        ],
    )
    return tables


def test_overdue_reviews_list():
    out = scorecard_lists.overdue_reviews(model_of(la()), R)
    assert list(out["CHILD"]) == ["1", "2"]  # most overdue first
    assert list(out["days_overdue"]) == [125, 28]
    assert out["due"].iloc[1] == pd.Timestamp("2017-01-03") and pd.isna(out["last_review"].iloc[1])


def test_care_leavers_not_in_touch_list():
    out = scorecard_lists.care_leavers_not_in_touch(model_of(la()), R)
    assert list(out["CHILD"]) == ["C", "A"]  # oldest first; B in touch, D died, E is 22
    assert list(out["age"]) == [19, 18] and list(out["IN_TOUCH"]) == ["REFU", "NO"]


def test_children_waiting_with_a_placement_order_match_the_indicator():
    m = model_of(la())
    out = scorecard_lists.waiting_with_placement_order(m, R)
    assert list(out["CHILD"]) == ["4"] and list(out["days_since_order"]) == [122]
    assert out["order_date"].iloc[0] == pd.Timestamp("2016-10-01") and out["place"].iloc[0] == "U4"
    v = values_at(indicators.all_indicators(m, ["2017-01"], themes=(indicators.scorecard,)), R)
    assert v["placement_order_waiting"][0] == len(out)


def test_lists_are_empty_without_their_tables():
    tables = la()
    del tables["reviews"], tables["oc3"]
    m = model_of(tables)
    assert scorecard_lists.care_leavers_not_in_touch(m, R).empty
    # without reviews every child whose first review has fallen due is overdue: 1, 2, 4, 5
    assert sorted(scorecard_lists.overdue_reviews(m, R)["CHILD"]) == ["1", "2", "4", "5"]
