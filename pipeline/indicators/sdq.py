"""SDQ completion and scores of children looked after 12 months or more (SPEC 5).

- sdq_eligible: looked after at R, current period began on or before the year's first day
  (R - 1 year + 1 day: looked after throughout the year), aged 5-16 at R; denominator cla_count.
- sdq_completion_pct: eligible children whose latest score on or before R is dated in the year
  to R / sdq_eligible. sdq_mean: sum / number of those latest scores. sdq_concern_pct: those
  latest scores in the concern band / their number.
- sdq_high_in_placement: children looked after at R whose latest score dated in the 12 months
  to R is at or above settings.sdq_threshold (a score older than 12 months does not count);
  denominator = looked after at R with a score dated in the 12 months to R.

A child's current score is `pipeline.model.sdq.latest_scores_in_year`, the one definition the
restricted list (`pipeline.analyses.cohorts.sdq_at_or_above_threshold`) shares.
"""

from __future__ import annotations

import numpy as np

from pipeline.indicators.reference import AtReferenceDates
from pipeline.model import care, dates, sdq, vocab
from pipeline.stats import pct, rate

IDS = ("sdq_eligible", "sdq_completion_pct", "sdq_mean", "sdq_concern_pct", "sdq_high_in_placement")


def figures(at: AtReferenceDates) -> dict[str, tuple]:
    """{indicator id: (value, numerator, denominator)} arrays over the reference dates."""
    model = at.model
    la = at.looked_after
    per = model.periods
    age = dates.whole_years_array(per["DOB"].to_numpy(dtype=dates.NS)[la.rows], at.values[la.ref])
    history = sdq.score_history(model.tables, at.refs)
    last_date, last_score = sdq.latest_scores_in_year(
        history, model.care.children, la.child, at.values[la.ref]
    )
    low, high = vocab.SDQ_ELIGIBLE_AGES
    eligible = care.throughout_year(model.care, la, at.year_start) & (age >= low) & (age <= high)
    in_year = ~np.isnat(last_date)
    scored = eligible & in_year
    n_eligible = at.count(la.ref[eligible])
    n_scored = at.count(la.ref[scored])
    total = at.count(la.ref[scored], weights=last_score[scored])
    concern = at.count(la.ref[scored & (last_score >= vocab.SDQ_CONCERN_FROM)])
    has_score = in_year
    high_score = has_score & (last_score >= model.settings.sdq_threshold)
    n_high = at.count(la.ref[high_score])
    n_any = at.count(la.ref[has_score])
    return {
        "sdq_eligible": (n_eligible, n_eligible, at.cla),
        "sdq_completion_pct": (pct(n_scored, n_eligible), n_scored, n_eligible),
        "sdq_mean": (rate(total, n_scored), total, n_scored),
        "sdq_concern_pct": (pct(concern, n_scored), concern, n_scored),
        "sdq_high_in_placement": (n_high, n_high, n_any),
    }
