"""Missing-from-care trends (SPEC 6): the monthly series, this month against earlier months, who
went missing, and missing episodes before placement breakdowns. Results are frames and
dataclasses; the words are in `pipeline.report.words`.

Monthly counts vary more than Poisson counts (a few children go missing many times), so this
month is compared with earlier months on a dispersion estimated from the series itself
(quasi-Poisson), for children as well as incidents, and the page shares one 5% false-alarm
rate among its comparisons (`make validate-stats` measures it on stationary synthetic series).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import indicators
from pipeline.model import Model, dates, vocab
from pipeline.model.missing import counted
from pipeline.stats import (
    OverdispersedComparison,
    compare_overdispersed,
    dispersion,
    overdispersed_limits,
)

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


COMPARED = {"missing_incidents": "incidents", "missing_children": "children"}
ALPHA = 0.05  # the chance of any false alarm on the page (shared by its comparisons)


@dataclass(frozen=True)
class Comparison:
    """This month's count of `measure` against an earlier month's (`label`: which one) or the
    mean of the months before it ('the expected range'), allowing for overdispersion; `unusual`
    when the p-value is below the page's per-comparison threshold."""

    measure: str
    label: str
    test: OverdispersedComparison
    unusual: bool


@dataclass(frozen=True)
class Limits:
    """The expected range of `measure` this month from the `baseline_months` before it: the mean
    +/- Student's t * sqrt(dispersion * mean * (1 + 1/n)), at the page's per-comparison level."""

    measure: str
    current: int
    centre: float
    lcl: float
    ucl: float
    dispersion: float
    baseline_months: int

    @property
    def inside(self) -> bool:
        return self.lcl <= self.current <= self.ucl


@dataclass(frozen=True)
class MonthAgainstRecent:
    """This month against last month, the same month last year and the expected range, for
    incidents and for children. The page makes `n_comparisons` comparisons and calls one
    unusual only when its p-value is below `alpha / n_comparisons` (`threshold`), so the chance
    of any false alarm on the page is at most `alpha` when nothing has changed (Bonferroni).
    Overdispersion (`dispersion` per measure) is estimated from the months before this one."""

    comparisons: tuple[Comparison, ...]
    limits: tuple[Limits, ...]
    alpha: float
    baseline_months: int

    @property
    def n_comparisons(self) -> int:
        return len(self.comparisons)

    @property
    def threshold(self) -> float:
        return self.alpha / max(self.n_comparisons, 1)

    @property
    def any_unusual(self) -> bool:
        return any(c.unusual for c in self.comparisons)

    def limits_of(self, measure: str) -> Limits:
        return next(lim for lim in self.limits if lim.measure == measure)

    # the incidents' figures, as the chart and the older sentences use them
    @property
    def current(self) -> int:
        return self.limits_of("missing_incidents").current

    @property
    def centre(self) -> float:
        return self.limits_of("missing_incidents").centre

    @property
    def lcl(self) -> float:
        return self.limits_of("missing_incidents").lcl

    @property
    def ucl(self) -> float:
        return self.limits_of("missing_incidents").ucl

    @property
    def inside_limits(self) -> bool:
        return self.limits_of("missing_incidents").inside


def _n_comparisons(n_months: int, measures: int) -> int:
    per = 1 + (n_months >= 2) + (n_months >= 13)  # the range, last month, a year ago
    return per * measures if n_months >= 2 else 0


def against_recent(monthly: pd.DataFrame, alpha: float = ALPHA) -> MonthAgainstRecent:
    """Compare the series' last month with last month, the same month last year and the range
    expected from the months before it, for each measure of COMPARED present in `monthly`.

    Each measure's dispersion (quasi-Poisson, at least 1) is estimated from the months before
    this one; comparisons are t tests on its degrees of freedom
    (`pipeline.stats.compare_overdispersed`); the expected range is at the per-comparison
    level alpha / n_comparisons."""
    measures = [m for m in COMPARED if m in monthly]
    n_months = len(monthly)
    n_comp = _n_comparisons(n_months, len(measures))
    level = alpha / max(n_comp, 1)
    comparisons, limits = [], []
    for measure in measures:
        counts = monthly[measure].astype(float).to_numpy()
        now, baseline = int(counts[-1]), counts[:-1]
        if len(baseline) == 0:
            continue
        phi = dispersion(baseline)
        df = max(len(baseline) - 1, 1)
        centre = float(baseline.mean())
        tests = [
            (label, compare_overdispersed(now, counts[idx], phi, df))
            for idx, label in ((-2, "last month"), (-13, "the same month last year"))
            if n_months >= -idx
        ]
        tests.append(
            (
                "the expected range",
                compare_overdispersed(now, centre, phi, df, "mean", len(baseline)),
            )
        )
        comparisons += [Comparison(measure, lab, t, t.p_value < level) for lab, t in tests]
        lcl, ucl = overdispersed_limits(centre, phi, df, len(baseline), level)
        limits.append(Limits(measure, now, centre, lcl, ucl, phi, len(baseline)))
    return MonthAgainstRecent(tuple(comparisons), tuple(limits), alpha, max(n_months - 1, 0))


def incident_limits(monthly: pd.DataFrame, measure: str = "missing_incidents") -> pd.DataFrame:
    """The chart's limits for `measure`: this month's expected range (`against_recent`) drawn
    over the whole series. Columns value, centre, lcl, ucl, signal (outside the range)."""
    lim = against_recent(monthly).limits_of(measure)
    values = monthly[measure].astype(float)
    frame = pd.DataFrame({"value": values, "centre": lim.centre, "lcl": lim.lcl, "ucl": lim.ucl})
    frame["signal"] = (values > lim.ucl) | (values < lim.lcl)
    return frame


def breakdown(episodes: pd.DataFrame, by: str, month=None, kind: str | None = "M") -> pd.DataFrame:
    """Incidents and distinct children by `by` ('age_band', 'sex', 'place_group' or any column).

    `month` (YYYY-MM or Period) keeps episodes starting in that month; `kind` 'M', 'A' or None
    (both). Short breaks are set aside. Columns: <by>, incidents, children, incidents_pct.
    Every category of a categorical column appears, with 0 where none. `attrs['children']` is
    the number of distinct children in all groups (a child can fall in two).
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
    frame.attrs["children"] = int(e["CHILD"].nunique())
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
    # incidents of children the extract does not show in care that day (a data problem: the
    # missing table should hold looked-after children only); counted, as the table records them
    not_looked_after: int = 0

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
        not_looked_after=int((~e["looked_after"].astype(bool)).sum()),
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
