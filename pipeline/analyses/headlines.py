"""Headline figures: each indicator this month beside last month, a year ago, its target, RAG
status, England's figure and (for percentages) a 95% interval. Last month and a year ago are the
figures as published (`pipeline.run.published`) where the register has them, with the latest
extract's view of the same month beside them (a restatement when the two differ). Numbers only;
which of them may be shown, and the words, are the report's business."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import data
from pipeline.config import Settings
from pipeline.indicators import labels, polarity, rag_status
from pipeline.indicators.register import targets
from pipeline.stats import wilson

HEADLINE_COLUMNS = [
    "indicator",
    "label",
    "unit",
    "higher_is_better",
    "value",
    "numerator",
    "denominator",
    "previous",
    "previous_numerator",
    "year_ago",
    "year_ago_numerator",
    "previous_now",
    "year_ago_now",
    "target",
    "rag",
    "england",
    "ci_low",
    "ci_high",
]


def headline_figures(
    series: pd.DataFrame, ids: list[str], month, settings: Settings, published=None
) -> pd.DataFrame:
    """One row per indicator of `ids` present in the tidy `series` at the month's R (columns
    HEADLINE_COLUMNS; ci_low / ci_high are percentages, for percent indicators only). With
    `published` (the register), last month and a year ago are the published figures where it
    has them; previous_now / year_ago_now are always the latest extract's."""
    period = pd.Period(str(month), freq="M")
    ref, prev, year_ago = ((period - k).end_time.normalize() for k in (0, 1, 12))
    keyed = series.assign(period_end=pd.to_datetime(series["period_end"]).dt.normalize())
    keyed = keyed.set_index(["indicator", "period_end"])
    national = settings.benchmarks.get("national", {})
    register = data.indicators()
    names = labels(series)
    as_published = {}
    if published is not None and len(published):
        as_published = {
            (r.indicator, str(r.month)): (r.value, r.numerator)
            for r in published.itertuples(index=False)
        }
    months = {k: str(period - k) for k in (1, 12)}
    rows = []
    for ind in ids:
        if (ind, ref) not in keyed.index:
            continue
        now = keyed.loc[(ind, ref)]
        meta = register.get(ind, {})
        unit = meta.get("unit", "count")
        before = keyed.loc[(ind, prev)] if (ind, prev) in keyed.index else None
        year = keyed.loc[(ind, year_ago)] if (ind, year_ago) in keyed.index else None
        target = targets(settings).get(ind)
        now_view = {
            k: (np.nan, np.nan) if f is None else (f["value"], f["numerator"])
            for k, f in ((1, before), (12, year))
        }
        shown = {k: as_published.get((ind, months[k]), now_view[k]) for k in (1, 12)}
        low = high = np.nan
        if unit == "percent" and not pd.isna(now["denominator"]):
            lo, hi = wilson(now["numerator"], now["denominator"])
            low, high = 100 * lo[0], 100 * hi[0]
        rows.append(
            {
                "indicator": ind,
                "label": names.get(ind, ind),
                "unit": unit,
                "higher_is_better": polarity(ind),
                "value": now["value"],
                "numerator": now["numerator"],
                "denominator": now["denominator"],
                "previous": shown[1][0],
                "previous_numerator": shown[1][1],
                "year_ago": shown[12][0],
                "year_ago_numerator": shown[12][1],
                "previous_now": now_view[1][0],
                "year_ago_now": now_view[12][0],
                "target": np.nan if target is None else target,
                "rag": rag_status(now["value"], target, polarity(ind)),
                "england": national.get(ind, np.nan),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows, columns=HEADLINE_COLUMNS)
