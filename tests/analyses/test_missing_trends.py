"""Missing-from-care trends (pipeline.analyses.missing_trends), worked by hand on the missing LA
(`tests.builders.missing_la`, whose docstring describes every child and episode; R = 31/01/2017)
and checked against the indicators on the small synthetic LA."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline import indicators
from pipeline.analyses import missing_trends as mt
from pipeline.model.vocab import PLACE_GROUP_LABELS
from pipeline.report import words
from tests.builders import missing_la, model_of, values_at

R = pd.Timestamp("2017-01-31")


@pytest.fixture(scope="module")
def model():
    return model_of(missing_la())


# ---------------------------------------------------------------------------------------------
# the monthly series


def test_series_by_hand(model):
    s = mt.monthly_series(model, "2017-02", 3)
    assert list(s["month"].astype(str)) == ["2016-12", "2017-01", "2017-02"]
    assert list(s["period_end"]) == [pd.Timestamp(d) for d in ("2016-12-31", R, "2017-02-28")]
    assert list(s["missing_incidents"]) == [0, 5, 0]
    assert list(s["missing_children"]) == [0, 2, 0]
    assert list(s["away_incidents"]) == [0, 1, 0]
    # open at the month end: none in December; at 31/01 the 31/01 22:00 episode (ends 01/02) and
    # the never-ended 20/01 one; at 28/02 only the 20/01 one
    assert list(s["missing_open"]) == [0, 2, 1]
    # January's ended episodes: 1 + 3 + 4.5 + 48 = 56.5 h over 4 = 14.125, longest 48
    assert s["missing_mean_hours"].iloc[1] == 14.125 and s["missing_max_hours"].iloc[1] == 48.0
    assert math.isnan(s["missing_mean_hours"].iloc[2])
    # rolling means over the month and the two before it (October and November are computed
    # too): Dec (0 + 0 + 0) / 3, Jan (0 + 0 + 5) / 3, Feb (0 + 5 + 0) / 3
    assert s["missing_incidents_3m"].iloc[0] == 0
    assert s["missing_incidents_3m"].iloc[1] == pytest.approx(5 / 3)
    assert s["missing_incidents_3m"].iloc[2] == pytest.approx(5 / 3)
    assert s["missing_children_3m"].iloc[2] == pytest.approx(2 / 3)
    assert s["away_incidents_3m"].iloc[2] == pytest.approx(1 / 3)
    # the dates-only 12/01-14/01 episode is January's one untimed ended episode
    assert list(s["untimed_episodes"]) == [0, 1, 0]


# ---------------------------------------------------------------------------------------------
# this month against recent months


def monthly(counts, children=None):
    """A monthly frame (as monthly_series gives it) of incident counts ending January 2017."""
    months = pd.period_range(end="2017-01", periods=len(counts), freq="M")
    frame = pd.DataFrame({"month": months, "missing_incidents": counts})
    if children is not None:
        frame["missing_children"] = children
    return frame


def test_against_recent_last_month_a_year_ago_and_limits():
    from scipy.stats import t as student

    # 14 months, Dec 2015 .. Jan 2017: a year ago (Jan 2016) 2, last month (Dec 2016) 6, now 16.
    # The 13 months before this one: mean 52 / 13 = 4; dispersion 8 / 4 / 12 = 0.17, floored
    # at 1 (Poisson); 12 degrees of freedom; 3 comparisons share 0.05: each must pass 0.05 / 3
    frame = monthly([4, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 16])
    out = mt.against_recent(frame)
    assert out.current == 16 and out.baseline_months == 13
    assert out.n_comparisons == 3 and out.threshold == pytest.approx(0.05 / 3)
    last, year, expected = out.comparisons
    assert (last.label, year.label, expected.label) == (
        "last month",
        "the same month last year",
        "the expected range",
    )
    assert all(c.measure == "missing_incidents" for c in out.comparisons)
    # last month: (16 - 6) / sqrt(22) = 2.132: p = 0.054, not unusual
    assert last.test.statistic == pytest.approx(10 / math.sqrt(22))
    assert last.test.p_value == pytest.approx(2 * student.sf(10 / math.sqrt(22), 12))
    assert not last.unusual
    # a year ago: 14 / sqrt(18) = 3.30: p = 0.006 < 0.0167: unusual
    assert year.test.p_value == pytest.approx(2 * student.sf(14 / math.sqrt(18), 12))
    assert year.unusual
    # the expected range: (16 - 4) / sqrt(4 (1 + 1/13)) = 5.78
    assert expected.test.statistic == pytest.approx(12 / math.sqrt(4 * (1 + 1 / 13)))
    assert expected.unusual and out.any_unusual
    half = student.ppf(1 - 0.05 / 6, 12) * math.sqrt(4 * (1 + 1 / 13))
    assert (out.centre, out.lcl, out.ucl) == pytest.approx((4.0, 0.0, 4 + half))
    assert not out.inside_limits
    limits = mt.incident_limits(frame)
    assert list(limits["signal"]) == [False] * 13 + [True]
    assert limits["ucl"].iloc[0] == pytest.approx(4 + half)


def test_against_recent_overdispersion_and_children():
    # a series varying twice as much as Poisson: the dispersion widens every comparison;
    # children are compared too: 6 comparisons on the page
    incidents = [10, 30] * 6 + [20, 34]
    children = [8, 10] * 6 + [9, 9]
    out = mt.against_recent(monthly(incidents, children))
    assert out.n_comparisons == 6 and out.threshold == pytest.approx(0.05 / 6)
    assert [c.measure for c in out.comparisons] == ["missing_incidents"] * 3 + [
        "missing_children"
    ] * 3
    inc = out.limits_of("missing_incidents")
    # baseline 10, 30, ... 20 (13 months): mean 20; squares 6 * 100 + 6 * 100 + 0 = 1200;
    # 1200 / 20 / 12 = 5
    assert inc.dispersion == pytest.approx(5.0) and inc.centre == pytest.approx(20.0)
    assert out.limits_of("missing_children").dispersion == 1.0  # less variable than Poisson
    last = out.comparisons[0].test
    assert last.statistic == pytest.approx((34 - 20) / math.sqrt(5 * 54))
    assert not out.any_unusual


def test_against_recent_without_a_year_of_history():
    # 3 months: no month a year ago; the two before give mean 4, dispersion 1 (too few to
    # estimate), 1 degree of freedom: 2 comparisons
    out = mt.against_recent(monthly([3, 5, 9]))
    assert [c.label for c in out.comparisons] == ["last month", "the expected range"]
    assert out.comparisons[0].test.statistic == pytest.approx(4 / math.sqrt(14))
    assert (out.baseline_months, out.centre, out.n_comparisons) == (2, 4.0, 2)
    assert out.inside_limits
    one = mt.against_recent(monthly([7]))
    assert one.n_comparisons == 0 and one.limits == ()


# ---------------------------------------------------------------------------------------------
# the month in the seeds' council's terms


def test_month_summary_january_by_hand(model):
    s = mt.month_summary(model.missing, "2017-01")
    # M starting in January (child 4's short break set aside): child 1 x3 (05/01 09:00, 05/01
    # 20:00, 31/01 22:00), child 3 x2 (12/01 dates only, 20/01 never ended)
    assert (s.month, s.incidents, s.children) == ("2017-01", 5, 2)
    # child 3 is 12 (born 01/01/2005), child 1 is 14 (born 01/06/2002)
    assert (s.age_min, s.age_max) == (12, 14)
    # ended: 1 h, 3 h, 4.5 h (ends 01/02: ended, though after R) and 48 h; open: 20/01
    assert (s.ended, s.open, s.untimed) == (4, 1, 1)
    assert s.mean_hours == 14.125 and s.max_hours == 48.0
    assert not s.all_timed
    # of the 4 ended: offered Y, Y, N, Y -> 3; interviews held 08/01, 09/01 and 16/01 -> 3;
    # within 72 h: 08/01 10:00 (exactly 72 h) and 16/01 (2 days) -> 2 (09/01 09:00 is 82 h)
    assert (s.rhi_offered, s.rhi_took_place, s.rhi_within_72h) == (3, 3, 2)
    assert "1 of 4 ended missing episodes were recorded with dates only" in (
        words.duration_caveat(s)
    )


def test_month_summary_other_months(model):
    # February: nothing starts
    feb = mt.month_summary(model.missing, "2017-02")
    assert (feb.incidents, feb.children, feb.ended, feb.open) == (0, 0, 0, 0)
    assert feb.age_min is None and feb.age_max is None and math.isnan(feb.mean_hours)
    # March: child 2's 14/03 20:00 - 16/03 10:00, started aged 17 (18 on 15/03): 38 h, timed;
    # offered an interview that was never held
    mar = mt.month_summary(model.missing, pd.Period("2017-03", freq="M"))
    assert (mar.incidents, mar.children, mar.age_min, mar.age_max) == (1, 1, 17, 17)
    assert (mar.ended, mar.open, mar.untimed, mar.mean_hours, mar.max_hours) == (1, 0, 0, 38, 38)
    assert (mar.rhi_offered, mar.rhi_took_place, mar.rhi_within_72h) == (1, 0, 0)
    assert mar.all_timed
    assert words.duration_caveat(mar).startswith("Every episode this month was recorded")


def test_month_summary_without_return_interview_columns():
    tables = missing_la()
    tables["missing"] = tables["missing"].drop(
        columns=["RHI_OFFERED", "RHI_ACCEPTED", "RHI_DATE", "RHI_DATE_TIMED"]
    )
    s = mt.month_summary(model_of(tables).missing, "2017-01")
    assert (s.incidents, s.ended) == (5, 4)
    assert s.rhi_offered is None and s.rhi_took_place is None and s.rhi_within_72h is None


# ---------------------------------------------------------------------------------------------
# breakdowns and disruptions


def test_breakdown_by_age_sex_place(model):
    eps = model.missing
    age = mt.breakdown(eps, "age_band", "2017-01").set_index("age_band")
    assert age.loc["14-15", "incidents"] == 3 and age.loc["12-13", "incidents"] == 2
    assert age.loc["16-17", "incidents"] == 0  # every band listed
    sex = mt.breakdown(eps, "sex", "2017-01").set_index("sex")
    assert (sex.loc["Male", "incidents"], sex.loc["Male", "children"]) == (5, 2)
    place = mt.breakdown(eps, "place_group", "2017-01").set_index("place_group")
    assert place.loc["Secure and children's homes", "incidents"] == 3
    # 12/01 starts during child 3's T4 move: it counts as the U4 placement it interrupts
    assert place.loc["Foster", "incidents"] == 2
    assert "Temporary" not in place.index
    assert list(place.index) == [*PLACE_GROUP_LABELS.values(), "Not looked after"]
    assert place["incidents_pct"].sum() == pytest.approx(100)
    assert place.loc["Foster", "incidents_pct"] == pytest.approx(40.0)
    away = mt.breakdown(eps, "sex", "2017-01", kind="A").set_index("sex")
    assert away.loc["Male", "incidents"] == 1
    # both kinds, whole history: the short break's episode (child 4) is still set aside
    both = mt.breakdown(eps, "sex", kind=None).set_index("sex")
    # Male: child 1's 3 M and 1 A, child 3's 4 M = 8; Female: child 2's M (child 4's is set aside)
    assert (both.loc["Male", "incidents"], both.loc["Female", "incidents"]) == (8, 1)


def test_disruptions_with_missing_before(model):
    placements = pd.DataFrame(
        {
            "CHILD": ["1", "1", "3", "3"],
            "end": pd.to_datetime(["2017-02-04", "2017-02-05", "2017-01-12", None]),
            "end_category": ["disruption", "disruption", "planned", None],
        }
    )
    out = mt.disruptions_with_missing_before(placements, model.missing, days=30)
    # ends 04/02: window 05/01..04/02 holds the two 05/01 episodes and 31/01 (M) and 10/01 (A)
    # ends 05/02: window 06/01..05/02 holds only 31/01; child 3 ends 12/01: the 12/01 start counts
    assert list(out["missing_before"]) == [3, 1, 1, 0]
    assert list(out["away_before"]) == [1, 1, 0, 0]
    assert list(out["disrupted"]) == [True, True, False, False]
    assert list(out["any_missing_before"]) == [True, True, True, False]


# ---------------------------------------------------------------------------------------------
# synthetic data: the series against the indicators month by month


@pytest.fixture(scope="module")
def synth_model(small_synth):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    raw = load_extract(small_synth / "truth" / "2017-01")
    return model_of(clean_extract(raw, month="2017-01").tables)


def test_series_equals_per_month_computation(synth_model):
    months = pd.period_range("2016-02", "2017-01", freq="M")
    series = mt.monthly_series(synth_model, "2017-01", 12)
    assert list(series["month"]) == list(months)
    assert series["missing_incidents"].sum() > 0  # the synthetic LA has missing episodes
    themes = (indicators.missing,)
    for month, ref in zip(months, series["period_end"], strict=True):
        single = values_at(indicators.all_indicators(synth_model, [str(month)], themes), ref)
        row = series[series["period_end"] == ref].iloc[0]
        for col in mt.SERIES_COLUMNS:
            assert row[col] == pytest.approx(single[col][0], nan_ok=True), (month, col)
    # the rolling means: every row has one, the first two from the months before the series
    before = indicators.all_indicators(synth_model, ["2015-12", "2016-01"], themes)
    earlier = before.loc[before["indicator"] == "missing_incidents", "value"].to_numpy()
    incidents = np.r_[earlier, series["missing_incidents"].to_numpy()]
    expected = pd.Series(incidents).rolling(3).mean().iloc[2:].to_numpy()
    assert np.allclose(series["missing_incidents_3m"].to_numpy(), expected)


def test_month_summary_counts_incidents_of_children_not_in_care_that_day():
    """Child 1 in care from 1 January 2017; child 2 has no care episode at all. One missing
    incident each on 10 January: both counted, one of them not looked after that day."""
    import pandas as pd

    from pipeline.analyses import missing_trends
    from tests.builders import cleaned, missing_row, model_of, spell, tables_of

    t = tables_of(spell(1, [("01/01/2017", "S", "U4")]))
    t["missing"] = cleaned(
        "missing",
        [
            missing_row("1", "M", "10/01/2017 10:00", "10/01/2017 12:00"),
            missing_row("2", "M", "10/01/2017 10:00", "10/01/2017 12:00"),
        ],
    )
    s = missing_trends.month_summary(model_of(t).missing, pd.Period("2017-01", freq="M"))
    assert (s.incidents, s.not_looked_after) == (2, 1)
