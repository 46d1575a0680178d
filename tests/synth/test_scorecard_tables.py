"""Calibration of the scorecard's tables in the default synthetic LA at January 2017 (reviews,
health, care leavers, adoptions, UASC, postcodes), measured as the pipeline's model reads them,
and the DfE validator's rules for those tables that the truth must keep."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import model
from pipeline.config import load_settings
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
from pipeline.model import reviews

MONTH = "2017-01"
YEAR_START = pd.Timestamp("2016-02-01")
REF = pd.Timestamp("2017-01-31")


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    """The default synthetic LA's January 2017 truth: (folder, cleaned tables, model)."""
    from pipeline import synth

    root = tmp_path_factory.mktemp("synth_default")
    synth.generate(root, months=1, end=MONTH)
    folder = root / "truth" / MONTH
    tables = clean_extract(load_extract(folder), month=MONTH).tables
    return folder, tables, model.build(tables, load_settings())


def _text(folder, table):
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def test_reviews_mostly_on_time_a_few_late(default):
    _, _, m = default
    rv = reviews.held_reviews(m.tables, m.care)
    year = rv[(rv["REVIEW"] >= YEAR_START) & (rv["REVIEW"] <= REF)]
    assert len(year) > 500
    on_time = year["on_time"].mean() * 100
    assert 90 <= on_time <= 99, on_time
    first_late = 1 - year.loc[year["seq"] == 0, "on_time"].mean()
    later_late = 1 - year.loc[year["seq"] > 0, "on_time"].mean()
    assert first_late > later_late > 0.01


def test_review_participation_near_the_seeds_85_pct(default):
    _, _, m = default
    rv = reviews.held_reviews(m.tables, m.care)
    year = rv[(rv["REVIEW"] >= YEAR_START) & (rv["REVIEW"] <= REF) & (rv["REVIEW_CODE"] != "PN0")]
    share = year["REVIEW_CODE"].isin(reviews.PARTICIPATED).mean() * 100
    assert 80 <= share <= 90, share
    codes = set(year["REVIEW_CODE"])
    assert {"PN1", "PN2", "PN5", "PN6", "PN7"} <= codes


def test_reviews_only_while_looked_after_and_pn0_only_under_4(default):
    folder, _, _ = default
    rv = _text(folder, "reviews")
    dob = pd.to_datetime(rv["DOB"], format="%d/%m/%Y")
    day = pd.to_datetime(rv["REVIEW"], format="%d/%m/%Y")
    under4 = day < dob + pd.DateOffset(years=4)
    assert ((rv["REVIEW_CODE"] == "PN0") == under4).all()
    _, _, m = default
    held = reviews.held_reviews(m.tables, m.care)
    assert len(held) == len(rv)  # every review falls in a period of care
