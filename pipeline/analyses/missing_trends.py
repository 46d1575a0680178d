"""Missing-from-care trends (SPEC 6): the monthly series, this month against earlier months, who
went missing, and missing episodes before placement breakdowns. Results are frames and
dataclasses; the words are in `pipeline.report.words`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import indicators
from pipeline.model import Model, dates, vocab
from pipeline.model.missing import counted
from pipeline.stats import CountComparison, compare_counts, control_limits

SERIES_COLUMNS = (
    "missing_incidents",
    "missing_children",
    "away_incidents",
    "away_children",
    "missing_open",
    "missing_mean_hours",
    "missing_max_hours",
)
ROLLING = ("missing_incidents", "missing_children", "away_incidents")


def monthly_series(model: Model, end_month, n_months: int = 24) -> pd.DataFrame:
    """Month-by-month figures for the charts, oldest first, with 3-month rolling means.

    Columns: month (Period), period_end, the SERIES_COLUMNS indicators, untimed_episodes (ended M
    episodes of the month with dates only), and <id>_3m rolling means over the month and the two
    before it for the ROLLING ids (the two earlier months are computed too, so every row has one).
    """
    end = pd.Period(str(end_month), freq="M")
    months = pd.period_range(end - (n_months + 1), end, freq="M")
    refs = dates.as_reference_dates(months)
    tidy = indicators.all_indicators(model, refs, themes=(indicators.missing,))
    wide = tidy.pivot(index="period_end", columns="indicator", values="value")
    frame = pd.DataFrame({"month": months, "period_end": refs})
    for column in SERIES_COLUMNS:
        frame[column] = wide[column].to_numpy()
    ep = counted(model.missing)
    untimed = ep[(ep["MISSING"] == "M") & ep["end"].notna() & ~ep["timed"]]
    frame["untimed_episodes"] = dates.events_in_month(untimed["start_date"], refs)
    for column in ROLLING:
        frame[f"{column}_3m"] = frame[column].rolling(3).mean()
    return frame.iloc[2:].reset_index(drop=True)


@dataclass(frozen=True)
class Comparison:
    """This month's incidents against an earlier month's (`label`: which one)."""

    label: str
    test: CountComparison


@dataclass(frozen=True)
class MonthAgainstRecent:
    """This month against last month and the same month last year, and against the c-chart
    limits of the months before it."""

    comparisons: tuple[Comparison, ...]
    baseline_months: int
    centre: float
    lcl: float
    ucl: float
    current: int

    @property
    def inside_limits(self) -> bool:
        return self.lcl <= self.current <= self.ucl


def incident_limits(monthly: pd.DataFrame) -> pd.DataFrame:
    """c-chart limits of the monthly incidents, built on every month but the last."""
    return control_limits(monthly["missing_incidents"], baseline=len(monthly) - 1)


def against_recent(monthly: pd.DataFrame) -> MonthAgainstRecent:
    """Compare the series' last month with last month and a year ago (exact Poisson tests) and
    with c-chart limits built on the months before it."""
    counts = monthly["missing_incidents"].astype(int).to_list()
    now = counts[-1]
    comparisons = tuple(
        Comparison(label, compare_counts(now, counts[idx]))
        for idx, label in ((-2, "last month"), (-13, "the same month last year"))
        if len(counts) >= -idx
    )
    limits = incident_limits(monthly)
    return MonthAgainstRecent(
        comparisons=comparisons,
        baseline_months=len(counts) - 1,
        centre=float(limits["centre"].iloc[-1]),
        lcl=float(limits["lcl"].iloc[-1]),
        ucl=float(limits["ucl"].iloc[-1]),
        current=now,
    )


def breakdown(episodes: pd.DataFrame, by: str, month=None, kind: str | None = "M") -> pd.DataFrame:
    """Incidents and distinct children by `by` ('age_band', 'sex', 'place_group' or any column).

    `month` (YYYY-MM or Period) keeps episodes starting in that month; `kind` 'M', 'A' or None
    (both). Short breaks are set aside. Columns: <by>, incidents, children, incidents_pct.
    Every category of a categorical column appears, with 0 where none.
    """
    e = counted(episodes)
    if kind is not None:
        e = e[e["MISSING"] == kind]
    if month is not None:
        e = e[e["start_month"] == pd.Period(str(month), freq="M")]
    grouped = e.groupby(e[by], observed=False, dropna=False)
    frame = pd.DataFrame({"incidents": grouped.size(), "children": grouped["CHILD"].nunique()})
    frame = frame.fillna(0).astype("int64").rename_axis(by).reset_index()
    total = frame["incidents"].sum()
    frame["incidents_pct"] = 100.0 * frame["incidents"] / total if total else np.nan
    return frame


@dataclass(frozen=True)
class MonthSummary:
    """The seeds' council's figures for one month's missing (M) incidents: how many, the children
    and their ages, durations of those that ended, and return home interviews (None when no
    episode of the month records whether one was offered, e.g. an extract without the columns)."""

    month: str
    incidents: int
    children: int
    age_min: int | None
    age_max: int | None
    ended: int
    open: int
    untimed: int  # ended episodes recorded with dates only
    mean_hours: float
    max_hours: float
    rhi_offered: int | None
    rhi_took_place: int | None
    rhi_within_72h: int | None

    @property
    def all_timed(self) -> bool:
        return self.untimed == 0


def month_summary(episodes: pd.DataFrame, month) -> MonthSummary:
    """The month's missing incidents in the seeds' council's terms."""
    m = pd.Period(str(month), freq="M")
    e = counted(episodes)
    e = e[(e["MISSING"] == "M") & (e["start_month"] == m)]
    ended = e[e["end"].notna()]
    ages = e["age_at_start"].dropna()
    has_rhi = e["rhi_offered"].notna().any()

    def interviews(column: str) -> int | None:
        return int(ended[column].fillna(False).astype(bool).sum()) if has_rhi else None

    return MonthSummary(
        month=str(m),
        incidents=len(e),
        children=int(e["CHILD"].nunique()),
        age_min=int(ages.min()) if len(ages) else None,
        age_max=int(ages.max()) if len(ages) else None,
        ended=len(ended),
        open=int(e["open"].sum()),
        untimed=int((~ended["timed"]).sum()),
        mean_hours=float(ended["duration_hours"].mean()) if len(ended) else math.nan,
        max_hours=float(ended["duration_hours"].max()) if len(ended) else math.nan,
        rhi_offered=interviews("rhi_offered"),
        rhi_took_place=interviews("rhi_took_place"),
        rhi_within_72h=interviews("rhi_within_72h"),
    )


def disruptions_with_missing_before(
    placements: pd.DataFrame,
    episodes: pd.DataFrame,
    days: int | None = None,
    *,
    disruption: str | Iterable[str] = ("disruption",),
) -> pd.DataFrame:
    """Missing and away episodes starting in the `days` (default 30) before each placement end.

    `placements` needs CHILD, end (NaT while open) and end_category; rows whose end_category is
    one of `disruption` are flagged `disrupted`. An episode counts for a placement ending on day E
    when it started on a date in [E - days, E]. Returns the placements with missing_before,
    away_before (counts; 0 for open placements), any_missing_before and disrupted added.
    """
    days = vocab.MISSING["before_disruption_days"] if days is None else days
    cats = {disruption} if isinstance(disruption, str) else set(disruption)
    out = placements.copy()
    e = counted(episodes)
    end = placements["end"]
    for kind, col in (("M", "missing_before"), ("A", "away_before")):
        sel = e[e["MISSING"] == kind]
        codes, _ = pd.factorize(
            pd.concat([sel["CHILD"], placements["CHILD"]], ignore_index=True).astype("object")
        )
        big = np.int64(1_000_000)
        ep_key = np.sort(codes[: len(sel)].astype("int64") * big + _days(sel["start_date"]))
        pl_code = codes[len(sel) :].astype("int64") * big
        has_end = end.notna().to_numpy()
        end_day = np.where(has_end, _days(end.fillna(pd.Timestamp(0))), 0)
        lo = np.searchsorted(ep_key, pl_code + end_day - days, side="left")
        hi = np.searchsorted(ep_key, pl_code + end_day, side="right")
        out[col] = np.where(has_end, hi - lo, 0).astype("int64")
    out["any_missing_before"] = out["missing_before"] > 0
    out["disrupted"] = placements["end_category"].isin(cats).fillna(False).to_numpy(dtype=bool)
    return out


def _days(values: pd.Series) -> np.ndarray:
    """Dates as day numbers offset to stay positive (keys child * 10**6 + day)."""
    return dates.day_number(values.dt.normalize()) + 500_000
