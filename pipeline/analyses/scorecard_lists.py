"""The scorecard's restricted lists (SPEC 5b, 7): the children behind three figures, one row each,
with the facts a team acts on. Pure functions of a model and a reference date R; the scorecard
notebook writes them with `pipeline.report.restricted.write_restricted` (never into a report).

- `overdue_reviews`: looked after at R with the next review due before R and not held by R
  (`pipeline.model.reviews.overdue_at`, the reviewing officers' list).
- `care_leavers_not_in_touch`: the OC3 cohort at R (`pipeline.model.leavers.cohort`, as the
  care_leavers_in_touch_pct indicator) whose IN_TOUCH is not YES.
- `waiting_with_placement_order`: looked after at R on a placement order (LS E1) and not placed
  for adoption (`pipeline.model.permanence.waiting_for_adoption`, as placement_order_waiting).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.model import Model, care, dates, leavers, permanence, reviews


def _ref(ref_date) -> np.ndarray:
    return np.array([pd.Timestamp(ref_date).normalize()], dtype=dates.NS)


def overdue_reviews(model: Model, ref_date) -> pd.DataFrame:
    """CHILD, period_start, last_review (NaT: none yet in this period), due, days_overdue; most
    overdue first."""
    held = model.reviews
    return reviews.overdue_at(model.care, held, ref_date)


def care_leavers_not_in_touch(model: Model, ref_date) -> pd.DataFrame:
    """CHILD, DOB, age (at R), IN_TOUCH, ACTIV, ACCOM of care leavers in the cohort at R who are
    not in touch (IN_TOUCH not YES; DIED is outside the cohort); oldest first."""
    oc3 = model.tables.get("oc3")
    columns = ["CHILD", "DOB", "age", "IN_TOUCH", "ACTIV", "ACCOM"]
    rows, _, age = leavers.cohort(oc3, _ref(ref_date))
    if len(rows) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    in_touch = leavers.flags(oc3)["in_touch"][rows]
    out = oc3.iloc[rows[~in_touch]][["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"]]
    out = out.assign(age=age[~in_touch].astype("int64")).reset_index(drop=True)[columns]
    return out.sort_values(["DOB", "CHILD"], ignore_index=True)


def waiting_with_placement_order(model: Model, ref_date) -> pd.DataFrame:
    """CHILD, period_start, order_date (the start of the run of E1 episodes in force at R),
    days_since_order, place (the placement type in force at R); longest waiting first."""
    refs = _ref(ref_date)
    la = care.looked_after(model.care, refs)
    waiting, since = permanence.waiting_for_adoption(model.care, la, refs)
    rows = la.rows[waiting]
    episode = care.in_care_on(model.care, la.child[waiting], refs[la.ref[waiting]])
    place = model.care.episodes["place_in_force"].array.take(episode)
    out = pd.DataFrame(
        {
            "CHILD": model.periods["CHILD"].to_numpy()[rows],
            "period_start": model.periods["period_start"].to_numpy(dtype=dates.NS)[rows],
            "order_date": since[waiting],
            "days_since_order": ((refs[0] - since[waiting]) // np.timedelta64(1, "D")).astype(
                "int64"
            ),
            "place": pd.Series(place, dtype="str").to_numpy(),
        }
    )
    return out.sort_values(
        ["days_since_order", "CHILD"], ascending=[False, True], ignore_index=True
    )
