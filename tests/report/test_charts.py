"""Charts (pipeline.report.charts): labelled, tolerant of empty groups."""

from __future__ import annotations

import pandas as pd

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
    assert labels == ["Share", "Target (10)", "England (9)"]
    assert fig.axes[0].get_ylabel() == "%"
