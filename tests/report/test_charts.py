"""Charts (pipeline.report.charts): labelled, tolerant of empty groups."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from pipeline.report import charts


def test_rate_chart_tolerates_rounding_at_zero_and_empty_groups():
    frame = pd.DataFrame(
        {"label": ["none", "empty"], "n": [10, 0], "rate": [0.0, float("nan")],
         "ci_low": [1e-17, float("nan")], "ci_high": [0.28, float("nan")]}
    )  # fmt: skip
    fig = charts.rate_with_interval(frame, "label")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["none (n=10)", "empty (n=0)"]


def test_trend_chart_draws_target_and_benchmark_lines():
    series = pd.DataFrame(
        {"period_end": pd.to_datetime(["2016-12-31", "2017-01-31"]), "x": [11.0, 12.0]}
    )
    fig = charts.trend_chart(series, "x", "Share", "%", target=10, benchmark=9)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["Share", "Target: 10", "England: 9"]
    assert fig.axes[0].get_ylabel() == "%"


def test_month_ticks_sit_on_their_own_points():
    # points at month ends; each tick label names the month of the point it sits on
    ends = pd.date_range("2015-02-28", periods=24, freq="ME")
    series = pd.DataFrame({"period_end": ends, "x": range(24)})
    ax = charts.trend_chart(series, "x", "Share").axes[0]
    ticks = [mdates.num2date(t).date() for t in ax.get_xticks()]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[-1] == ends[-1].date() and labels[-1] == "Jan 2017"
    assert len(labels) <= 8 and all(
        d.strftime("%b %Y") == text for d, text in zip(ticks, labels, strict=True)
    )
    assert all(pd.Timestamp(d).is_month_end for d in ticks)


def test_indicator_trend_names_benchmarks_with_their_year():
    from pipeline.config import Settings

    settings = Settings(
        targets={"placements_3plus_pct": 9.0},
        benchmarks={"national": {"placements_3plus_pct": 10.0},
                    "statistical_neighbours": {"placements_3plus_pct": 11.0}},
        benchmark_labels={"national": "England, year to March 2025"},
    )  # fmt: skip
    series = pd.DataFrame(
        {"period_end": pd.to_datetime(["2016-12-31", "2017-01-31"]),
         "placements_3plus_pct": [11.0, 12.0]}
    )  # fmt: skip
    fig = charts.indicator_trend(series, "placements_3plus_pct", settings)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()][1:]
    assert labels == ["Target: 9", "England, year to March 2025: 10", "Statistical neighbours: 11"]


def _drawn_extent(fig):
    """(content box, axes box) of a figure drawn as the reports draw it, in inches from its
    bottom left corner."""
    fig.set_dpi(charts.PNG_DPI)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    to_inches = fig.dpi_scale_trans.inverted()
    content = fig.get_tightbbox(renderer)  # already in inches
    axes = fig.axes[0].get_window_extent(renderer).transformed(to_inches)
    return content, axes


@pytest.mark.parametrize("top", [0.8, 12.0, 95.0, 12_000.0, 450_000.0])
@pytest.mark.parametrize("ylabel", ["", "% of children in care"])
def test_trend_layout_keeps_every_label_inside_the_figure_and_wastes_little(top, ylabel):
    ends = pd.date_range("2015-01-31", periods=25, freq="ME")
    series = pd.DataFrame({"period_end": ends, "x": np.linspace(top / 3, top, 25)})
    fig = charts.trend_chart(series, "x", "Share", ylabel, target=top / 2)
    content, axes = _drawn_extent(fig)
    width, height = fig.get_size_inches()
    # nothing cut off: every tick label, axis label and the month note lies inside the figure
    assert content.x0 >= 0 and content.y0 >= 0
    assert content.x1 <= width and content.y1 <= height
    # and the margins are no wider than the labels need (a quarter of an inch to spare)
    assert content.x0 < 0.25 and content.y0 < 0.25 and height - content.y1 < 0.25
    assert axes.width > 0.75 * width


def test_trend_layout_matches_the_other_trend_charts():
    ends = pd.date_range("2015-01-31", periods=25, freq="ME")
    monthly = pd.DataFrame(
        {"period_end": ends, "missing_incidents": range(25), "missing_incidents_3m": range(25)}
    )
    limits = pd.DataFrame({"ucl": np.arange(25) + 5.0, "lcl": np.zeros(25)})
    for fig in (
        charts.incident_trend(monthly, limits),
        charts.multi_trend(monthly, {"missing_incidents": "Missing incidents"}, "Per month"),
    ):
        content, _ = _drawn_extent(fig)
        width, height = fig.get_size_inches()
        assert 0 <= content.x0 < 0.25 and 0 <= content.y0 < 0.25
        assert content.x1 <= width and content.y1 <= height
