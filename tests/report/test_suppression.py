"""Disclosure control (pipeline.report.suppression): small counts and the rates built on them."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import Settings
from pipeline.report.suppression import (
    fmt_count,
    fmt_value,
    hours_minutes,
    is_small,
    suppress_frame,
)

ON = Settings()  # suppression on, threshold 5
OFF = Settings(suppression_enabled=False)


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, "0"), (1, "<5"), (4, "<5"), (5, "5"), (1234, "1,234"), (None, "-"), (float("nan"), "-")],
)
def test_fmt_count_suppresses_one_to_four(n, shown):
    assert fmt_count(n, ON) == shown


def test_fmt_count_unsuppressed_when_off():
    assert fmt_count(3, OFF) == "3" and not is_small(3, OFF)


def test_threshold_is_a_setting():
    ten = Settings(suppression_threshold=10)
    assert fmt_count(9, ten) == "<10" and fmt_count(10, ten) == "10"


def test_rates_built_on_small_counts_withheld():
    assert fmt_value(25.0, "percent", ON, numerator=3, denominator=12) == "*"
    assert fmt_value(25.0, "percent", ON, numerator=5, denominator=20) == "25.0%"
    assert fmt_value(2.0, "percent", ON, numerator=1, denominator=50) == "*"
    assert fmt_value(2.0, "percent", ON, numerator=6, denominator=3) == "*"  # small denominator
    assert fmt_value(4.25, "hours", ON, numerator=10, denominator=10) == "4 h 15 min"
    assert hours_minutes(0.75) == "45 min" and hours_minutes(51) == "2 days 3 h"
    assert fmt_value(82.6241, "rate_per_10k", ON, numerator=466, denominator=56400) == "82.6"
    assert fmt_value(3, "count", ON) == "<5" and fmt_value(float("nan"), "score", ON) == "-"


def test_suppress_frame_formats_only_the_count_columns():
    frame = pd.DataFrame({"Reason": ["Other", "Allegation"], "placements": [62, 2]})
    out = suppress_frame(frame, ["placements"], ON)
    assert out["placements"].tolist() == ["62", "<5"] and out["Reason"].tolist() == [
        "Other",
        "Allegation",
    ]
    assert frame["placements"].tolist() == [62, 2]  # the input is not changed
