"""The SPEC 5 indicators: a model and reference dates in, one tidy frame out.

Each theme module (`care`, `stability`, `sdq`, `missing`, `scorecard`, `wellbeing`) computes its ids for every reference
date at once, never by a loop of recomputes: periods and placements are turned into the runs of
reference dates they are current at (`pipeline.model.dates.active_at`), events are binned by
calendar month, and per-child questions ("placements on or before R", "latest score") are sorted
searches over integer keys. Every id of the register (`pipeline/data/indicators.toml`) is computed
by exactly one theme.
"""

from __future__ import annotations

import pandas as pd

from pipeline.indicators import care, missing, scorecard, sdq, stability, wellbeing
from pipeline.indicators.reference import AtReferenceDates
from pipeline.indicators.register import (
    KPI_COLUMNS,
    TIDY_COLUMNS,
    kpi_rows,
    labels,
    polarity,
    rag_status,
    tidy,
    wide,
)
from pipeline.model import Model, health
from pipeline.model.dates import as_reference_dates

THEMES = (care, stability, sdq, missing, scorecard, wellbeing)

__all__ = [
    "KPI_COLUMNS",
    "THEMES",
    "TIDY_COLUMNS",
    "all_indicators",
    "kpi_table",
    "labels",
    "polarity",
    "rag_status",
    "wide",
]


def all_indicators(model: Model, ref_dates, themes=THEMES) -> pd.DataFrame:
    """Every indicator of `themes` at every reference date (month ends): indicator, period_end,
    value, numerator, denominator. Percentages are 0-100 and NaN when the denominator is 0."""
    at = AtReferenceDates(model, as_reference_dates(ref_dates))
    figures: dict[str, tuple] = {}
    for theme in themes:
        figures.update(theme.figures(at))
    out = tidy(figures, at.refs)
    if wellbeing in themes and not health.present(model.tables):
        out.attrs["from_oc2"] = tuple(wellbeing.HEALTH)  # labelled as at the latest 31 March
    return out


def kpi_table(model: Model, month) -> pd.DataFrame:
    """The kpis.csv rows for one reporting month (SPEC 5), in register order."""
    return kpi_rows(all_indicators(model, [month]), model.settings)
