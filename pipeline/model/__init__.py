"""The model layer: every domain definition once, between the cleaned tables and the figures.

`build(tables, settings)` makes a `Model` of one cleaned extract: its periods of care and
placements (built once, shared by every indicator, analysis and report), its missing episodes,
its held reviews and its SDQ history. Indicators and analyses take the model; none re-derives
periods, placements or "looked after" from raw episodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from pipeline.config import Settings
from pipeline.model import care, health, missing, reviews, sdq


@dataclass(frozen=True)
class Model:
    """One cleaned extract, modelled. Parts other than `care` are built on first use."""

    tables: dict[str, pd.DataFrame]
    settings: Settings
    care: care.Care

    @property
    def periods(self) -> pd.DataFrame:
        return self.care.periods

    @property
    def placements(self) -> pd.DataFrame:
        return self.care.placements

    @cached_property
    def missing(self) -> pd.DataFrame:
        """Missing and away episodes (`pipeline.model.missing.missing_episodes`)."""
        return missing.missing_episodes(self.tables, self.care)

    @cached_property
    def reviews(self) -> pd.DataFrame:
        """Reviews held while looked after (`pipeline.model.reviews.held_reviews`)."""
        return reviews.held_reviews(self.tables, self.care)

    @cached_property
    def health_records(self) -> dict[str, tuple]:
        """Dated health records by type (`pipeline.model.health.coded_records`)."""
        return health.coded_records(self.tables, self.care)

    @cached_property
    def sdq_scores(self) -> pd.DataFrame:
        """The dated SDQ history (`pipeline.model.sdq.dated_scores`)."""
        return sdq.dated_scores(self.tables)


def build(tables: dict[str, pd.DataFrame], settings: Settings | None = None) -> Model:
    """The model of a cleaned extract (`tables` as `pipeline.ingest.clean` returns them)."""
    settings = settings or Settings()
    return Model(tables=tables, settings=settings, care=care.build_care(tables, settings))
