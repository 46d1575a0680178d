"""Every sentence a report shows, built from results (frames and dataclasses) and never from raw
data. Counts go through `pipeline.report.suppression`, so a sentence never reveals a small count.
"""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.analyses.disruption_sdq import (
    MIN_EVENTS,
    MIN_N,
    DisruptionSummary,
    ModelFit,
    OptimalThreshold,
    ThresholdComparison,
)
from pipeline.analyses.missing_trends import MonthAgainstRecent, MonthSummary
from pipeline.config import Settings
from pipeline.ingest.quality import Problem, Verdict
from pipeline.model import vocab
from pipeline.report.suppression import fmt_count, is_small
from pipeline.stats import wilson

# ---------------------------------------------------------------------------------- general


def describe_change(
    label: str,
    current,
    previous,
    unit: str = "percent",
    target=None,
    higher_is_better: bool | None = None,
    since: str = "last month",
) -> str:
    """One plain-English sentence, e.g. 'Children with 3+ placements fell from 12.8% to 11.7% since
    last month, still above the 10% target.'"""

    def show(v, exact=True):
        if unit == "percent":
            return f"{v:.1f}%" if exact else f"{v:g}%"
        if unit == "count":
            return f"{int(round(v)):,}"
        if unit == "hours":
            return f"{v:.1f} hours"
        return f"{v:.1f}" if exact else f"{v:g}"

    def missing(v):
        return v is None or pd.isna(v)

    if missing(current):
        return f"{label}: no figure this month."
    if missing(previous):
        sentence = f"{label} was {show(current)}"
    elif math.isclose(float(current), float(previous), rel_tol=1e-9, abs_tol=1e-9):
        sentence = f"{label} was unchanged at {show(current)} since {since}"
    else:
        verb = "rose" if current > previous else "fell"
        sentence = f"{label} {verb} from {show(previous)} to {show(current)} since {since}"
    if not missing(target) and higher_is_better in (True, False):
        if math.isclose(float(current), float(target), abs_tol=1e-9):
            return sentence + f", exactly on the {show(target, False)} target."
        side = "above" if current > target else "below"
        if missing(previous) or math.isclose(float(previous), float(target), abs_tol=1e-9):
            link = ""
        elif (previous > target) == (current > target):
            link = "still "
        else:
            link = "now "
        sentence += f", {link}{side} the {show(target, False)} target"
    return sentence + "."


def headline_sentence(row, settings: Settings) -> str:
    """The commentary line of one headline figure (`analyses.headlines` row), suppression-aware."""
    if headline_hidden(row, settings):
        return (
            f"{row.label}: withheld this month because it rests on fewer than "
            f"{settings.suppression_threshold} children."
        )
    shown_before = None
    before_count = row.previous if row.unit == "count" else row.previous_numerator
    if not pd.isna(row.previous) and not is_small(before_count, settings):
        shown_before = row.previous
    target = None if pd.isna(row.target) else row.target
    sentence = describe_change(
        row.label, row.value, shown_before, row.unit, target, row.higher_is_better
    )
    if row.unit == "percent" and not pd.isna(row.denominator) and row.denominator > 0:
        # scale for small-number changes: how far one child moves the percentage
        noun = (
            ("episodes", "episode") if row.indicator.startswith("rhi_") else ("children", "child")
        )
        sentence = (
            f"{sentence[:-1]}; with {int(row.denominator):,} {noun[0]} in the figure, one "
            f"{noun[1]} moves it by {100 / row.denominator:.1f} percentage points."
        )
    return sentence


def headline_hidden(row, settings: Settings) -> bool:
    """Whether a headline figure rests on a suppressed count (and so is withheld)."""
    if row.unit == "count":
        return is_small(row.value, settings)
    return is_small(row.numerator, settings) or is_small(row.denominator, settings)


@cache
def _glossary() -> dict[str, dict[str, str]]:
    path = Path(__file__).resolve().parent / "templates" / "glossary.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def glossary(keys: list[str], settings: Settings) -> list[tuple[str, str]]:
    """(term, explanation) for each glossary key, cut-offs filled from the definitions."""
    stability = vocab.STABILITY
    values = {
        "three_plus": stability["three_plus"],
        "under_age": stability["long_term_under_age"],
        "in_care_years": f"{stability['long_term_in_care_months'] / 12:g}",
        "placement_years": f"{stability['long_term_placement_months'] / 12:g}",
        "score_low": vocab.SDQ_SCORE_RANGE[0],
        "score_high": vocab.SDQ_SCORE_RANGE[1],
        "concern_from": vocab.SDQ_CONCERN_FROM,
        "rhi_hours": vocab.MISSING["return_interview_hours"],
        "threshold": settings.suppression_threshold,
        "below_threshold": settings.suppression_threshold - 1,
    }
    entries = _glossary()
    return [
        (entries[k]["term"].format(**values), entries[k]["text"].format(**values)) for k in keys
    ]


def p_value(p: float) -> str:
    """'p < 0.001' or 'p = 0.024'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def share(x) -> str:
    """A proportion (0-1) as a whole percentage; 'n/a' when unknown."""
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * float(x):.0f}%"


# ---------------------------------------------------------------------------------- data quality

RAG_WORDS = {"green": "On target", "amber": "Near target", "red": "Off target", "": "No target"}


def verdict_headline(v: Verdict) -> str:
    """The one-line verdict on a month's data."""
    if not v.fit:
        return "Not fit to report: figures for this month should not be published."
    if v.caveat:
        return "Fit to report with a caveat: read the figures with the notes below in mind."
    return (
        f"Fit to report: {v.share:.1f}% of rows were set aside, within the "
        f"{v.tolerance:g}% tolerance."
    )


def problem_text(p: Problem) -> str:
    """One reason behind a verdict, in plain English."""
    if p.kind == "unbalanced":
        return f"row accounting does not balance for {', '.join(p.tables)}"
    if p.kind == "no_rows":
        return f"no usable {p.tables[0]} rows"
    if p.kind == "table_share":
        return f"{p.value:.1f}% of {p.tables[0]} rows were set aside (limit {p.limit:g}%)"
    if p.kind == "total_share":
        return f"{p.value:.1f}% of all rows were set aside (caveat above {p.limit:g}%)"
    if p.kind == "share_rose":
        return f"the share set aside rose from {p.before:.1f}% to {p.value:.1f}%"
    raise ValueError(f"unknown problem kind {p.kind!r}")


def verdict_reasons(v: Verdict) -> list[str]:
    """Every reason behind a verdict (empty when the month is simply fit to report)."""
    return [problem_text(p) for p in v.problems]


def quality_caveat(v: Verdict) -> str:
    """The data-quality line at the top of an analysis report."""
    if v.caveat:
        reasons = " ".join(f"{r[0].upper()}{r[1:]}." for r in verdict_reasons(v))
        return (
            f"Data quality: {verdict_headline(v)} {reasons} See the data-quality report "
            "for this month."
        )
    return f"Data quality: {verdict_headline(v)}"


def quality_history(frame: pd.DataFrame) -> str:
    """Month-on-month change in the share of rows set aside."""
    if len(frame) < 2:
        return "This is the first cleaned month, so there is no earlier month to compare with."
    now, before = frame.iloc[-1], frame.iloc[-2]
    change = now["quarantined_pct"] - before["quarantined_pct"]
    direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
    detail = (
        "" if direction == "unchanged" else f" ({direction} {abs(change):.2f} percentage points)"
    )
    return (
        f"In {now['month']}, {now['quarantined_pct']:.2f}% of rows were set aside, against "
        f"{before['quarantined_pct']:.2f}% in {before['month']}{detail}. Over the "
        f"{len(frame)} months shown the share ranged from {frame['quarantined_pct'].min():.2f}% "
        f"to {frame['quarantined_pct'].max():.2f}%."
    )


# ---------------------------------------------------------------------------------- SDQ


def too_few(n: int, events: int, what: str) -> str:
    """The sentence for numbers too small to analyse."""
    return (
        f"There are too few placements to {what}: {n} with a known 12-month outcome, "
        f"{events} of them disrupted. At least {MIN_N} placements, with both disrupted and "
        "undisrupted ones, are needed."
    )


def _significance(lo: float, hi: float) -> str:
    if lo > 1:
        return "Higher scores go with more disruption, and the association is statistically significant."
    if hi < 1:
        return "Higher scores go with less disruption, and the association is statistically significant."
    return "The association is not statistically significant at this size."


def _adjusted(fit: ModelFit) -> str:
    names = {
        "age_at_start": "age at start",
        "place_group": f"placement type (reference {fit.reference_group})",
    }
    if not fit.adjusted_for:
        return ""
    return ", adjusted for " + " and ".join(names[a] for a in fit.adjusted_for)


def model_sentence(fit: ModelFit) -> str:
    """What a logistic or Cox fit says about SDQ scores and disruption."""
    if fit.kind == "logistic":
        if fit.status == "too_few":
            return too_few(fit.n, fit.events, "fit a regression")
        if fit.status == "not_fitted":
            return "The regression could not be fitted on these placements (too little variation)."
        return (
            f"Each extra SDQ point multiplies the odds of disruption within 12 months by "
            f"{fit.ratio:.3f} (95% CI {fit.ci_low:.3f} to {fit.ci_high:.3f}, "
            f"{p_value(fit.p_value)}{_adjusted(fit)}; {fit.n} placements). "
            + _significance(fit.ci_low, fit.ci_high)
        )
    if fit.status == "too_few":
        return (
            f"There are too few placements to fit a survival model: {fit.n} placements, "
            f"{fit.events} disruptions (at least {MIN_N} placements and {MIN_EVENTS} disruptions "
            "are needed)."
        )
    if fit.status == "not_fitted":
        return "The survival model could not be fitted on these placements."
    return (
        f"Each extra SDQ point multiplies the hazard of disruption by {fit.ratio:.3f} (95% CI "
        f"{fit.ci_low:.3f} to {fit.ci_high:.3f}, {p_value(fit.p_value)}{_adjusted(fit)}; "
        f"{fit.n} placements, {fit.events} disruptions). " + _significance(fit.ci_low, fit.ci_high)
    )


def optimal_sentence(opt: OptimalThreshold) -> str:
    """The Youden-optimal threshold and its interval."""
    if not opt.enough:
        return too_few(opt.n, opt.disrupted, "find an optimal threshold")
    return (
        f"The score that best separates placements that disrupted within 12 months from those that "
        f"did not (maximising Youden's J) is {opt.threshold} (95% bootstrap interval "
        f"{opt.ci_low} to {opt.ci_high}), on {opt.n} placements."
    )


def comparison_sentence(v: ThresholdComparison) -> str:
    """The verdict on the targeting threshold against the one below it."""
    if not v.enough:
        return too_few(v.n, v.disrupted, f"compare thresholds of {v.threshold} and {v.alternative}")
    t, a = v.at_threshold, v.at_alternative
    detail = (
        f"On {v.n} placements ({v.disrupted} disrupted within 12 months), a score of {t.threshold} "
        f"or more flags {t.flagged} placements ({share(t.rate_flagged)} disrupted) and catches "
        f"{share(t.sensitivity)} of disruptions with {share(t.specificity)} specificity; "
        f"{a.threshold} or more flags {a.flagged} ({share(a.rate_flagged)} disrupted), "
        f"catching {share(a.sensitivity)} with {share(a.specificity)} specificity. "
        f"Youden's J is {t.youden_j:.3f} at {t.threshold} and {a.youden_j:.3f} at {a.threshold} "
        f"(difference {v.difference:+.3f}, 95% bootstrap interval {v.ci_low:+.3f} to "
        f"{v.ci_high:+.3f})"
    )
    if not v.significant:
        return (
            f"{detail}: the difference between {v.threshold} and {v.alternative} is not "
            "statistically significant at this size, so the data do not show either threshold "
            "to be better."
        )
    worse = v.alternative if v.better == v.threshold else v.threshold
    return (
        f"{detail}: {v.better} separates disrupted from undisrupted placements better than "
        f"{worse}, and the difference is statistically significant at the 5% level."
    )


def disruption_findings(s: DisruptionSummary) -> list[str]:
    """The findings list of the SDQ section, in the order the report shows them."""
    if not s.enough:
        return [too_few(s.n, s.disrupted, "analyse disruption against SDQ scores")]
    rate = (
        f"Of {s.n} placements with a full 12 months of follow-up, {s.disrupted} "
        f"({share(s.rate)}, 95% CI {share(s.rate_ci[0])} to {share(s.rate_ci[1])}) disrupted "
        "within 12 months."
    )
    auc = (
        f"The SDQ score at the start of the placement separates disrupted from undisrupted "
        f"placements with an AUC of {s.auc:.2f} (95% CI {s.auc_ci[0]:.2f} to "
        f"{s.auc_ci[1]:.2f}; 0.5 is no better than chance, 1 is perfect)."
    )
    return [
        rate,
        auc,
        model_sentence(s.logistic),
        model_sentence(s.cox),
        optimal_sentence(s.optimal),
        comparison_sentence(s.comparison),
    ]


def band_rates_alt(rates: pd.DataFrame) -> str:
    """Alt text for the disruption-by-band chart."""
    return (
        "Bar chart of the share of placements disrupted within 12 months by SDQ band, with 95% "
        "intervals: "
        + "; ".join(f"{r.label} {100 * r.rate:.0f}% of {r.n}" for r in rates.itertuples())
    )


def cohort_sentence(cohort: pd.DataFrame, settings: Settings) -> str:
    """Count-only sentence about the children at or above the SDQ targeting threshold."""
    n = len(cohort)
    if n == 0:
        return (
            f"No child looked after now has a latest SDQ score of {settings.sdq_threshold} or more."
        )
    moved = int((cohort["moves_12m"] > 0).sum())
    missing = int((cohort["missing_90d"] > 0).sum())
    return (
        f"{fmt_count(n, settings)} children looked after now have a latest SDQ score of "
        f"{settings.sdq_threshold} or more; {fmt_count(moved, settings)} of them moved placement "
        f"in the last 12 months and {fmt_count(missing, settings)} went missing in the last 90 "
        "days. The list is in the restricted folder for this month."
    )


# ---------------------------------------------------------------------------------- missing


def missing_month(s: MonthSummary, settings: Settings) -> str:
    """The seeds' council's summary line, e.g. 'In January 2017 there were 50 missing incidents
    involving 24 young people aged 12 to 17; ...'."""
    period = pd.Period(s.month, freq="M").strftime("%B %Y")
    if not s.incidents:
        return f"No child in care was reported missing in {period}."
    parts = [
        f"In {period} there were {fmt_count(s.incidents, settings)} missing incidents "
        f"involving {fmt_count(s.children, settings)} young people"
    ]
    if not is_small(s.children, settings) and s.age_min is not None:
        parts[0] += f" aged {s.age_min} to {s.age_max}"
    if s.ended and not is_small(s.ended, settings):
        unit = "hours" if s.all_timed else "hours (some episodes recorded in whole days)"
        parts.append(
            f"the average time missing was {s.mean_hours:.1f} {unit} and the longest "
            f"{s.max_hours:.1f} hours"
        )
    if s.rhi_took_place is not None:
        parts.append(f"{fmt_count(s.rhi_took_place, settings)} return home interviews took place")
    return "; ".join(parts) + "."


def duration_caveat(s: MonthSummary) -> str:
    """The caveat when some of the month's ended episodes have dates but no times."""
    if s.all_timed:
        return "Every episode this month was recorded with start and end times."
    return (
        f"{s.untimed} of {s.ended} ended missing episodes were recorded with dates only; their "
        "durations are whole days x 24 hours, so averages mix estimated and exact times."
    )


def against_recent(result: MonthAgainstRecent, settings: Settings) -> list[str]:
    """This month against last month, the same month last year and the control limits."""
    lines = []
    now = result.current
    for comparison in result.comparisons:
        before = comparison.test.previous
        if is_small(now, settings) or is_small(before, settings):
            lines.append(
                f"Against {comparison.label}: the numbers are too small to compare publicly."
            )
            continue
        word = "rose" if now > before else "fell" if now < before else "were unchanged"
        tail = (
            "larger than normal month-to-month variation"
            if comparison.test.significant
            else "within normal month-to-month variation (not statistically significant)"
        )
        lines.append(
            f"Against {comparison.label}: incidents {word} from {before} to {now} "
            f"(exact Poisson test p = {comparison.test.p_value:.2f}), {tail}."
        )
    lines.append(
        f"Over the {result.baseline_months} months before this one incidents averaged "
        f"{result.centre:.1f} a month; the expected range is {result.lcl:.0f} to {result.ucl:.0f}, "
        "and this month "
        + ("is inside it." if result.inside_limits else "is outside it: worth looking into.")
    )
    return lines


def repeat_missing(repeaters: pd.DataFrame, settings: Settings) -> str:
    """Count-only sentence about children missing three or more times in 12 months."""
    n = len(repeaters)
    if n == 0:
        return "No child went missing three or more times in the last 12 months."
    return (
        f"{fmt_count(n, settings)} children went missing three or more times in the last 12 "
        f"months, with {fmt_count(int(repeaters['incidents'].sum()), settings)} incidents between "
        "them. The list is in the restricted folder for this month."
    )


def missing_before_disruption(linked: pd.DataFrame, ref_date, settings: Settings) -> str:
    """How many placements that broke down in the year to R had a missing episode in the 30
    days before."""
    ref = pd.Timestamp(ref_date)
    end = linked["end"]
    year = linked[linked["disrupted"] & (end > ref - pd.DateOffset(years=1)) & (end <= ref)]
    n = len(year)
    if n == 0:
        return "No placement broke down in the last 12 months."
    k = int(year["any_missing_before"].sum())
    if is_small(k, settings) or is_small(n, settings):
        return (
            f"{fmt_count(k, settings)} of {fmt_count(n, settings)} placements that broke down in "
            "the last 12 months had a missing episode in the 30 days before."
        )
    lo, hi = wilson(k, n)
    return (
        f"{k} of {n} placements that broke down in the last 12 months ({100 * k / n:.0f}%, 95% "
        f"interval {100 * lo[0]:.0f}% to {100 * hi[0]:.0f}%) had a missing episode in the 30 days "
        "before the breakdown."
    )
