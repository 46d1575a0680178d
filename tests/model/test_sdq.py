"""The scored SDQ history (pipeline.model.sdq): which score a child had on a date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import sdq
from pipeline.model.dates import NS
from tests.builders import d, model_of, sdq_frame, spell, tables_of


def test_dated_scores_skips_reasons_and_undated_rows_and_sorts():
    tables = {
        "sdq": sdq_frame(
            [
                (2, "01/06/2016", 12),
                (1, "01/12/2016", 20),
                (1, "01/06/2016", None),  # a reason (SDQ4), not a score
                (1, "01/03/2016", 25),
                (3, None, 14),  # no date: not a dated score
                (3, "01/01/2016", 0),  # a score of 0 is a score
            ]
        )
    }
    out = sdq.dated_scores(tables)
    assert list(out.columns) == sdq.HISTORY_COLUMNS
    # by child, then date
    assert list(out["CHILD"]) == ["1", "1", "2", "3"]
    assert list(out["SDQ_DATE"]) == [d("01/03/2016"), d("01/12/2016"), d("01/06/2016"),
                                     d("01/01/2016")]  # fmt: skip
    assert list(out["SDQ_SCORE"]) == [25.0, 20.0, 12.0, 0.0]
    assert out["SDQ_SCORE"].dtype == "float64" and out["SDQ_DATE"].dtype == NS


def test_dated_scores_without_a_table_is_empty():
    for tables in ({}, {"sdq": sdq_frame([])}):
        out = sdq.dated_scores(tables)
        assert out.empty and list(out.columns) == sdq.HISTORY_COLUMNS
    # the model's history is the same frame
    m = model_of(tables_of(spell(1, [("01/01/2016", "S", "U4")]), sdq=[(1, "01/06/2016", 9)]))
    assert list(m.sdq_scores["SDQ_SCORE"]) == [9.0]


def test_score_history_falls_back_to_oc2_only_without_dated_scores():
    refs = pd.DatetimeIndex([d("31/12/2016"), d("31/01/2017")])
    oc2 = [(1, 20), (2, None), (3, 9)]
    spells = [spell(c, [("01/01/2016", "S", "U4")]) for c in (1, 2, 3)]
    # a dated history: the oc2 table is ignored
    dated = tables_of(*spells, sdq=[(1, "01/06/2016", 12)], oc2=oc2)
    out = sdq.score_history(dated, refs)
    assert list(out["SDQ_SCORE"]) == [12.0] and list(out["SDQ_DATE"]) == [d("01/06/2016")]
    # no dated score (no sdq table, or only reasons): each oc2 score dated at every R; child 2
    # has no score -> 2 children x 2 dates = 4 rows
    for tables in (tables_of(*spells, oc2=oc2), tables_of(*spells, sdq=[(1, "01/06/2016", None)],
                                                          oc2=oc2)):  # fmt: skip
        out = sdq.score_history(tables, refs).sort_values(["CHILD", "SDQ_DATE"])
        assert list(out.columns) == sdq.HISTORY_COLUMNS
        assert list(out["CHILD"]) == ["1", "1", "3", "3"]
        assert list(out["SDQ_DATE"]) == list(refs) * 2
        assert list(out["SDQ_SCORE"]) == [20.0, 20.0, 9.0, 9.0]
    # neither: empty
    assert sdq.score_history(tables_of(*spells), refs).empty


def test_latest_scores_on_or_before_each_date():
    history = sdq.dated_scores(
        {
            "sdq": sdq_frame(
                [
                    (1, "01/12/2015", 25),
                    (1, "01/06/2016", 12),
                    (2, "15/02/2017", 35),
                    (9, "01/01/2016", 30),
                ]
            )
        }  # fmt: skip
    )
    children = pd.Index(["1", "2", "3"])  # child 9 is not among them: its score is never used
    child = np.array([0, 0, 0, 1, 1, 2])
    when = np.array([d("30/11/2015"), d("01/06/2016"), d("31/01/2017"), d("31/01/2017"),
                     d("15/02/2017"), d("31/01/2017")], dtype=NS)  # fmt: skip
    found_date, found_score = sdq.latest_scores(history, children, child, when)
    # child 1: nothing before 01/12/2015; on 01/06/2016 the score of that day; at R still 12;
    # child 2: its score is after R (none), then on the day; child 3: none
    assert list(np.isnat(found_date)) == [True, False, False, True, False, True]
    assert list(found_date[[1, 2, 4]]) == [d("01/06/2016"), d("01/06/2016"), d("15/02/2017")]
    assert list(np.nan_to_num(found_score, nan=-1)) == [-1, 12, 12, -1, 35, -1]


def test_score_before_looks_back_twelve_months_up_to_the_start():
    # placement starts 01/06/2016: the window is (01/06/2015, 01/06/2016]
    history = sdq.dated_scores(
        {
            "sdq": sdq_frame(
                [
                    (1, "01/06/2015", 30),  # exactly 12 months before the start: outside
                    (2, "02/06/2015", 21),  # a day later: inside
                    (3, "01/06/2016", 15),  # the start day itself: inside
                    (4, "01/03/2016", 10), (4, "02/06/2016", 40),  # after the start: ignored
                    (5, "01/01/2016", 11), (5, "01/05/2016", 19),  # the latest in the window
                ]
            )
        }
    )  # fmt: skip
    child = pd.Series(["1", "2", "3", "4", "5", "6"])
    start = pd.Series([d("01/06/2016")] * 6)
    when, score = sdq.score_before(child, start, history)
    assert list(np.nan_to_num(score, nan=-1)) == [-1, 21, 15, 10, 19, -1]
    assert np.isnat(when[0]) and np.isnat(when[5])
    assert list(when[1:5]) == [d("02/06/2015"), d("01/06/2016"), d("01/03/2016"), d("01/05/2016")]


def test_latest_scores_in_year_ignore_scores_older_than_twelve_months():
    # R = 31/01/2017: the year to R starts 01/02/2016
    history = sdq.dated_scores(
        {
            "sdq": sdq_frame(
                [
                    (1, "31/01/2016", 30),  # a day too old: does not count
                    (2, "31/01/2016", 30),
                    (2, "01/02/2016", 12),  # the year's first day: counts, and is the latest
                    (3, "15/06/2016", 19),
                    (3, "01/02/2017", 5),  # after R: never used
                ]
            )
        }
    )
    children = pd.Index(["1", "2", "3", "4"])
    r = np.datetime64("2017-01-31", "ns")
    when, score = sdq.latest_scores_in_year(history, children, np.arange(4), np.full(4, r))
    assert np.isnat(when[0]) and np.isnan(score[0])
    assert when[1] == np.datetime64("2016-02-01") and score[1] == 12
    assert when[2] == np.datetime64("2016-06-15") and score[2] == 19
    assert np.isnat(when[3]) and np.isnan(score[3])  # no score at all
    # a year later child 3's score is too old too
    later = np.datetime64("2017-06-30", "ns")
    _, s2 = sdq.latest_scores_in_year(history, children, np.array([2]), np.array([later]))
    assert s2[0] == 5
    _, s3 = sdq.latest_scores_in_year(
        history, children, np.array([2]), np.array([np.datetime64("2018-03-31", "ns")])
    )
    assert np.isnan(s3[0])
