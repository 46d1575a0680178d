"""One reporting month, opened the same way by every notebook: `open_month(...)`.

It cleans the month if needed, reads the cleaned tables and the quality summary, judges the
data's quality against the previous cleaned month (so every report's caveat reads the same),
builds the model once, and starts the provenance clock.

The model and the indicator series are built once per month and process: the batch runs a
month's notebooks in one kernel, and the next notebook of the same month (same cleaned data, same
settings) reuses them instead of rebuilding (`_SHARED` keeps the latest month only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import indicators, model
from pipeline.config import Settings, load_settings
from pipeline.ingest import quality
from pipeline.ingest.processed import ensure_clean, is_current
from pipeline.io import atomic_write_csv, staged_target
from pipeline.model.dates import month_ends, reference_date
from pipeline.paths import resolve
from pipeline.report.charts import setup_style
from pipeline.report.provenance import RunContext
from pipeline.run import PARAMETERS
from pipeline.run.published import read_published

QUALITY_HISTORY_MONTHS = 13
_SHARED: dict[str, tuple] = {}  # "latest": (key, model, series cache) of the last month opened


@dataclass
class Month:
    """Everything a report of one month starts from."""

    month: str
    ref_date: pd.Timestamp
    settings: Settings
    model: model.Model
    quality: dict
    quality_history: pd.DataFrame
    verdict: quality.Verdict
    previous_quality: dict | None  # the previous cleaned month's summary (None: first month)
    output_dir: Path
    context: RunContext
    _series: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return self.model.tables

    @property
    def published(self) -> pd.DataFrame:
        """The published-figures register as it stood when this run began."""
        return read_published(staged_target(self.output_dir).parent)

    def series(self, n_months: int = 25) -> pd.DataFrame:
        """Every indicator for the `n_months` month ends to this month (tidy; computed once, and
        a shorter series is the tail of a longer one already computed)."""
        return _series(self._series, self.model, self.month, n_months)


def _series(cache: dict, month_model: model.Model, month: str, n_months: int) -> pd.DataFrame:
    """`Month.series` over `cache` ({n_months: tidy series}, filled in as computed)."""
    if n_months not in cache:
        longer = [n for n in cache if n > n_months]
        ends = month_ends(month, n_months)
        if longer:
            full = cache[min(longer)]
            part = full[full["period_end"].isin(ends)].reset_index(drop=True)
            part.attrs = dict(full.attrs)
            cache[n_months] = part
        else:
            cache[n_months] = indicators.all_indicators(month_model, ends)
    return cache[n_months]


def write_kpis(month: str, processed_dir, path) -> None:
    """Write `month`'s kpis.csv from the model and series this process built for the month's
    notebooks (the month's figures are the last month of their series). LookupError when the
    last month opened here was another (the caller then builds the model itself)."""
    shared = _SHARED.get("latest")
    if not shared or shared[0][:2] != (month, str(processed_dir)):
        raise LookupError(f"{month}: no model shared in this process")
    month_model = shared[1]
    tidy = _series(shared[2], month_model, month, 1)
    atomic_write_csv(indicators.kpi_rows(tidy, month_model.settings), Path(path))


def open_month(
    notebook: str,
    month: str,
    raw_root,
    processed_root,
    output_root,
    config_path=None,
    settings: Settings | None = None,
) -> Month:
    """Open `month` for the report `notebook` (paths as the notebook's parameters give them;
    relative ones resolve from the repository root; `config_path` is the settings file, default
    `config/la.toml`)."""
    settings = settings or load_settings(config_path)
    setup_style()
    building = resolve(output_root) / month
    final = staged_target(building)  # a month being built names the folder it will be swapped into
    shown_output = output_root if final == building else str(final.parent)
    given = (month, raw_root, processed_root, shown_output, config_path)
    context = RunContext(notebook=notebook, parameters=dict(zip(PARAMETERS, given, strict=True)))
    processed_root = resolve(processed_root)
    processed = processed_root / month
    raw = resolve(raw_root) / month
    key = (month, str(processed), repr(settings))
    shared = _SHARED.get("latest")
    if not (shared and shared[0] == key and is_current(month, raw, processed)):
        tables = ensure_clean(month, raw, processed)
        shared = (key, model.build(tables, settings), {})
        _SHARED["latest"] = shared
    summary = quality.read_quality(processed)
    history = quality.history(processed_root, month, n_months=QUALITY_HISTORY_MONTHS)
    earlier = history[history["month"] < month]
    previous = (
        quality.read_quality(processed_root / earlier["month"].iloc[-1]) if len(earlier) else None
    )
    return Month(
        month=month,
        ref_date=reference_date(month),
        settings=settings,
        model=shared[1],
        quality=summary,
        quality_history=history,
        verdict=quality.verdict(summary, settings, previous),
        previous_quality=previous,
        output_dir=building,
        context=context,
        _series=shared[2],
    )
