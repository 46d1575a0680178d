"""Placement stability: 3+ placements (former NI 62), moves, disruptions, long-term stability
(former NI 63).

- placements_3plus_pct: children looked after at R with 3 or more placements (carer spells, any
  period) overlapping the year to R / children looked after at R.
- placement_moves: placements starting in M that are not the first of their period.
- disruptions: placements ending in M with the child moving on for a breakdown reason.
- long_term_stability_pct: denominator = looked after at R, under 16 at R, current period began
  on or before R - 30 months; numerator = of those, current placement began on or before
  R - 24 months, or it is an adoption placement (A4, A6) and the placement before it in the
  period began on or before R - 24 months.
"""

from __future__ import annotations

import numpy as np

from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care, dates, vocab
from pipeline.stats import pct

IDS = ("placements_3plus_pct", "placement_moves", "disruptions", "long_term_stability_pct")


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    pl = at.model.placements
    rule = vocab.STABILITY
    la = at.looked_after
    in_year = care.placements_in_year(at.model.care, la.child, at.values[la.ref])
    three = at.count(la.ref[in_year >= rule["three_plus"]])

    start = pl["start"].to_numpy(dtype=dates.NS)
    end = pl["end"].to_numpy(dtype=dates.NS)
    first_in_period = pl["is_first_in_period"].to_numpy(dtype=bool)
    moves = at.in_month(start[~first_in_period])
    disrupted = pl["end_category"].eq("disruption").to_numpy(dtype=bool)
    disruptions = at.in_month(end[disrupted])

    cur = at.current_placements
    prev_start = np.r_[np.datetime64("NaT", "ns"), start[:-1]].astype(dates.NS)
    prev_start[first_in_period] = np.datetime64("NaT")
    adoption = pl["place"].isin(vocab.ADOPTION_NEW_CARER).to_numpy(dtype=bool)
    age = dates.whole_years_array(pl["DOB"].to_numpy(dtype=dates.NS)[cur.rows], at.values[cur.ref])
    period_start = pl["period_start"].to_numpy(dtype=dates.NS)[cur.rows]
    in_care_long = (
        period_start <= dates.months_before(at.refs, rule["long_term_in_care_months"])[cur.ref]
    )
    cut = dates.months_before(at.refs, rule["long_term_placement_months"])[cur.ref]
    eligible = (age < rule["long_term_under_age"]) & in_care_long
    stable = (start[cur.rows] <= cut) | (adoption[cur.rows] & (prev_start[cur.rows] <= cut))
    den = at.count(cur.ref[eligible])
    num = at.count(cur.ref[eligible & stable])
    return {
        "placements_3plus_pct": (pct(three, at.cla), three, at.cla),
        "placement_moves": (moves, moves, at.none),
        "disruptions": (disruptions, disruptions, at.none),
        "long_term_stability_pct": (pct(num, den), num, den),
    }
