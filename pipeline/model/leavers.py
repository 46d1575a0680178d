"""Care leavers (OC3): the one definition of the cohort at a reference date.

A young person is in the cohort at R when one of their 17th-21st birthdays falls in the year to R,
that is when their age at R is 17-21 (the last birthday on or before R always falls in the year
to R): a 21st birthday on R counts, a 22nd birthday in the year does not. Young people recorded
as having died (IN_TOUCH DIED) are set aside.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.model import dates

RULES = definitions()["scorecard"]["care_leavers"]


def cohort(oc3: pd.DataFrame | None, refs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(oc3 row, R position) pairs of the care-leaver cohort at each R, with their age at R."""
    if oc3 is None or oc3.empty:
        return np.zeros(0, dtype="int64"), np.zeros(0, dtype="int64"), np.zeros(0)
    dob = oc3["DOB"].to_numpy(dtype=dates.NS)
    alive = ~oc3["IN_TOUCH"].astype("str").isin(RULES["died"]).to_numpy() & ~np.isnat(dob)
    rows = np.repeat(np.flatnonzero(alive), len(refs))
    ref = np.tile(np.arange(len(refs)), int(alive.sum()))
    age = dates.whole_years_array(dob[rows], refs[ref])
    low, high = RULES["ages"]
    keep = (age >= low) & (age <= high)
    return rows[keep], ref[keep], age[keep]


def flags(oc3: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per oc3 row: in_touch (YES), eet (an EET ACTIV code), suitable_accom (ACCOM ending 1)."""
    accom = oc3["ACCOM"].astype("str").fillna("")
    return {
        "in_touch": oc3["IN_TOUCH"].astype("str").isin(RULES["in_touch"]).to_numpy(),
        "eet": oc3["ACTIV"].astype("str").isin(RULES["eet_activ"]).to_numpy(),
        "suitable_accom": (
            accom.str.len().eq(2) & accom.str.endswith(RULES["suitable_accom_suffix"])
        ).to_numpy(dtype=bool),
    }
