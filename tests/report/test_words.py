"""Sentences built from results (pipeline.report.words)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.analyses.headlines import headline_figures
from pipeline.analyses.missing_trends import MonthSummary, against_recent
from pipeline.config import Settings
from pipeline.ingest.quality import Problem, Verdict
from pipeline.report import words

ON = Settings()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("Children with 3+ placements", 11.7, 12.8, "percent", 10, False),
            "Children with 3+ placements fell from 12.8% to 11.7% since last month, still above "
            "the 10% target.",
        ),
        (
            ("Long-term stability", 71.0, 68.0, "percent", 70, True),
            "Long-term stability rose from 68.0% to 71.0% since last month, now above the 70% "
            "target.",
        ),
        (
            ("Missing incidents", 50, 50, "count", None, None),
            "Missing incidents was unchanged at 50 since last month.",
        ),
        (
            ("SDQ completion", 95.0, None, "percent", 95, True),
            "SDQ completion was 95.0%, exactly on the 95% target.",
        ),
        (("X", float("nan"), 3, "count", None, None), "X: no figure this month."),
    ],
)
def test_describe_change_sentences(args, expected):
    label, current, previous, unit, target, polarity = args
    assert words.describe_change(label, current, previous, unit, target, polarity) == expected


def series():
    """3+ placements (35 of 300 now, 32 of 250 last month, 28 of 200 a year ago) and
    disruptions (3 now: a small count)."""
    ends = pd.to_datetime(["2016-01-31", "2016-12-31", "2017-01-31"])
    rows = []
    for end, (v, k, n) in zip(
        ends, [(14.0, 28, 200), (12.8, 32, 250), (11.7, 35, 300)], strict=True
    ):
        rows.append(
            {"indicator": "placements_3plus_pct", "period_end": end, "value": v,
             "numerator": k, "denominator": n}
        )  # fmt: skip
    for end, v in zip(ends, [6, 7, 3], strict=True):
        rows.append(
            {"indicator": "disruptions", "period_end": end, "value": v, "numerator": v,
             "denominator": float("nan")}
        )  # fmt: skip
    return pd.DataFrame(rows)


def test_headline_sentences_give_the_size_of_one_child_and_withhold_small_counts():
    settings = Settings(targets={"placements_3plus_pct": 10.0})
    rows = list(
        headline_figures(
            series(), ["placements_3plus_pct", "disruptions"], "2017-01", settings
        ).itertuples()
    )
    first, second = (words.headline_sentence(r, settings) for r in rows)
    # 35 of 300 children: one child is 100 / 300 = 0.3 points
    assert first == (
        "Looked-after children with 3 or more placements in the last 12 months fell from 12.8% "
        "to 11.7% since last month, still above the 10% target; with 300 children in the "
        "figure, one child moves it by 0.3 percentage points."
    )
    assert "withheld" in second and " 3 " not in second


def test_verdict_words():
    fit = Verdict(True, False, 0.6667, 2.0, ())
    assert words.verdict_headline(fit) == (
        "Fit to report: 0.7% of rows were set aside, within the 2% tolerance."
    )
    assert words.verdict_reasons(fit) == []
    assert words.quality_caveat(fit) == "Data quality: " + words.verdict_headline(fit)
    unfit = Verdict(False, True, 4.0, 2.0, (Problem("table_share", ("episodes",), 6.0, 5.0),))
    assert words.verdict_headline(unfit).startswith("Not fit to report")
    assert words.verdict_reasons(unfit) == ["6.0% of episodes rows were set aside (limit 5%)"]
    assert words.quality_caveat(unfit).endswith(
        "6.0% of episodes rows were set aside (limit 5%). See the data-quality report for this month."
    )
    assert words.problem_text(Problem("unbalanced", ("header", "oc2"))) == (
        "row accounting does not balance for header, oc2"
    )
    assert words.problem_text(Problem("share_rose", value=3.1, before=0.4)) == (
        "the share set aside rose from 0.4% to 3.1%"
    )
    with pytest.raises(ValueError):
        words.problem_text(Problem("nonsense"))


def test_quality_history_sentence():
    frame = pd.DataFrame({"month": ["2016-12", "2017-01"], "quarantined_pct": [0.0, 1.0]})
    assert words.quality_history(frame) == (
        "In 2017-01, 1.00% of rows were set aside, against 0.00% in 2016-12 (up 1.00 percentage "
        "points). Over the 2 months shown the share ranged from 0.00% to 1.00%."
    )
    assert "first cleaned month" in words.quality_history(frame.iloc[:1])


def month_summary(**changes):
    base = dict(month="2017-01", incidents=50, children=24, age_min=12, age_max=17, ended=48,
                open=2, untimed=0, mean_hours=4.0, max_hours=21.5, rhi_offered=40,
                rhi_took_place=18, rhi_within_72h=10)  # fmt: skip
    base.update(changes)
    return MonthSummary(**base)


def test_missing_month_in_the_seeds_councils_words():
    assert words.missing_month(month_summary(), ON) == (
        "In January 2017 there were 50 missing incidents involving 24 young people aged 12 to 17; "
        "the average time missing was 4 h 00 min and the longest 21 h 30 min; 18 return home "
        "interviews took place."
    )
    small = words.missing_month(
        month_summary(incidents=3, children=2, ended=3, rhi_took_place=2), ON
    )
    assert small == (
        "In January 2017 there were <5 missing incidents involving <5 young people; <5 return "
        "home interviews took place."
    )  # no ages and no durations beside small counts
    assert words.missing_month(month_summary(incidents=0), ON) == (
        "No child in care was reported missing in January 2017."
    )
    untimed = words.missing_month(month_summary(untimed=2, rhi_took_place=None), ON)
    assert (
        "4 h 00 min (some episodes recorded in whole days)" in untimed
        and "interviews" not in untimed
    )


def test_duration_caveat():
    assert words.duration_caveat(month_summary()) == (
        "Every episode this month was recorded with start and end times."
    )
    assert words.duration_caveat(month_summary(untimed=3)).startswith(
        "3 of 48 ended missing episodes were recorded with dates only"
    )


def test_against_recent_sentences():
    from scipy.stats import t as student

    # 13 months of 40 incidents, then 50: dispersion 1 (no more varied than Poisson), 12 df;
    # against last month and a year ago: (50 - 40) / sqrt(90) = 1.054, p = 0.313; against the
    # mean of 40: 10 / sqrt(40 (1 + 1/13)) = 1.524, p = 0.154; 3 comparisons share 0.05
    monthly = pd.DataFrame({"missing_incidents": [40] * 13 + [50]})
    result = against_recent(monthly)
    lines = words.against_recent(result, ON)
    assert lines[0] == (
        "Incidents against last month: rose from 40 to 50 (p = 0.313), within normal "
        "month-to-month variation."
    )
    assert lines[1].startswith("Incidents against the same month last year: rose from 40 to 50")
    half = student.ppf(1 - 0.05 / 6, 12) * math.sqrt(40 * (1 + 1 / 13))
    assert lines[2] == (
        "Incidents against the expected range: 50 this month, against an average of 40.0 over "
        f"the 13 months before; the expected range is {40 - half:.0f} to {40 + half:.0f}, and "
        "this month is inside it (p = 0.154)."
    )
    intro = words.comparisons_intro(result)
    assert intro.startswith(
        "This page makes 3 comparisons: incidents this month, each against last month, the same "
        "month last year and the range expected from the 13 months before."
    )
    assert "no more than chance alone" in intro
    assert "unusual only when p is below 0.017 (0.05 shared among 3)" in intro
    tiny = words.against_recent(against_recent(pd.DataFrame({"missing_incidents": [2, 3]})), ON)
    assert tiny[0] == "Incidents against last month: the numbers are too small to compare publicly."
    assert tiny[1] == "Incidents against the expected range: too few to compare publicly."


def test_against_recent_says_when_p_is_small_but_the_page_has_many_comparisons():
    # 40 a month, then 58: (58 - 40) / sqrt(98) = 1.818 -> p = 0.094 against last month: not
    # small; 25 then 45 with a year of 25s: 20 / sqrt(70) = 2.39, p = 0.034 < 0.05 but above
    # 0.05 / 3: said, and not called unusual
    result = against_recent(pd.DataFrame({"missing_incidents": [25] * 13 + [45]}))
    line = words.against_recent(result, ON)[0]
    assert "(p = 0.034)" in line and "not called unusual" in line
    over = against_recent(pd.DataFrame({"missing_incidents": [10, 30] * 6 + [20, 34]}))
    # 10, 30, ... 20: mean 20, squares 1200 / 20 / 12 = 5
    assert "over those months incidents varied 5.0 times as much as purely random counts would" in (
        words.comparisons_intro(over)
    )
    assert words.comparisons_intro(against_recent(pd.DataFrame({"missing_incidents": [3]}))) == (
        "There are not enough months yet to compare this month with earlier ones."
    )


def test_missing_before_disruption_sentence():
    ends = pd.to_datetime(["2016-06-01"] * 10 + ["2015-01-01"])
    linked = pd.DataFrame(
        {"end": ends, "disrupted": [True] * 11, "any_missing_before": [True] * 6 + [False] * 5}
    )
    # 6 of the 10 in the year to R had a missing episode: 60%, Wilson 31% to 83%
    text = words.missing_before_disruption(linked, "2017-01-31", ON)
    assert text.startswith(
        "6 of 10 placements that broke down in the last 12 months (60%, 95% interval 31% to 83%)"
    )
    few = linked.assign(any_missing_before=[True] * 2 + [False] * 9)
    assert words.missing_before_disruption(few, "2017-01-31", ON).startswith("<5 of 10")
    assert words.missing_before_disruption(linked.iloc[10:], "2017-01-31", ON) == (
        "No placement broke down in the last 12 months."
    )


def test_glossary_fills_cut_offs_from_the_definitions():
    terms = dict(words.glossary(["sdq", "three_plus", "long_term_stability", "suppressed"], ON))
    assert "17 or more is a cause for concern" in terms["SDQ"]
    assert terms["3+ placements"].startswith("children in care now with 3 or more placements")
    assert (
        "under-16s in care for 2.5+ years, in the same placement for 2+ years"
        in terms["Long-term stability"]
    )
    assert "a count between 1 and 4" in terms["<5 and *"]
    assert "worked out from the others" in terms["<5 and *"]
    ten = dict(words.glossary(["suppressed"], Settings(suppression_threshold=10)))
    assert "a count between 1 and 9" in ten["<10 and *"]


def test_p_values_and_shares():
    assert words.p_value(0.0004) == "p < 0.001" and words.p_value(0.0243) == "p = 0.024"
    # never rounded onto or across the threshold it is read against
    assert words.p_value(0.0496) == "p = 0.0496" and words.p_value(0.04996) == "p = 0.04996"
    assert words.p_value(0.0504) == "p = 0.0504" and words.p_value(0.049) == "p = 0.049"
    assert words.p_value(0.0084, against=0.05 / 6) == "p = 0.0084"
    assert words.p_value(0.0081, against=0.05 / 6) == "p = 0.008"
    assert words.p_value(math.nan) == "p not available"
    assert words.share(0.2689) == "27%" and words.share(math.nan) == "n/a"


def test_key_messages_say_better_or_worse_by_polarity_with_target_and_benchmarks():
    from types import SimpleNamespace

    settings = Settings(
        benchmarks={"national": {"p3": 10.0}},
        benchmark_labels={"national": "England, year to March 2025"},
    )
    row = SimpleNamespace(
        indicator="p3", label="3+ placements", unit="percent", higher_is_better=False,
        value=12.0, numerator=12, denominator=100, previous=10.0, previous_numerator=10,
        year_ago=12.5, year_ago_numerator=12, target=10.0, rag="red", ci_low=11.0, ci_high=12.9,
    )  # fmt: skip
    # 10.0% is outside this month's interval (11.0-12.9%): worse, as lower is better; 12.5% is
    # inside it: about the same
    assert words.key_messages([row], settings) == [
        "3+ placements: 12.0% (worse than last month, 10.0%; about the same as a year ago, "
        "12.5%). Misses the target of 10.0%. For comparison: England, year to March 2025 10.0%."
    ]
    good = SimpleNamespace(
        **{**vars(row), "value": 8.0, "numerator": 8, "rag": "green", "ci_low": 4.1, "ci_high": 9.9}
    )
    hidden = SimpleNamespace(**{**vars(row), "numerator": 3, "rag": "red"})
    out = words.key_messages([good, hidden], settings)
    assert len(out) == 1 and "better than last month" in out[0] and "Meets the target" in out[0]


def test_incidents_of_children_not_in_care_that_day_are_explained_and_suppressed():
    assert words.not_looked_after(month_summary(), ON) == ""
    one = words.not_looked_after(month_summary(not_looked_after=1), ON)
    assert one.startswith("<5 of this month's incidents was recorded for a child")
    six = words.not_looked_after(month_summary(not_looked_after=6), ON)
    assert six.startswith("6 of this month's incidents were recorded") and "counted" in six


def test_restricted_list_sentence_gives_a_suppressed_count_and_no_names():
    import pandas as pd

    who, team = "children whose review is overdue", "the reviewing officers"
    assert words.restricted_list(pd.DataFrame({"CHILD": []}), who, team, ON) == (
        "There are no children whose review is overdue at the end of the month."
    )
    three = words.restricted_list(pd.DataFrame({"CHILD": ["A1", "B2", "C3"]}), who, team, ON)
    assert three.startswith("<5 children whose review is overdue at the end of the month.")
    assert "A1" not in three and "restricted folder" in three
