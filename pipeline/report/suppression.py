"""Disclosure control: every count a stakeholder sees passes through here.

Counts from 1 to threshold-1 are shown as "<5" (with the default threshold), and rates built on
them are withheld ("*"), when suppression is on (`config/la.toml` [suppression]).
"""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings


def is_small(n, settings: Settings) -> bool:
    """True when a count must be suppressed: 1 <= n < threshold with suppression on."""
    if not settings.suppression_enabled or n is None or pd.isna(n):
        return False
    return 0 < float(n) < settings.suppression_threshold


def fmt_count(n, settings: Settings) -> str:
    """A count for stakeholders: '<5' when small, '-' when unknown, thousands separated."""
    if n is None or pd.isna(n):
        return "-"
    if is_small(n, settings):
        return f"<{settings.suppression_threshold}"
    return f"{int(round(float(n))):,}"


def fmt_value(value, unit: str, settings: Settings, numerator=None, denominator=None) -> str:
    """An indicator value by its unit (count, percent, rate_per_10k, score, hours, days); withheld
    ('*') when built on a suppressed count."""
    if unit == "count":
        return fmt_count(value, settings)
    if value is None or pd.isna(value):
        return "-"
    if is_small(numerator, settings) or is_small(denominator, settings):
        return "*"
    if unit == "percent":
        return f"{float(value):.1f}%"
    if unit == "hours":
        return hours_minutes(value)
    if unit == "days":
        return f"{float(value):,.0f} days"
    return f"{float(value):.1f}"


def suppress_frame(
    frame: pd.DataFrame, count_columns: list[str], settings: Settings
) -> pd.DataFrame:
    """A copy of `frame` with the named count columns formatted (small counts as '<5')."""
    out = frame.copy()
    for column in count_columns:
        out[column] = out[column].map(lambda n: fmt_count(n, settings)).astype("str")
    return out


def hours_minutes(hours) -> str:
    """A duration for readers: '4 h 05 min', '45 min', '2 days 3 h' from 51 hours."""
    if hours is None or pd.isna(hours):
        return "-"
    minutes = int(round(float(hours) * 60))
    h, m = divmod(minutes, 60)
    if h >= 48:
        d, h = divmod(h, 24)
        return f"{d} days {h} h"
    return f"{h} h {m:02d} min" if h else f"{m} min"
