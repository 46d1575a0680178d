"""Who is in care: children looked after, the rate per 10,000, periods starting and ending.

- cla_count: children looked after at R (value = numerator).
- cla_rate_per_10k: cla_count / population_0_17 (the denominator) * 10,000.
- cla_starts / cla_ceased: periods of care starting / ending in M.
"""

from __future__ import annotations

import numpy as np

from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import dates

IDS = ("cla_count", "cla_rate_per_10k", "cla_starts", "cla_ceased")


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    per = at.model.periods
    cla = at.cla
    population = at.model.settings.population_0_17
    population = float("nan") if population is None else float(population)
    starts = at.in_month(per["period_start"].to_numpy(dtype=dates.NS))
    ceased = at.in_month(per["period_end"].to_numpy(dtype=dates.NS))
    return {
        "cla_count": (cla, cla, at.none),
        "cla_rate_per_10k": (cla / population * 10_000, cla, np.full(at.n, population)),
        "cla_starts": (starts, starts, at.none),
        "cla_ceased": (ceased, ceased, at.none),
    }
