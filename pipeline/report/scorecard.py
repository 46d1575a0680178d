"""The corporate parenting scorecard as stakeholders see it: the one-page table of every headline
(notebook 04). The breakdown tables it shows beside it are the generic ones in `tables`."""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings
from pipeline.report import words
from pipeline.report.suppression import fmt_value, is_small


def scorecard(figures: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The one-page scorecard (`analyses.scorecard.scorecard_figures`): per headline its value,
    last month and a year ago as published, target, status, England and statistical
    neighbours (with the benchmark's year), and the direction of travel in words. A figure
    built on a small count is withheld, as on the tiles; each cell is a different indicator,
    so the table has no sums a reader could subtract."""
    rows, theme = [], None
    for r in figures.itertuples(index=False):
        hidden = words.headline_hidden(r, settings)
        before = []
        for value, numerator, now in (
            (r.previous, r.previous_numerator, r.previous_now),
            (r.year_ago, r.year_ago_numerator, r.year_ago_now),
        ):
            small = is_small(value if r.unit == "count" else numerator, settings)
            before.append(
                "-"
                if pd.isna(value)
                else "*"
                if hidden or small
                else fmt_value(value, r.unit, settings)
                + words.restated(value, now, r.unit, settings)
            )
        benchmarks = []
        for name in ("national", "statistical_neighbours"):
            figure, label = settings.benchmark(name, r.indicator)
            if figure is not None:
                benchmarks.append(f"{label}: {fmt_value(figure, r.unit, settings)}")
        rows.append(
            {
                "Theme": r.theme if r.theme != theme else "",
                "Measure": r.label,
                "This month": "*"
                if hidden
                else fmt_value(r.value, r.unit, settings, r.numerator, r.denominator),
                "Last month": before[0],
                "A year ago": before[1],
                "Target": "-" if pd.isna(r.target) else fmt_value(r.target, r.unit, settings),
                "Status": "" if hidden else words.RAG_WORDS.get(r.rag, ""),
                "Benchmarks": "; ".join(benchmarks) or "-",
                "Direction of travel": "-" if hidden else words.direction(r, settings),
            }
        )
        theme = r.theme
    out = pd.DataFrame(rows)
    out.attrs["disclosure"] = {"independent": True}
    return out
