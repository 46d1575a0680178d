"""Health checks of looked-after children from the local `health` table (SPEC 3, 5b; REFERENCE).

The one place for these definitions (types and deadline in `pipeline/data/definitions.toml`
[scorecard.health]):

- *Had a check in the year to R* (`had_in_year`): a record of the type (RHA review health
  assessment, DENTAL check, IMMS immunisations up to date) dated in the year to R.
- *Initial health assessment on time* (`initial_assessments`): for each period of care starting in
  the year to R, the IHA is due 20 working days after entry (`pipeline.model.workdays`); the period
  counts at R once that day has passed (due on or before R) and the child was still looked after on
  it (the period had not ended by the due day: DEC blank or after it); on time = an IHA record dated
  from the day of entry to the due day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.data import definitions
from pipeline.model import care as care_model
from pipeline.model import dates, keys, workdays

RULES = definitions()["scorecard"]["health"]
TYPES: dict[str, str] = dict(RULES["types"])
INITIAL = RULES["initial_assessment"]
INITIAL_WORKING_DAYS = int(RULES["initial_working_days"])


def present(tables: dict[str, pd.DataFrame]) -> bool:
    """Whether the extract has a (non-empty) health table."""
    table = tables.get("health")
    return table is not None and not table.empty


def coded_records(tables: dict[str, pd.DataFrame], care: care_model.Care) -> dict[str, tuple]:
    """{HEALTH_TYPE: (child code, date)} of the dated health records of children in the model:
    the child IDs looked up once for every type (`Model.health_records`)."""
    table = tables.get("health")
    if table is None or table.empty:
        return {}
    code = keys.positions(table["CHILD"], care.children)
    day = table["HEALTH_DATE"].to_numpy(dtype=dates.NS)
    usable = (code >= 0) & ~np.isnat(day)
    kind_of, kinds = pd.factorize(table["HEALTH_TYPE"].astype("str").fillna("")[usable])
    code, day = code[usable], day[usable]
    return {str(k): (code[kind_of == i], day[kind_of == i]) for i, k in enumerate(kinds)}


def records(coded: dict[str, tuple], kind: str) -> tuple[np.ndarray, np.ndarray]:
    """(child code, date) of the health records of one HEALTH_TYPE (`coded_records`)."""
    return coded.get(kind, (np.zeros(0, dtype="int64"), np.zeros(0, dtype=dates.NS)))


def _any_between(code, day, q_code, lo, hi) -> np.ndarray:
    """For each query: whether the child has a record dated in [lo, hi]."""
    return dates.count_between(code, day, q_code, lo, hi) > 0


def had_in_year(
    coded: dict[str, tuple], kind: str, child: np.ndarray, ref: np.ndarray, refs: np.ndarray
) -> np.ndarray:
    """For (child code, R position) pairs: a record of `kind` dated in the year to R."""
    code, day = records(coded, kind)
    return _any_between(code, day, child, dates.year_start(refs)[ref], refs[ref])


def initial_due(period_start) -> np.ndarray:
    """When the initial health assessment is due: 20 working days after entry."""
    return workdays.add_working_days(period_start, INITIAL_WORKING_DAYS)


def initial_assessments(
    coded: dict[str, tuple], care: care_model.Care, refs: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(period row, R position, IHA on time) for each period of care starting in the year to R
    whose IHA fell due on or before R with the child still looked after that day."""
    per = care.periods
    start = per["period_start"].to_numpy(dtype=dates.NS)
    end = per["period_end"].to_numpy(dtype=dates.NS)
    due = initial_due(start)
    still = np.isnat(end) | (end > due)
    lo = np.searchsorted(refs, np.maximum(start, due), side="left")
    hi = np.searchsorted(dates.year_start(refs), start, side="right")
    lo = np.where(still & ~np.isnat(due), lo, len(refs))
    rows, pos = dates.explode(lo, np.maximum(hi, lo))
    code, day = records(coded, INITIAL)
    child = care.period_child
    on_time = _any_between(code, day, child, start, due)
    return rows, pos, on_time[rows]
