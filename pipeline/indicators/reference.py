"""What every indicator theme asks of the model at a set of reference dates, computed once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from pipeline.model import Model, care, dates


@dataclass(frozen=True)
class AtReferenceDates:
    """A model and the sorted month-end reference dates R the indicators are computed for."""

    model: Model
    refs: pd.DatetimeIndex

    @property
    def n(self) -> int:
        return len(self.refs)

    @cached_property
    def values(self) -> np.ndarray:
        """The reference dates as datetime64[ns]."""
        return self.refs.to_numpy(dtype=dates.NS)

    @cached_property
    def year_start(self) -> np.ndarray:
        """First day of the year to each R."""
        return dates.year_start(self.refs)

    @cached_property
    def looked_after(self) -> care.AtDates:
        """(period row, R) pairs: children looked after at each R."""
        return care.looked_after(self.model.care, self.values)

    @cached_property
    def looked_after_episode(self) -> np.ndarray:
        """For each `looked_after` pair: the row of care.episodes in force at R (-1 if none)."""
        la = self.looked_after
        return care.in_care_on(self.model.care, la.child, self.values[la.ref])

    @cached_property
    def cla(self) -> np.ndarray:
        """Children looked after at each R."""
        return self.count(self.looked_after.ref)

    @cached_property
    def current_placements(self) -> care.AtDates:
        """(placement row, R) pairs: each looked-after child's placement at each R."""
        return care.current_placements(self.model.care, self.values)

    def count(self, ref_positions: np.ndarray, weights=None) -> np.ndarray:
        """How many of the given (…, R) pairs fall at each R (or the sum of `weights`)."""
        return np.bincount(ref_positions, weights=weights, minlength=self.n).astype("float64")

    def in_month(self, event_dates) -> np.ndarray:
        """How many of `event_dates` fall in each R's month."""
        return dates.events_in_month(event_dates, self.refs)

    @property
    def none(self) -> np.ndarray:
        """An all-NaN column (an indicator without a numerator or denominator)."""
        return np.full(self.n, np.nan)
