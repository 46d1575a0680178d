"""Reporting months: reading a month, a range or a list of months."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.paths import MonthError, parse_month, parse_months


def test_months():
    assert parse_months("2016-11:2017-02") == ["2016-11", "2016-12", "2017-01", "2017-02"]
    with pytest.raises(MonthError, match="range runs backwards"):
        parse_months("2017-02:2016-11")


def test_month_lists_and_single_months():
    assert parse_months("2016-02, 2016-05") == ["2016-02", "2016-05"]
    assert parse_months(" 2017-01 ") == ["2017-01"]
    assert parse_months("2017-01:2017-01") == ["2017-01"]
    assert parse_month("2017-01") == pd.Period("2017-01", freq="M")


@pytest.mark.parametrize("text", ["2017-13", "2017-00", "2017-1", "Jan 2017", ""])
def test_unreadable_month_is_a_month_error(text):
    with pytest.raises(MonthError, match="expected YYYY-MM"):
        parse_month(text)


@pytest.mark.parametrize("text", ["2016-11:x", "2016-11,2016-13"])
def test_unreadable_month_in_a_range_or_list_is_a_month_error(text):
    with pytest.raises(MonthError):
        parse_months(text)
    assert issubclass(MonthError, ValueError)  # callers catching ValueError still catch it
