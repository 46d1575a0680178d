"""Headline figures (pipeline.analyses.headlines) on a small hand-built tidy series."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analyses.headlines import HEADLINE_COLUMNS, headline_figures
from pipeline.config import Settings


def series():
    """A tidy series (indicator, period_end, value, numerator, denominator)."""
    rows = [
        # placements_3plus_pct (percent, lower is better): Jan 2017, Dec 2016 and Jan 2016
        ("placements_3plus_pct", "2017-01-31", 12.5, 5, 40),
        ("placements_3plus_pct", "2016-12-31", 10.0, 4, 40),
        ("placements_3plus_pct", "2016-01-31", 15.0, 6, 40),
        ("placements_3plus_pct", "2016-11-30", 99.0, 99, 100),  # neither last month nor a year ago
        # cla_count (count, no polarity): no figure a year ago
        ("cla_count", "2017-01-31", 120, 120, float("nan")),
        ("cla_count", "2016-12-31", 118, 118, float("nan")),
        # long_term_stability_pct (percent, higher is better): this month only
        ("long_term_stability_pct", "2017-01-31", 70.0, 14, 20),
        # missing_incidents: last month only -> no row
        ("missing_incidents", "2016-12-31", 4, 4, float("nan")),
    ]
    frame = pd.DataFrame(
        rows, columns=["indicator", "period_end", "value", "numerator", "denominator"]
    )
    return frame.assign(period_end=pd.to_datetime(frame["period_end"]))


SETTINGS = Settings(
    targets={"placements_3plus_pct": 10.0, "long_term_stability_pct": 68.0},
    benchmarks={"national": {"placements_3plus_pct": 10.0, "cla_count": 500.0}},
)
IDS = ["cla_count", "placements_3plus_pct", "missing_incidents", "long_term_stability_pct"]


def test_headline_figures_by_hand():
    out = headline_figures(series(), IDS, "2017-01", SETTINGS)
    assert list(out.columns) == HEADLINE_COLUMNS
    # ids in the order asked; missing_incidents has no figure at R: skipped; sdq_mean not asked
    assert list(out["indicator"]) == [
        "cla_count",
        "placements_3plus_pct",
        "long_term_stability_pct",
    ]
    rows = out.set_index("indicator")

    three = rows.loc["placements_3plus_pct"]
    assert (three["unit"], three["higher_is_better"]) == ("percent", False)
    assert (three["value"], three["numerator"], three["denominator"]) == (12.5, 5, 40)
    assert (three["previous"], three["previous_numerator"]) == (10.0, 4)
    assert (three["year_ago"], three["year_ago_numerator"]) == (15.0, 6)
    # lower is better, target 10: 12.5 is above 10 + 10% of 10 = 11 -> red
    assert (three["target"], three["rag"], three["england"]) == (10.0, "red", 10.0)
    # Wilson 95% for 5 of 40: p = 0.125, z^2 = 3.841459;
    # centre = (0.125 + 3.841459/80) / (1 + 3.841459/40) = 0.173018 / 1.096036 = 0.157858;
    # half = 1.959964 * sqrt(0.125 * 0.875 / 40 + 3.841459 / 6400) / 1.096036 = 0.103263
    # -> (5.460%, 26.112%)
    assert three["ci_low"] == pytest.approx(5.460, abs=1e-2)
    assert three["ci_high"] == pytest.approx(26.112, abs=1e-2)
    assert three["label"].startswith("Looked-after children with 3 or more placements")

    cla = rows.loc["cla_count"]
    assert (cla["unit"], cla["value"], cla["previous"]) == ("count", 120, 118)
    assert math.isnan(cla["year_ago"]) and math.isnan(cla["year_ago_numerator"])
    assert cla["higher_is_better"] is None and cla["rag"] == "" and math.isnan(cla["target"])
    assert cla["england"] == 500.0
    assert math.isnan(cla["ci_low"]) and math.isnan(cla["ci_high"])  # counts have no interval

    stable = rows.loc["long_term_stability_pct"]
    # higher is better, target 68: 70 meets it -> green; no England figure, no earlier months
    assert (stable["higher_is_better"], stable["rag"]) == (True, "green")
    assert math.isnan(stable["england"]) and math.isnan(stable["previous"])
    assert math.isnan(stable["year_ago"])
    # Wilson 95% for 14 of 20 contains 70% and stays inside 0-100
    assert 0 < stable["ci_low"] < 70 < stable["ci_high"] < 100


def test_headline_figures_for_an_earlier_month_and_none():
    # December 2016: last month is November (99%), a year ago December 2015 (none)
    dec = headline_figures(series(), IDS, pd.Period("2016-12", freq="M"), SETTINGS)
    assert list(dec["indicator"]) == ["cla_count", "placements_3plus_pct", "missing_incidents"]
    three = dec.set_index("indicator").loc["placements_3plus_pct"]
    assert (three["value"], three["previous"]) == (10.0, 99.0)
    assert math.isnan(three["year_ago"])
    assert three["rag"] == "green"  # exactly on the 10% target
    # no figure at R for any id asked: an empty frame with the columns
    none = headline_figures(series(), ["missing_incidents"], "2017-01", SETTINGS)
    assert none.empty and list(none.columns) == HEADLINE_COLUMNS
