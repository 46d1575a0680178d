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

from pipeline import data
from pipeline.analyses.disruption_sdq import (
    MIN_EVENTS,
    MIN_GROUP_N,
    MIN_N,
    CutOff,
    DisruptionSummary,
    ModelFit,
    NearOptimal,
    TargetingVerdict,
    TestResult,
    bands_publishable,
)
from pipeline.analyses.missing_trends import Comparison, MonthAgainstRecent, MonthSummary
from pipeline.config import Settings
from pipeline.indicators.register import RAG_AMBER_BAND
from pipeline.ingest.quality import Problem, Verdict
from pipeline.model import reviews, vocab
from pipeline.report.suppression import fmt_count, fmt_value, hours_minutes, is_small
from pipeline.report.tables import band_states
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
        if unit == "days":
            return f"{v:,.0f} days"
        return f"{v:.1f}" if exact else f"{v:g}"

    def missing(v):
        return v is None or pd.isna(v)

    if missing(current):
        return f"{label}: no figure this month."
    if missing(previous):
        sentence = f"{label} was {show(current)}"
    elif show(current) == show(previous):  # the same as the page shows them
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
    note = restated(row.previous, getattr(row, "previous_now", np.nan), row.unit, settings)
    if shown_before is not None and note:
        sentence = (
            f"{sentence[:-1]} (last month's figure as published; this extract now gives "
            f"{fmt_value(row.previous_now, row.unit, settings)})."
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


def restated(published, now, unit: str, settings: Settings) -> str:
    """' as published (465 on this extract)' when the latest extract gives an earlier month a
    different figure from the one published; '' otherwise."""
    if pd.isna(now) or pd.isna(published):
        return ""
    was, is_now = fmt_value(published, unit, settings), fmt_value(now, unit, settings)
    return "" if was == is_now else f" as published ({is_now} on this extract)"


def key_messages(rows: list, settings: Settings, limit: int = 6) -> list[str]:
    """Three to six plain sentences for the top of a report, from the headline figures
    (`analyses.headlines` rows): figures off target first, then those that moved most. Each
    says the figure, whether it got better or worse since last month and a year ago (by the
    indicator's polarity; `_compared` says when a move is too small to call), the target, and
    England and neighbours with the benchmark's year."""
    shown = [r for r in rows if not headline_hidden(r, settings) and not pd.isna(r.value)]
    order = {"red": 0, "amber": 1, "green": 2}

    def moved(r) -> float:
        if pd.isna(r.previous) or not r.previous:
            return 0.0
        return abs(float(r.value) - float(r.previous)) / abs(float(r.previous))

    ranked = sorted(shown, key=lambda r: (order.get(r.rag, 3), -moved(r)))
    return [_key_message(r, settings) for r in ranked[:limit]]


def _key_message(r, settings: Settings) -> str:
    value = fmt_value(r.value, r.unit, settings, r.numerator, r.denominator)
    parts = [f"{r.label}: {value}"]
    for name, before, count, now in (
        ("last month", r.previous, r.previous_numerator, getattr(r, "previous_now", np.nan)),
        ("a year ago", r.year_ago, r.year_ago_numerator, getattr(r, "year_ago_now", np.nan)),
    ):
        small = is_small(before if r.unit == "count" else count, settings)
        if pd.isna(before) or small:
            continue
        parts.append(_compared(r, before, name, settings) + restated(before, now, r.unit, settings))
    text = parts[0] + (f" ({'; '.join(parts[1:])})" if len(parts) > 1 else "") + "."
    if not pd.isna(r.target) and r.higher_is_better in (True, False):
        met = r.value >= r.target if r.higher_is_better else r.value <= r.target
        target = fmt_value(r.target, r.unit, settings)
        text += f" {'Meets' if met else 'Misses'} the target of {target}."
    benchmarks = []
    for name in ("national", "statistical_neighbours"):
        figure, label = settings.benchmark(name, r.indicator)
        if figure is not None:
            benchmarks.append(f"{label} {fmt_value(figure, r.unit, settings)}")
    if benchmarks:
        text += f" For comparison: {'; '.join(benchmarks)}."
    return text


def _compared(r, before, name: str, settings: Settings) -> str:
    """'better than 10.8% last month' by polarity, but only for a change the figure can bear:
    for a percentage, one outside its own 95% interval (a smaller move is 'about the same');
    for a score, hours or a rate, more than 5% either way; counts as they are."""
    before_text = fmt_value(before, r.unit, settings)
    change = float(r.value) - float(before)
    if r.unit == "percent":
        low, high = getattr(r, "ci_low", np.nan), getattr(r, "ci_high", np.nan)
        steady = (low <= before <= high) if not pd.isna(low) else abs(change) < 1.0
    elif r.unit == "count":
        steady = change == 0
    else:
        steady = abs(change) <= 0.05 * abs(float(before))
    if steady or before_text == fmt_value(r.value, r.unit, settings):
        return f"about the same as {name}, {before_text}"
    if r.higher_is_better in (True, False):
        better = (change > 0) == r.higher_is_better
        return f"{'better' if better else 'worse'} than {name}, {before_text}"
    return f"{'up' if change > 0 else 'down'} from {before_text} {name}"


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
        "first_review_days": reviews.FIRST_WORKING_DAYS,
        "second_review_months": reviews.SECOND_MONTHS,
        "later_review_months": reviews.LATER_MONTHS,
        "amber_band": f"{100 * RAG_AMBER_BAND:g}",
        "uasc_nts_pct": f"{settings.uasc_nts_pct:g}",
    }
    entries = _glossary()
    return [
        (entries[k]["term"].format(**values), entries[k]["text"].format(**values)) for k in keys
    ]


def p_value(p: float, against: float = 0.05) -> str:
    """'p < 0.001' or 'p = 0.024', never rounded onto or across the threshold it is read
    against (`against`): 0.0496 is 'p = 0.0496', not 'p = 0.050' beside 'significant'."""
    if p is None or not np.isfinite(p):
        return "p not available"
    if p < 0.001 and against >= 0.001:
        return "p < 0.001"
    for digits in (3, 4, 5, 6):
        text = f"{p:.{digits}f}"
        shown = float(text)
        if shown != against and (shown < against) == (p < against) and shown > 0:
            return f"p = {text}"
    return f"p < {against:g}" if p < against else f"p > {against:g}"


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
    if p.kind == "unreconciled":
        return (
            f"the rows read from the files do not match the records the files hold, for "
            f"{', '.join(p.tables)}"
        )
    if p.kind == "unreadable_files":
        n = len(p.tables)
        return (
            f"{n} file{'s' if n != 1 else ''} could not be read and {'were' if n != 1 else 'was'} "
            f"left out ({', '.join(p.tables)}): see the list of files"
        )
    if p.kind == "ignored_files":
        n = len(p.tables)
        return (
            f"{n} file{'s' if n != 1 else ''} {'were' if n != 1 else 'was'} not recognised as a "
            f"903 table and not used ({', '.join(p.tables)}): check the extract's file names"
        )
    if p.kind == "empty_tables":
        return (
            f"no records this month for {', '.join(p.tables)} (empty, or there last month and "
            "missing now): figures that use them are blank"
        )
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


def _pct(x, digits: int = 0) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{100 * float(x):.{digits}f}%"


def _range(ci, digits: int = 0) -> str:
    lo, hi = ci
    return f"95% interval {_pct(lo, digits)} to {_pct(hi, digits)}"


def _points(x) -> str:
    return f"{100 * abs(float(x)):.0f} percentage point{'s' if round(100 * abs(x)) != 1 else ''}"


def _of_them(k, n, ci, whom: str, settings: Settings) -> str:
    """'45 of them (47%, 95% interval 37% to 57%)', '10 of the rest (19%, ...)'; a small
    count as '<5 of them', with no rate."""
    if is_small(k, settings) or is_small(n, settings):
        return f"{fmt_count(k, settings)} of {whom}"
    return f"{k} of {whom} ({_pct(k / n if n else math.nan)}, {_range(ci)})"


def _significance(fit: ModelFit) -> str:
    if fit.ci_low > 1:
        return "Higher scores go with more disruption, and the association is statistically significant."
    if fit.ci_high < 1:
        return "Higher scores go with less disruption, and the association is statistically significant."
    return "The association is not statistically significant at this size."


GROUP_WORDS = {"age_at_start": "age at the start of the placement", "place_group": "placement type"}


def _adjusted(fit: ModelFit) -> str:
    """' The model allows for age at the start and placement type (...).'"""
    parts = []
    for name in fit.adjusted_for:
        text = GROUP_WORDS[name]
        if name == "place_group":
            details = []
            if fit.reference_group:
                details.append(f"compared with {_group_label(fit.reference_group)}")
            if fit.pooled_groups:
                pooled = ", ".join(_group_label(g) for g in fit.pooled_groups)
                details.append(
                    f"{pooled} counted together as other types because each had fewer than "
                    f"{MIN_GROUP_N} placements"
                )
            if details:
                text += " (" + "; ".join(details) + ")"
        parts.append(text)
    return " The model allows for " + " and ".join(parts) + "." if parts else ""


def _dropped(fit: ModelFit) -> str:
    if not fit.dropped:
        return ""
    return " " + " ".join(
        f"It could not allow for {GROUP_WORDS[name]}: {reason}." for name, reason in fit.dropped
    )


def _group_label(group: str) -> str:
    label = vocab.PLACE_GROUP_LABELS.get(group)
    return (label or group.replace("_", " ")).lower()


def _per_point(ratio: float, what: str) -> str:
    change = 100 * (ratio - 1)
    direction = "higher" if change >= 0 else "lower"
    return f"{abs(change):.0f}% {direction} {what}"


def model_sentence(fit: ModelFit) -> str:
    """What a logistic or Cox fit says about SDQ scores and disruption, with what it allowed
    for and, when an adjustment could not be made, why."""
    if fit.kind == "logistic":
        if fit.status == "too_few":
            return too_few(fit.n, fit.events, "fit a regression")
        if fit.status == "not_fitted":
            return "The regression could not be fitted on these placements (too little variation)."
        return (
            f"Each extra SDQ point went with {_per_point(fit.ratio, 'odds')} of disruption within "
            f"12 months (odds ratio {fit.ratio:.3f}, 95% interval {fit.ci_low:.3f} to "
            f"{fit.ci_high:.3f}, {p_value(fit.p_value)}; {fit.n} placements of {fit.children} "
            "children). " + _significance(fit) + _adjusted(fit) + _dropped(fit)
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
        f"Following every placement for as long as it was observed, each extra SDQ point went "
        f"with a {_per_point(fit.ratio, 'risk')} of disruption at any time (hazard ratio "
        f"{fit.ratio:.3f}, 95% interval {fit.ci_low:.3f} to {fit.ci_high:.3f}, "
        f"{p_value(fit.p_value)}; {fit.n} placements of {fit.children} children, {fit.events} "
        "disruptions). " + _significance(fit) + _adjusted(fit) + _dropped(fit)
    )


def separation_sentence(opt: NearOptimal) -> str:
    """Whether the score separates disrupted from undisrupted placements, and only then the
    range of near-optimal cut-offs."""
    if not opt.enough:
        return too_few(opt.n, opt.disrupted, "say whether the score separates placements")
    auc = f"AUC {opt.auc:.2f}, 95% interval {opt.auc_ci[0]:.2f} to {opt.auc_ci[1]:.2f}"
    if opt.reversed:
        return (
            f"Here higher SDQ scores went with fewer breakdowns ({auc}; below 0.5), so the data "
            "do not support targeting higher scores."
        )
    if not opt.separates:
        return (
            "In these placements the SDQ score does not reliably separate placements that broke "
            f"down from those that did not ({auc}; the interval includes 0.5, which is no "
            "better than chance), so the data do not point to a best cut-off."
        )
    if not opt.named:
        return (
            f"The SDQ score separates placements that broke down from those that did not better "
            f"than chance ({auc}; 0.5 is chance, 1 is perfect)."
        )
    span = (
        f"the cut-off that best balances breakdowns caught against placements flagged is {opt.low}"
        if opt.low == opt.high
        else f"the cut-offs that best balance breakdowns caught against placements flagged lie "
        f"between {opt.low} and {opt.high}; the data cannot pick one score within that range"
    )
    return (
        f"The SDQ score separates placements that broke down from those that did not better "
        f"than chance, though not sharply ({auc}; 0.5 is chance, 1 is perfect). Allowing for "
        f"chance, {span} (95% range over resamples of the children)."
    )


def _minimum(settings: Settings) -> int:
    return settings.suppression_threshold if settings.suppression_enabled else 0


def _publishable(cuts: list[CutOff], v: TargetingVerdict, settings: Settings) -> bool:
    """Whether these cut-offs' counts may be shown together (none small, none recoverable)."""
    cuts = sorted(cuts, key=lambda c: -c.threshold)
    return bands_publishable(
        [c.flagged_disrupted for c in cuts],
        [c.flagged - c.flagged_disrupted for c in cuts],
        v.disrupted,
        v.n - v.disrupted,
        _minimum(settings),
    )


def targeting_sentences(v: TargetingVerdict, settings: Settings) -> list[str]:
    """The verdict on the targeting cut-off (the one test, both directions) and what it and
    the alternatives catch and miss; counts only when none is small or recoverable."""
    if not v.enough:
        return [too_few(v.n, v.disrupted, f"judge a cut-off of {v.threshold}")]
    c = v.cut
    hidden = not _publishable([c], v, settings)
    if hidden:
        lines = [
            f"A cut-off of {c.threshold} flags placements among the {v.n} analysed, but the "
            "numbers flagged or broken down on one side of it are too small to show publicly."
        ]
    else:
        lines = [
            f"A cut-off of {c.threshold} flags {c.flagged:,} of {v.n} placements; "
            f"{_of_them(c.flagged_disrupted, c.flagged, c.rate_flagged_ci, 'them', settings)} "
            "broke down within 12 months, against "
            f"{_of_them(c.missed, c.not_flagged, c.rate_not_flagged_ci, 'the rest', settings)}."
        ]
    p = p_value(c.p_value)
    if v.significant is None:
        lines.append(
            f"A cut-off of {c.threshold} flags {'every' if c.not_flagged == 0 else 'no'} "
            "placement here, so it cannot be tested."
        )
    elif hidden:
        lines.append(
            "The numbers are too small to show the difference publicly; "
            + (
                "it is statistically significant."
                if v.significant
                else "it is not statistically significant."
            )
        )
    elif v.significant:
        more = "more" if v.direction == "more" else "less"
        lines.append(
            f"Flagged placements broke down {more} often: a difference of {_points(c.difference)} "
            f"(95% interval {100 * c.difference_ci[0]:.0f} to {100 * c.difference_ci[1]:.0f}), "
            f"statistically significant ({p})."
        )
    else:
        lines.append(
            f"The difference ({100 * c.difference:+.0f} percentage points, 95% interval "
            f"{100 * c.difference_ci[0]:.0f} to {100 * c.difference_ci[1]:.0f}) is not "
            f"statistically significant ({p}): at these numbers, flagged and other placements "
            "may break down equally often."
        )
    lines.append(catch_sentence(v, settings))
    return lines


def _catch(c: CutOff) -> str:
    per = (
        f", flagging {c.flagged_per_caught:.1f} placements per breakdown caught"
        if np.isfinite(c.flagged_per_caught)
        else ""
    )
    return f"{c.threshold} would catch {_pct(c.sensitivity)}{per}"


def catch_sentence(v: TargetingVerdict, settings: Settings) -> str:
    """What the cut-off catches and misses, beside the alternatives that can be shown with it
    without a small count following from the differences."""
    c = v.cut
    shown = [c] if _publishable([c], v, settings) else []
    if not shown:
        first = (
            f"What a cut-off of {c.threshold} would catch and miss of the {v.disrupted} "
            "breakdowns is too small a number to show publicly."
        )
    else:
        per = (
            f", flagging about {c.flagged_per_caught:.1f} placements for each breakdown caught"
            if np.isfinite(c.flagged_per_caught)
            else ""
        )
        first = (
            f"A cut-off of {c.threshold} would catch {c.flagged_disrupted:,} of the "
            f"{v.disrupted} breakdowns ({_pct(c.sensitivity)}, {_range(c.sensitivity_ci)}) and "
            f"miss {c.missed:,}{per}."
        )
    others = []
    for a in v.alternatives:
        if _publishable([*shown, *others, a], v, settings):
            others.append(a)
    if not others:
        return first
    return (
        f"{first} By comparison, a cut-off of {'; '.join(_catch(a) for a in others)}: a lower "
        "cut-off catches more breakdowns but flags more placements that would not have broken "
        "down. The data cannot say which balance is right; that is a choice about the support "
        "available."
    )


def incidence_sentence(inc: pd.DataFrame, bands: TestResult, settings: Settings) -> str:
    """'By 12 months, X% of placements ... had broken down', by band, and the band comparison."""
    parts = []
    for r in inc[inc["band"] != "all"].itertuples():
        if r.n == 0:
            continue
        if is_small(r.disruptions, settings) or is_small(r.n, settings):
            parts.append(f"{r.label.split(' ', 1)[0]}: withheld (small numbers)")
            continue
        parts.append(
            f"{_pct(r.cif)} of placements of children scoring {r.label.split(' ', 1)[0]} "
            f"({_range((r.ci_low, r.ci_high))})"
        )
    text = (
        "Counting every placement that started in the window, including recent ones followed for "
        "less than a year, and treating other endings (planned moves, leaving care) as ending the "
        "risk: by 12 months " + "; ".join(parts) + " had broken down."
    )
    if bands is None or not np.isfinite(bands.p_value):
        return text + " There are too few placements or breakdowns to compare the bands."
    verdict = (
        "is statistically significant"
        if bands.p_value < 0.05
        else "is not statistically significant: the bands may differ by chance at these numbers"
    )
    return (
        f"{text} The difference between the bands in how soon placements broke down {verdict} "
        f"({p_value(bands.p_value)}; the test allows for children with several placements)."
    )


def disruption_findings(s: DisruptionSummary, settings: Settings | None = None) -> list[str]:
    """The findings list of the SDQ section, in the order the report shows them."""
    settings = settings or Settings()
    if not s.enough:
        return [too_few(s.n, s.disrupted, "analyse disruption against SDQ scores")]
    rate = (
        f"Of {s.n} placements with a full 12 months of follow-up ({s.n_children} children), "
        f"{fmt_count(s.disrupted, settings)} "
        + ("" if is_small(s.disrupted, settings) else f"({share(s.rate)}, {_range(s.rate_ci)}) ")
        + "broke down within 12 months."
    )
    return [
        rate,
        incidence_sentence(s.incidence, s.bands, settings),
        separation_sentence(s.optimal),
        *targeting_sentences(s.targeting, settings),
        model_sentence(s.logistic),
        model_sentence(s.cox),
    ]


def band_rates_alt(rates: pd.DataFrame, settings: Settings | None = None) -> str:
    """Alt text for the disruption-by-band chart: the rates the table shows, and no others."""
    settings = settings or Settings()
    n_text, shown = band_states(rates, settings)
    parts = []
    for r, n, ok in zip(rates.itertuples(), n_text, shown, strict=True):
        if not r.n:
            parts.append(f"{r.label}: no placements")
        elif not ok or pd.isna(r.rate):
            parts.append(f"{r.label} withheld (small numbers)")
        else:
            parts.append(f"{r.label} {100 * r.rate:.0f}% of {n}")
    return (
        "Bar chart of the share of placements disrupted within 12 months by SDQ band, with 95% "
        "intervals: " + "; ".join(parts)
    )


def incidence_alt(inc: pd.DataFrame, settings: Settings | None = None) -> str:
    """Alt text for the cumulative incidence chart (`inc`: `disruption_sdq.incidence_at`)."""
    settings = settings or Settings()
    _, shown = band_states(inc, settings, k="disruptions")
    parts = [
        f"{r.label} {_pct(r.cif) if ok and not pd.isna(r.cif) else 'withheld'}"
        for r, ok in zip(inc.itertuples(), shown, strict=True)
        if r.band != "all" and r.n
    ]
    return (
        "Line chart of the share of placements that had broken down by each month since they "
        "started, by SDQ band, with 95% bands; by 12 months: " + "; ".join(parts) + "."
    )


def roc_alt(s: DisruptionSummary) -> str:
    """Alt text for the ROC chart."""
    if not s.enough:
        return "ROC curve: too few placements to draw one."
    return (
        "ROC curve of the SDQ score against breakdown within 12 months, with the targeting "
        f"cut-off marked. {separation_sentence(s.optimal)}"
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
        days = "" if s.all_timed else " (some episodes recorded in whole days)"
        parts.append(
            f"the average time missing was {hours_minutes(s.mean_hours)}{days} and the longest "
            f"{hours_minutes(s.max_hours)}"
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


def not_looked_after(s: MonthSummary, settings: Settings) -> str:
    """Incidents recorded for children the extract does not show in care that day, explained
    (they stay in the figures, as the missing table records them) or '' when there are none."""
    if not s.not_looked_after:
        return ""
    n = fmt_count(s.not_looked_after, settings)
    verb = "was" if s.not_looked_after == 1 else "were"
    return (
        f"{n} of this month's incidents {verb} recorded for a child the extract does not show "
        "in care on that day. The missing table should hold children in care only, so this is "
        "a recording problem for the missing-children coordinator to check; the incidents are "
        "counted here as the table records them."
    )


def comparisons_intro(result: MonthAgainstRecent) -> str:
    """How many comparisons the page makes, how overdispersion is allowed for, and the
    threshold each must pass."""
    if not result.n_comparisons:
        return "There are not enough months yet to compare this month with earlier ones."
    measures = " and ".join(COMPARED_WORDS[lim.measure] for lim in result.limits)
    against = ["last month"]
    if any(c.label == "the same month last year" for c in result.comparisons):
        against.append("the same month last year")
    against.append(f"the range expected from the {result.baseline_months} months before")
    spread = []
    for lim in result.limits:
        if lim.dispersion > 1.05:
            spread.append(
                f"{COMPARED_WORDS[lim.measure]} varied {lim.dispersion:.1f} times as much"
            )
    variation = (
        "Monthly counts vary more than chance alone would make them (a few children go missing "
        "many times): over those months " + " and ".join(spread) + " as purely random counts "
        "would, and the comparisons allow for that. "
        if spread
        else "Over those months the counts varied no more than chance alone would make them. "
    )
    return (
        f"This page makes {result.n_comparisons} comparisons: {measures} this month, each against "
        f"{', '.join(against[:-1])} and {against[-1]}. {variation}So that the page raises a "
        f"false alarm less than 1 time in 20 when nothing has changed, a comparison counts as "
        f"unusual only when p is below {result.threshold:.3f} (0.05 shared among "
        f"{result.n_comparisons})."
    )


COMPARED_WORDS = {"missing_incidents": "incidents", "missing_children": "children missing"}


def against_recent(result: MonthAgainstRecent, settings: Settings) -> list[str]:
    """This month against last month, the same month last year and the expected range, for
    incidents and children, each with its p-value against the page's threshold."""
    return [comparison_line(c, result, settings) for c in result.comparisons]


def expected_range(
    result: MonthAgainstRecent, settings: Settings, measure: str = "missing_incidents"
) -> str:
    """The line on this month against the expected range of `measure`."""
    for c in result.comparisons:
        if c.measure == measure and c.test.kind == "mean":
            return comparison_line(c, result, settings)
    return "There are not enough months yet for an expected range."


def comparison_line(c: Comparison, result: MonthAgainstRecent, settings: Settings) -> str:
    """One comparison of this month, in words, with small counts withheld."""
    what = COMPARED_WORDS[c.measure].capitalize()
    now, before = c.test.current, c.test.previous
    p = p_value(c.test.p_value, result.threshold)
    if c.test.kind == "mean":
        lim = result.limits_of(c.measure)
        if is_small(now, settings):
            return f"{what} against the expected range: too few to compare publicly."
        place = "outside" if c.unusual else "inside"
        return (
            f"{what} against the expected range: {now} this month, against an average of "
            f"{lim.centre:.1f} over the {lim.baseline_months} months before; the expected range "
            f"is {lim.lcl:.0f} to {lim.ucl:.0f}, and this month is {place} it ({p})"
            + (": worth looking into." if c.unusual else ".")
        )
    if is_small(now, settings) or is_small(before, settings):
        return f"{what} against {c.label}: the numbers are too small to compare publicly."
    word = "rose" if now > before else "fell" if now < before else "were unchanged"
    shown = f"{word} from {before:.0f} to {now}" if now != before else f"{word} at {now}"
    if c.unusual:
        tail = "larger than normal month-to-month variation: worth looking into"
    elif c.test.p_value < 0.05:
        tail = (
            "on its own this would look unusual, but with "
            f"{result.n_comparisons} comparisons on the page a change this size is expected "
            "by chance from time to time, so it is not called unusual"
        )
    else:
        tail = "within normal month-to-month variation"
    return f"{what} against {c.label}: {shown} ({p}), {tail}."


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


def direction(row, settings: Settings) -> str:
    """The direction of travel of a headline figure in words, against last month and a year ago
    as published ('Better than last month, 65.8%; about the same as a year ago, 66.0%'); a
    move the figure cannot bear is 'about the same' (`_compared`)."""
    parts = []
    for name, before, count in (
        ("last month", row.previous, row.previous_numerator),
        ("a year ago", row.year_ago, row.year_ago_numerator),
    ):
        if pd.isna(before) or pd.isna(row.value):
            continue
        if is_small(before if row.unit == "count" else count, settings):
            continue
        parts.append(_compared(row, before, name, settings))
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] if text else "-"


def indicator_unit(indicator: str) -> str:
    return data.indicators().get(indicator, {}).get("unit", "count")


_AXIS = {
    "percent": "%",
    "count": "Number",
    "days": "Days",
    "hours": "Hours",
    "rate_per_10k": "Per 10,000 children",
    "score": "Score",
}


def unit_axis(unit: str) -> str:
    """A chart's y-axis label for a unit."""
    return _AXIS.get(unit, "")


def trend_alt(label: str, unit: str, values: pd.Series) -> str:
    """Alt text of a monthly trend (`values` indexed by month end): what it shows and how it
    moved from its first month with a figure to its last."""
    shown = values.dropna()
    first, last = shown.iloc[0], shown.iloc[-1]
    since = pd.Timestamp(shown.index[0]).strftime("%B %Y")
    return (
        f"Line chart of {label[:1].lower() + label[1:]} month by month, with its target and "
        "benchmarks where set. "
        + describe_change("The figure", last, first, unit=unit, since=since)
    )


def trend_withheld(label: str, settings: Settings) -> str:
    return (
        f"{label}: the monthly trend is not drawn, because some months rest on fewer than "
        f"{settings.suppression_threshold} children or episodes and the line would show them."
    )


def restricted_list(frame: pd.DataFrame, who: str, team: str, settings: Settings) -> str:
    """Count-only sentence for a child-level list written to the restricted folder: `who` says
    what the rows are ('children whose review is overdue'), `team` who acts on it."""
    n = len(frame)
    if n == 0:
        return f"There are no {who} at the end of the month."
    return (
        f"{fmt_count(n, settings)} {who} at the end of the month. The list, for {team}, is in "
        "the restricted folder for this month, not in this report."
    )
