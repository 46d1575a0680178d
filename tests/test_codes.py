"""SSDA903 code lists valid per collection year, and the collection year (April to March)."""

from __future__ import annotations

import pandas as pd

from pipeline.codes import codes, collection_years, label, labels, valid_for_year


def test_codes_valid_per_year():
    assert "K3" not in codes("PLACE", 2023) and "K3" in codes("PLACE", 2024)
    assert "P2" in codes("PLACE", 2024) and "P2" not in codes("PLACE", 2025)
    assert "Z11" in codes("PLACE", 2025) and "Z1" not in codes("PLACE", 2025)
    assert label("REC", "X1").startswith("Episode ceases")
    # without a year, every code ever listed: K3 (from 2024) and P2 (to 2024) both
    assert {"K3", "P2", "Z1", "Z11"} <= codes("PLACE")


def test_labels_and_unknown_code():
    assert label("PLACE", "not a code") == ""
    assert labels("REC")["X1"] == label("REC", "X1")
    assert set(labels("PLACE")) == codes("PLACE")


def test_collection_year_april_to_march():
    # a collection year runs 1 April to 31 March and is named by the calendar year it starts in
    dates = pd.Series(
        pd.to_datetime(["2017-03-31", "2017-04-01", "2016-01-01", "2016-12-31", "2024-04-01"])
    )
    assert collection_years(dates).tolist() == [2016, 2017, 2015, 2016, 2024]


def test_collection_year_of_a_missing_date_is_missing():
    dates = pd.Series(pd.to_datetime(["2017-03-31", None]))
    years = collection_years(dates)
    assert years.iloc[0] == 2016 and pd.isna(years.iloc[1])


def test_collection_years_are_whole_numbers_even_beside_a_missing_date():
    years = collection_years(pd.Series(pd.to_datetime(["2017-04-01", None])))
    assert str(years.dtype) == "Int64"
    assert years.astype("str").iloc[0] == "2017"


def test_valid_for_year_vectorised_blank_is_valid():
    values = pd.Series(["K3", "K3", None, "zz"], dtype="str")
    years = pd.Series([2016, 2024, 2016, 2016])
    assert valid_for_year("PLACE", values, years).tolist() == [False, True, True, False]


def test_valid_for_year_without_a_year_needs_only_a_listed_code():
    # no collection year known (NaN): any listed code is valid, an unlisted one is not
    values = pd.Series(["K3", "H5", "ZZ"], dtype="str")
    years = pd.Series([float("nan")] * 3)
    assert valid_for_year("PLACE", values, years).tolist() == [True, True, False]
