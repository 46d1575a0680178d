"""The scorecard's stakeholder tables: the one-page table, breakdowns, reasons care ended and
care-leaver rates, with disclosure control that holds (checked by the page audit)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.analyses.headlines import HEADLINE_COLUMNS
from pipeline.config import Settings
from pipeline.report import disclosure, html, tables, words
from pipeline.report import scorecard as page

S = Settings()


def _audit(frame) -> list[str]:
    return disclosure.audit_page(html.table_html(frame).data, S.suppression_threshold)


def _row(**kw):
    base = dict.fromkeys(HEADLINE_COLUMNS, np.nan)
    base.update(indicator="x", label="X", unit="percent", higher_is_better=True, rag="", theme="T")
    base.update(kw)
    return base


def test_breakdown_hides_a_small_group_and_a_complement_so_nothing_subtracts():
    frame = pd.DataFrame({"group": ["A", "B", "C"], "looked_after": [40, 3, 20]})
    out = tables.breakdown(frame, "Group", S)
    assert out["Looked after"].tolist()[1] == "<5"
    # 40 + 20 + total 63 would give B = 3: one more figure is withheld
    assert "*" in out["Looked after"].tolist()
    assert out["Share"].tolist()[1] == "*"
    assert _audit(out) == []


def test_breakdown_with_entrants_protects_each_column():
    frame = pd.DataFrame(
        {"group": ["A", "B"], "looked_after": [10, 12], "entrants": [2, 9]}
    )  # fmt: skip
    out = tables.breakdown(frame, "Group", S)
    assert out.columns.tolist()[1:] == [
        "Looked after",
        "Share (looked after)",
        "Started in the last 12 months",
        "Share (started in the last 12 months)",
    ]
    assert out["Looked after"].tolist() == ["10", "12", "22"]
    assert out["Share (looked after)"].tolist() == ["45%", "55%", "100%"]
    assert out["Started in the last 12 months"].tolist()[0] == "<5"
    assert _audit(out) == []


def test_ceased_reasons_counts_shares_and_protection():
    figures = pd.DataFrame(
        {
            "indicator": ["ceased_adopted_pct", "ceased_returned_home_pct", "ceased_other_pct"],
            "label": ["Ended: adopted", "Ended: returned home", "Ended: other"],
            "numerator": [10.0, 30.0, 2.0],
            "denominator": [42.0, 42.0, 42.0],
        }
    )
    out = tables.ceased_reasons(figures, S)
    assert out["Reason care ended"].tolist() == ["Adopted", "Returned home", "Other", "All reasons"]
    assert out["Periods of care"].tolist()[2] == "<5"
    assert out["Periods of care"].tolist().count("*") >= 1
    assert _audit(out) == []


def test_rates_by_group_all_row_and_intervals():
    frame = pd.DataFrame(
        {"group": ["17-18", "19-21", "All"], "n": [40, 60, 100], "k": [30, 40, 70]}
    )
    out = tables.rates_by_group(frame, "Age", "Care leavers", "In work", S)
    assert out["Rate"].tolist() == ["75.0%", "66.7%", "70.0%"]
    # Wilson 95% for 70 of 100: 60.4% to 78.1%
    assert out["95% interval"].tolist()[2] == "60.4% to 78.1%"
    assert _audit(out) == []


def test_scorecard_row_withheld_when_built_on_a_small_count():
    figures = pd.DataFrame(
        [
            _row(label="Small", value=75.0, numerator=3, denominator=4, previous=50.0,
                 previous_numerator=2),
            _row(theme="T", label="Big", value=50.0, numerator=50, denominator=100,
                 previous=40.0, previous_numerator=40, previous_now=40.0, target=60.0, rag="red",
                 ci_low=40.4, ci_high=59.6),
        ]
    )  # fmt: skip
    out = page.scorecard(figures, S)
    small, big = out.iloc[0], out.iloc[1]
    assert small["This month"] == "*" and small["Last month"] == "*"
    assert small["Direction of travel"] == "-"
    assert big["Theme"] == ""  # the theme is named once
    assert big["This month"] == "50.0%" and big["Status"] == "Off target"
    # 40% last month lies outside 50%'s interval (40.4-59.6): a real change, and better
    assert big["Direction of travel"] == "Better than last month, 40.0%"
    assert out.attrs["disclosure"] == {"independent": True}


def test_direction_calls_a_move_inside_the_interval_about_the_same():
    r = pd.Series(
        _row(value=50.0, numerator=50, denominator=100, previous=45.0, previous_numerator=45,
             year_ago=70.0, year_ago_numerator=70, ci_low=40.4, ci_high=59.6)
    )  # fmt: skip
    assert words.direction(r, S) == (
        "About the same as last month, 45.0%; worse than a year ago, 70.0%"
    )


def test_trend_alt_and_withheld_sentences():
    months = pd.date_range("2016-11-30", periods=3, freq="ME")
    values = pd.Series([np.nan, 80.0, 90.0], index=months)  # no figure in November
    text = words.trend_alt("Reviews on time", "percent", values)
    assert text.startswith("Line chart of reviews on time month by month")
    assert text.endswith("The figure rose from 80.0% to 90.0% since December 2016.")
    assert "fewer than 5 children" in words.trend_withheld("X", S)


def test_trends_are_not_drawn_when_a_month_rests_on_a_small_count():
    months = pd.date_range("2016-01-31", periods=4, freq="ME")
    series = pd.DataFrame(
        {
            "indicator": "reviews_on_time_pct",
            "period_end": months,
            "value": [50.0, 60.0, 75.0, 80.0],
            "numerator": [10, 12, 3, 16],
            "denominator": [20, 20, 4, 20],
        }
    )
    out = html.trends(series, ["reviews_on_time_pct"], S).data
    assert "<img" not in out and "not drawn" in out
    ok = series.assign(numerator=[10, 12, 15, 16], denominator=[20, 20, 20, 20])
    assert "<img" in html.trends(ok, ["reviews_on_time_pct"], S).data
