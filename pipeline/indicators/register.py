"""The indicator register (`pipeline/data/indicators.toml`), RAG status and the kpis.csv table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import data
from pipeline.config import Settings
from pipeline.model import dates

TIDY_COLUMNS = ["indicator", "period_end", "value", "numerator", "denominator"]
KPI_COLUMNS = [
    "indicator",
    "label",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "unit",
    "higher_is_better",
    "target",
    "rag",
]
RAG_AMBER_BAND = 0.10  # within 10% (relative) of the target is amber


def polarity(indicator: str) -> bool | None:
    """True when higher is better, False when lower is better, None when neither."""
    value = data.indicators().get(indicator, {}).get("higher_is_better", "")
    return value if isinstance(value, bool) else None


def rag_status(value, target, higher_is_better: bool | None) -> str:
    """'green' meets the target; 'amber' misses it by no more than 10% of the target (relative);
    'red' otherwise; '' when there is no target, no value, or the indicator has no polarity."""
    if value is None or target is None or pd.isna(value) or pd.isna(target):
        return ""
    if higher_is_better is True:
        if value >= target:
            return "green"
        return "amber" if value >= target - abs(target) * RAG_AMBER_BAND else "red"
    if higher_is_better is False:
        if value <= target:
            return "green"
        return "amber" if value <= target + abs(target) * RAG_AMBER_BAND else "red"
    return ""


def tidy(figures: dict[str, tuple], refs: pd.DatetimeIndex) -> pd.DataFrame:
    """{id: (value, numerator, denominator)} arrays -> rows indicator, period_end, value,
    numerator, denominator (one per id and reference date), in register order."""
    order = [i for i in data.indicators() if i in figures] + [
        i for i in figures if i not in data.indicators()
    ]
    if not order:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in TIDY_COLUMNS}).astype(
            {"indicator": "str", "period_end": dates.NS}
        )

    n = len(refs)

    def stacked(part: int) -> np.ndarray:
        arrays = [np.broadcast_to(np.asarray(figures[i][part], dtype="float64"), n) for i in order]
        return np.concatenate(arrays)

    return pd.DataFrame(
        {
            "indicator": pd.array(np.repeat(np.array(order, dtype=object), n), dtype="str"),
            "period_end": np.tile(refs.to_numpy(dtype=dates.NS), len(order)),
            "value": stacked(0),
            "numerator": stacked(1),
            "denominator": stacked(2),
        }
    )


def wide(tidy_frame: pd.DataFrame) -> pd.DataFrame:
    """A tidy indicator series as one row per period_end (in order) and one column per indicator
    (in name order) holding its value; the first row wins where a pair repeats. Laid out on a
    numpy grid: the reports call this for each chart, and a pivot table is dear for 25 rows."""
    ends, row = np.unique(tidy_frame["period_end"].to_numpy(), return_inverse=True)
    names, col = np.unique(tidy_frame["indicator"].to_numpy(dtype=object), return_inverse=True)
    cell = row.astype("int64") * len(names) + col
    _, first = np.unique(cell, return_index=True)  # each pair's first row
    grid = np.full(len(ends) * len(names), np.nan)
    grid[cell[first]] = tidy_frame["value"].to_numpy(dtype="float64")[first]
    grid = grid.reshape(len(ends), len(names))
    out = pd.DataFrame(grid, columns=pd.Index(names, dtype="str"))
    out.insert(0, "period_end", ends)
    return out


def targets(settings: Settings) -> dict[str, float]:
    """Each indicator's target: the configured [targets], and the National Transfer Scheme
    threshold (a setting of its own) for the UASC share of the child population."""
    return {"uasc_pct_of_child_population": settings.uasc_nts_pct, **settings.targets}


def labels(tidy_frame: pd.DataFrame) -> dict[str, str]:
    """Each indicator's label: the register's, or the one its source calls for (`all_indicators`
    records in the frame's attrs which figures came from the annual OC2 return)."""
    register = data.indicators()
    out = {name: meta.get("label", name) for name, meta in register.items()}
    for name in tidy_frame.attrs.get("from_oc2", ()):
        out[name] = register[name].get("label_oc2", out[name])
    return out


def kpi_rows(tidy_frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """kpis.csv rows for one reporting month from its tidy indicator rows.

    Columns: indicator (stable id), label, period_end (R), value, numerator, denominator, unit,
    higher_is_better (True / False / NA), target, rag, then benchmark_<name> for each benchmark set
    in the settings. Rows follow the register's order; targets and benchmarks come from settings.
    """
    register = data.indicators()
    meta = [register.get(name, {}) for name in tidy_frame["indicator"]]
    polarities = [polarity(name) for name in tidy_frame["indicator"]]
    target = tidy_frame["indicator"].map(targets(settings)).astype("float64")
    table = pd.DataFrame(
        {
            "indicator": tidy_frame["indicator"].to_numpy(),
            "label": tidy_frame["indicator"].map(labels(tidy_frame)).fillna("").to_numpy(),
            "period_end": tidy_frame["period_end"].to_numpy(),
            "value": tidy_frame["value"].to_numpy(),
            "numerator": tidy_frame["numerator"].to_numpy(),
            "denominator": tidy_frame["denominator"].to_numpy(),
            "unit": [m.get("unit", "") for m in meta],
            "higher_is_better": pd.array(polarities, dtype="boolean"),
            "target": target.to_numpy(),
            "rag": [
                rag_status(v, t, p)
                for v, t, p in zip(tidy_frame["value"], target, polarities, strict=True)
            ],
        }
    )
    for name, values in settings.benchmarks.items():
        table[f"benchmark_{name}"] = table["indicator"].map(values).astype("float64")
    return table.astype({"indicator": "str", "label": "str", "unit": "str", "rag": "str"})
