"""Results as data: every estimate, interval, n, p-value and verdict flag of the SDQ and missing
analyses of one month, as a JSON-able dict (`python -m pipeline analyse`).

The dict is built from the same objects the notebooks render (`disruption_sdq.summary`,
`threshold_table`, `band_rates`, `incidence_at`; `missing_trends.against_recent`,
`month_summary`), so an analyst can audit or reuse what a report says. Counts are not
suppressed here: this is an analyst's file, not a stakeholder's, and it holds no child-level
rows or identifiers. Unknown values (NaN) are null.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from pipeline.analyses import disruption_sdq, missing_trends
from pipeline.config import Settings
from pipeline.model import Model, dates

SCHEMA = 1


def as_data(value):
    """`value` as plain JSON types: dataclasses (with their verdict properties) and frames
    become dicts and lists of records, numpy numbers Python numbers, NaN and infinities None,
    dates ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name, attr in vars(type(value)).items():
            if isinstance(attr, property):
                out[name] = as_data(getattr(value, name))
        return out
    if isinstance(value, pd.DataFrame):
        return [as_data(r) for r in value.to_dict(orient="records")]
    if isinstance(value, dict):
        return {str(k): as_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [as_data(v) for v in list(value)]
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date().isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return value if isinstance(value, str) else str(value)


def sdq_results(model: Model, ref_date, n_boot: int = disruption_sdq.N_BOOT, seed: int = 0) -> dict:
    """The SDQ analysis of SPEC 6 as data (see the module docstring)."""
    frame = disruption_sdq.analysis_frame(
        model.placements, model.sdq_scores, ref_date, model.settings
    )
    return frame_results(frame, model.settings, n_boot, seed)


def frame_results(
    frame: pd.DataFrame, settings: Settings, n_boot: int = disruption_sdq.N_BOOT, seed: int = 0
) -> dict:
    """The SDQ results of an analysis frame (`disruption_sdq.analysis_frame`) as data."""
    s = disruption_sdq.summary(frame, settings, n_boot=n_boot, seed=seed)
    summary = as_data(dataclasses.replace(s, incidence=None))
    summary.pop("incidence", None)
    return {
        "unit": (
            f"placements starting in the {settings.sdq_window_months} months to the reference "
            "date, aged 4-17 at the start, with an SDQ score dated in the 12 months before it"
        ),
        "summary": summary,
        "band_rates": as_data(disruption_sdq.band_rates(frame)),
        "thresholds": as_data(disruption_sdq.threshold_table(frame)),
        "cumulative_incidence_12m": as_data(disruption_sdq.incidence_at(frame)),
    }


def missing_results(model: Model, month, n_months: int = 24) -> dict:
    """The missing analysis of SPEC 6 as data: the month in the council's terms, the monthly
    series of incidents and children, and this month against recent months."""
    monthly = missing_trends.monthly_series(model, month, n_months)
    columns = ["month", "missing_incidents", "missing_children", "away_incidents", "missing_open"]
    return {
        "month_summary": as_data(missing_trends.month_summary(model.missing, month)),
        "series": as_data(monthly[columns]),
        "against_recent": as_data(missing_trends.against_recent(monthly)),
    }


def analyse(model: Model, month, n_boot: int = disruption_sdq.N_BOOT, seed: int = 0) -> dict:
    """Every estimate, interval, n, p-value and verdict flag of the SDQ and missing analyses of
    `month` (YYYY-MM), as a JSON-able dict."""
    ref = dates.reference_date(month)
    settings = model.settings
    return {
        "schema": SCHEMA,
        "month": str(pd.Period(str(month), freq="M")),
        "reference_date": ref.date().isoformat(),
        "settings": {
            "sdq_threshold": settings.sdq_threshold,
            "sdq_window_months": settings.sdq_window_months,
            "bootstrap_samples": n_boot,
            "bootstrap_seed": seed,
        },
        "sdq": sdq_results(model, ref, n_boot, seed),
        "missing": missing_results(model, month),
    }
