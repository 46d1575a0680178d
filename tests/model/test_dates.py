"""Reference dates, year windows, whole years and the date searches (pipeline.model.dates), on
small hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.model.dates import (
    NS,
    as_reference_dates,
    count_between,
    count_on_or_before,
    distinct,
    distinct_counts,
    latest_on_or_before,
    month_ends,
    months_before,
    reference_date,
    whole_years,
    year_start,
)
from tests.builders import d


def days(*texts) -> np.ndarray:
    return np.array([d(t) for t in texts], dtype=NS)


# ---------------------------------------------------------------------------------------------
# reference dates


def test_reference_date_is_the_last_day_of_the_month():
    assert reference_date("2017-01") == d("31/01/2017")
    assert reference_date("2016-02") == d("29/02/2016")  # leap year
    assert reference_date("2017-02") == d("28/02/2017")
    assert reference_date(pd.Period("2016-11", "M")) == d("30/11/2016")
    # midnight, not the last nanosecond of the month
    assert reference_date("2017-01") == reference_date("2017-01").normalize()
    with pytest.raises(ValueError):
        reference_date("2017-13")


def test_month_ends():
    assert list(month_ends("2016-03", 3)) == [d("31/01/2016"), d("29/02/2016"), d("31/03/2016")]
    assert month_ends("2017-01", 24)[0] == d("28/02/2015")
    assert len(month_ends("2017-01", 24)) == 24
    assert month_ends("2017-01", 24)[-1] == d("31/01/2017")
    assert list(month_ends(pd.Period("2017-01", "M"), 2)) == [d("31/12/2016"), d("31/01/2017")]
    assert month_ends("2017-01", 1).dtype == NS


def test_as_reference_dates_text_periods_and_dates():
    refs = as_reference_dates(["2017-01", pd.Timestamp("2016-12-31"), pd.Period("2016-11", "M")])
    # sorted, whatever the order given
    assert list(refs) == [d("30/11/2016"), d("31/12/2016"), d("31/01/2017")]
    assert list(as_reference_dates("2016-02")) == [d("29/02/2016")]
    assert refs.dtype == NS
    # one value or many; duplicates collapse; a month-end date given as text or numpy is accepted
    assert list(as_reference_dates(pd.Timestamp("2017-01-31"))) == [d("31/01/2017")]
    same = as_reference_dates(["2017-01", "2017-01-31", np.datetime64("2017-01-31"), "2017-01"])
    assert list(same) == [d("31/01/2017")]
    # a Period range (as the series use)
    months = pd.period_range("2016-12", "2017-02", freq="M")
    assert list(as_reference_dates(months)) == [d("31/12/2016"), d("31/01/2017"), d("28/02/2017")]


@pytest.mark.parametrize(
    "value", ["2017-01-15", pd.Timestamp("2017-01-30"), "2016-02-28", np.datetime64("2017-02-01")]
)
def test_as_reference_dates_rejects_a_date_that_is_not_a_month_end(value):
    # every indicator counts events "in M": a mid-month date is an error, not a silent shift
    with pytest.raises(ValueError, match="last day of a month"):
        as_reference_dates([value])


# ---------------------------------------------------------------------------------------------
# windows


def test_year_start_is_r_minus_one_year_plus_one_day():
    refs = pd.DatetimeIndex(
        [d("31/01/2017"), d("29/02/2016"), d("28/02/2017"), d("28/02/2015"), d("31/12/2016")]
    )
    assert list(year_start(refs)) == [
        # 31/01/2016 + 1 day
        d("01/02/2016"),
        # leap day: 29/02/2016 - 1 year = 28/02/2015, + 1 day = 01/03/2015
        d("01/03/2015"),
        # 28/02/2016 + 1 day = 29/02/2016 (the year to 28/02/2017 includes the leap day)
        d("29/02/2016"),
        # 28/02/2014 + 1 day
        d("01/03/2014"),
        d("01/01/2016"),
    ]
    assert year_start(refs).dtype == NS
    # per-pair dates repeat: each distinct date worked out once, the same answer; NaT stays NaT
    many = np.concatenate([refs.to_numpy(NS)] * 3 + [np.array(["NaT"], dtype=NS)])
    got = year_start(many)
    assert list(got[:15]) == list(year_start(refs)) * 3 and np.isnat(got[15])
    assert len(year_start(np.array([], dtype=NS))) == 0


def test_months_before():
    refs = pd.DatetimeIndex([d("31/01/2017"), d("28/02/2017"), d("31/08/2016"), d("31/03/2017")])
    # the long-term stability windows: R - 30 months and R - 24 months
    assert list(months_before(refs, 30)) == [
        d("31/07/2014"), d("28/08/2014"), d("28/02/2014"), d("30/09/2014")
    ]  # fmt: skip
    assert list(months_before(refs, 24)) == [
        d("31/01/2015"), d("28/02/2015"), d("31/08/2014"), d("31/03/2015")
    ]  # fmt: skip
    # 31 August - 6 months = 29 February in a leap year; 31 March - 1 month = 28 February
    assert months_before(refs[2:3], 6)[0] == d("29/02/2016")
    assert months_before(refs[3:4], 1)[0] == d("28/02/2017")


# ---------------------------------------------------------------------------------------------
# ages


def test_whole_years_birthdays_and_leap_day():
    dob = pd.Series(pd.to_datetime(["2000-02-29", "2000-02-29", "2001-01-31", None]))
    at = pd.Series(pd.to_datetime(["2001-02-28", "2001-03-01", "2017-01-31", "2017-01-31"]))
    # born 29/02: not yet 1 on 28/02/2001, 1 on 01/03/2001; exactly 16 on the 16th birthday
    assert list(whole_years(dob, at).astype("float").fillna(-9)) == [0, 1, 16, -9]


def test_whole_years_on_and_around_the_birthday():
    dob = pd.Series(pd.to_datetime(["2006-06-01"] * 3 + ["2004-02-29"] * 2))
    at = pd.Series(pd.to_datetime(["2016-05-31", "2016-06-01", "2016-06-02", "2008-02-28",
                                   "2008-02-29"]))  # fmt: skip
    # the day before the 10th birthday 9, on it 10; a 29 February child turns 4 on 29/02/2008
    # (a leap year) and is still 3 the day before
    out = whole_years(dob, at)
    assert list(out) == [9, 10, 10, 3, 4]
    assert out.dtype == "Int64"


def test_whole_years_with_a_scalar_on_either_side():
    dob = pd.Series(pd.to_datetime(["2006-06-01", "2001-02-01", None]), index=[7, 8, 9])
    out = whole_years(dob, pd.Timestamp("2017-01-31"))
    assert list(out.index) == [7, 8, 9]  # the Series' index is kept
    assert list(out.astype("float").fillna(-9)) == [10, 15, -9]
    at = pd.Series(pd.to_datetime(["2017-01-31", "2017-02-01"]))
    assert list(whole_years(pd.Timestamp("2001-02-01"), at)) == [15, 16]


# ---------------------------------------------------------------------------------------------
# searches


def test_distinct_sorts_and_drops_repeats():
    assert list(distinct(np.array([3, 1, 3, 2, 1, 7], dtype="int64"))) == [1, 2, 3, 7]
    assert list(distinct(np.array([5], dtype="int64"))) == [5]
    assert len(distinct(np.array([], dtype="int64"))) == 0
    # keys far apart (a range much wider than their number) take the sort, same answer
    wide = np.array([10**12, 3, 10**12, -5, 3], dtype="int64")
    assert distinct(wide).tolist() == [-5, 3, 10**12]
    assert distinct(np.array([-2, 4, -2], dtype="int64")).tolist() == [-2, 4]


def test_distinct_counts_gives_each_value_once_with_how_often_it_occurs():
    narrow = np.array([3, 1, 3, 2, 1, 3, -1], dtype="int64")
    values, counts = distinct_counts(narrow)
    assert values.tolist() == [-1, 1, 2, 3] and counts.tolist() == [1, 2, 1, 3]
    wide = np.array([10**12, 3, 10**12, -5, 3, 3], dtype="int64")
    values, counts = distinct_counts(wide)
    assert values.tolist() == [-5, 3, 10**12] and counts.tolist() == [1, 3, 2]
    values, counts = distinct_counts(np.array([], dtype="int64"))
    assert len(values) == 0 and len(counts) == 0
    # the same as numpy's unique on a larger random case, both paths
    rng = np.random.default_rng(3)
    for high in (1_000, 10**15):
        keys = rng.integers(0, high, 5_000)
        expected = np.unique(keys, return_counts=True)
        got = distinct_counts(keys)
        assert got[0].tolist() == expected[0].tolist() and got[1].tolist() == expected[1].tolist()


def test_latest_on_or_before_is_an_as_of_join_by_child():
    # rows (deliberately unsorted): positions 0..3
    code = np.array([0, 1, 0, 0])
    when = days("10/01/2017", "05/01/2017", "01/01/2017", "20/01/2017")
    q_code = np.array([0, 0, 0, 0, 1, 1, 2])
    q_when = days(
        "31/12/2016",  # child 0 before its first row: -1
        "01/01/2017",  # on the day of row 2: row 2
        "09/01/2017",  # latest on or before is still row 2
        "15/01/2017",  # row 0 (10/01); row 3 (20/01) is later
        "04/01/2017",  # child 1 before its row: -1 (not child 0's row 2)
        "31/01/2017",  # row 1
        "31/01/2017",  # a child with no rows: -1
    )
    assert list(latest_on_or_before(code, when, q_code, q_when)) == [-1, 2, 2, 0, -1, 1, -1]
    # no rows or no queries
    assert list(latest_on_or_before(code[:0], when[:0], q_code, q_when)) == [-1] * 7
    assert len(latest_on_or_before(code, when, q_code[:0], q_when[:0])) == 0


def test_count_on_or_before_inclusive_and_strict():
    code = np.array([0, 0, 1, 0])
    when = days("01/01/2017", "10/01/2017", "10/01/2017", "10/01/2017")
    q_code = np.array([0, 0, 0, 1, 2])
    q_when = days("31/12/2016", "10/01/2017", "11/01/2017", "10/01/2017", "10/01/2017")
    # child 0 has 01/01 and two on 10/01; child 1 one on 10/01; child 2 none
    assert list(count_on_or_before(code, when, q_code, q_when, inclusive=True)) == [0, 3, 3, 1, 0]
    # strictly before: the rows on the query day itself do not count
    assert list(count_on_or_before(code, when, q_code, q_when, inclusive=False)) == [0, 1, 3, 0, 0]
    assert list(count_on_or_before(code[:0], when[:0], q_code, q_when, inclusive=True)) == [0] * 5


def test_count_between_includes_both_ends_and_keeps_children_apart():
    code = np.array([0, 0, 1, 0])
    when = days("01/01/2017", "10/01/2017", "10/01/2017", "10/01/2017")
    q_code = np.array([0, 0, 0, 1, 1, 2])
    lo = days("01/01/2017", "02/01/2017", "11/01/2017", "10/01/2017", "01/01/2017", "01/01/2017")
    hi = days("01/01/2017", "10/01/2017", "31/01/2017", "10/01/2017", "09/01/2017", "31/12/2017")
    # child 0: 01/01 alone on day one; both 10/01 rows in 02/01-10/01; none after 10/01;
    # child 1: its 10/01 row on a one-day window of that day, not in 01/01-09/01; child 2: none
    assert list(count_between(code, when, q_code, lo, hi)) == [1, 2, 0, 1, 0, 0]
    assert list(count_between(code[:0], when[:0], q_code, lo, hi)) == [0] * 6
