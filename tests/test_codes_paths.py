"""Code lists per collection year, and reporting-month arithmetic."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.codes import codes, collection_years, label, valid_for_year
from pipeline.paths import MonthError, collection_year, parse_months, reference_date


def test_codes_valid_per_year():
    assert "K3" not in codes("PLACE", 2023) and "K3" in codes("PLACE", 2024)
    assert "P2" in codes("PLACE", 2024) and "P2" not in codes("PLACE", 2025)
    assert "Z11" in codes("PLACE", 2025) and "Z1" not in codes("PLACE", 2025)
    assert label("REC", "X1").startswith("Episode ceases")


def test_collection_year_april_to_march():
    assert collection_year(pd.Timestamp("2017-03-31")) == 2016
    assert collection_year(pd.Timestamp("2017-04-01")) == 2017
    dates = pd.Series(pd.to_datetime(["2017-03-31", "2017-04-01"]))
    assert collection_years(dates).tolist() == [2016, 2017]


def test_valid_for_year_vectorised_blank_is_valid():
    values = pd.Series(["K3", "K3", None, "zz"], dtype="str")
    years = pd.Series([2016, 2024, 2016, 2016])
    assert valid_for_year("PLACE", values, years).tolist() == [False, True, True, False]


def test_months():
    assert parse_months("2016-11:2017-02") == ["2016-11", "2016-12", "2017-01", "2017-02"]
    assert reference_date("2016-02") == pd.Timestamp("2016-02-29")
    with pytest.raises(MonthError):
        parse_months("2017-02:2016-11")
