"""Missing-from-care episodes and indicators (pipeline.missing), worked by hand.

The hand-built LA (`tables` fixture), reporting month January 2017 (R = 31/01/2017):

child 1, boy born 01/06/2002 (14 in Jan 2017), home S61 2BB:
    U4 at S60 1AA from 01/04/2016, then K2 at M1 1AA from 01/12/2016 (open)
    M 05/01/2017 09:00-10:00  1 h    RHI offered, held 08/01 10:00 = exactly 72 h after return
    M 05/01/2017 20:00-23:00  3 h    RHI offered, held 09/01 09:00 = 82 h after return
    A 10/01/2017 15:00-17:00  away (whereabouts known)
    M 31/01/2017 22:00 - 01/02/2017 02:30   4.5 h, crosses the month end; RHI not offered
child 2, girl born 15/03/1999: K2 from 01/01/2016 to her 18th birthday 15/03/2017 (REC E8)
    M 14/03/2017 20:00 - 16/03/2017 10:00: starts aged 17, ends after she turned 18 (38 h)
child 3, boy born 01/01/2005 (12), home S61 2BB:
    U4 at S99 9ZZ from 01/01/2016, T4 10/01-14/01/2017, back to U4 from 14/01/2017 (open)
    M 31/01/2016 10:00-11:00  exactly R - 1 year: outside the year to R
    M 01/02/2016 10:00-11:00  the year's first day: inside
    M 12/01/2017 - 14/01/2017 dates only: 2 days * 24 = 48 h (untimed); RHI 16/01 (date) = 2 days
    M 20/01/2017 18:00, never ended: open at R
child 4, short breaks only (V3 03/01-05/01/2017): M 04/01/2017 10:00-12:00 -> set aside
child 5: U4 01/01/2015 - 01/02/2016 (left care on the year's first day: looked after in the year)
child 6: U4 01/01/2015 - 31/01/2016 (left the day before: not in the year to R)
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from pipeline import missing as mm
from pipeline.clean import clean_extract, clean_table
from pipeline.load import load_extract
from tests.helpers import episode, raw_table

R = pd.Timestamp("2017-01-31")


def _clean(table: str, rows: list[dict]) -> pd.DataFrame:
    return clean_table(table, raw_table(table, rows)).kept


def miss(child, kind, start, end=None, offered=None, rhi=None, dob="01/01/2000") -> dict:
    return {
        "CHILD": child,
        "DOB": dob,
        "MISSING": kind,
        "MIS_START": start,
        "MIS_END": end,
        "RHI_OFFERED": offered,
        "RHI_ACCEPTED": "Y" if rhi else ("N" if offered else None),
        "RHI_DATE": rhi,
    }


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    header = [
        {"CHILD": "1", "SEX": "1", "DOB": "01/06/2002"},
        {"CHILD": "2", "SEX": "2", "DOB": "15/03/1999"},
        {"CHILD": "3", "SEX": "1", "DOB": "01/01/2005"},
        {"CHILD": "4", "SEX": "2", "DOB": "01/01/2006"},
        {"CHILD": "5", "SEX": "1", "DOB": "01/01/2003"},
        {"CHILD": "6", "SEX": "2", "DOB": "01/01/2003"},
    ]
    home = {"HOME_POST": "S61 2BB"}
    episodes = [
        episode(
            "1",
            "01/04/2016",
            place="U4",
            pl_post="S60 1AA",
            dec="01/12/2016",
            rec="X1",
            reason="CREQB",
            **home,
        ),
        episode("1", "01/12/2016", rne="P", place="K2", pl_post="M1 1AA", **home),
        episode("2", "01/01/2016", place="K2", dec="15/03/2017", rec="E8"),
        episode(
            "3", "01/01/2016", place="U4", pl_post="S99 9ZZ", dec="10/01/2017", rec="X1", **home
        ),
        episode(
            "3",
            "10/01/2017",
            rne="P",
            place="T4",
            pl_post="S99 8ZZ",
            dec="14/01/2017",
            rec="X1",
            **home,
        ),
        episode("3", "14/01/2017", rne="P", place="U4", pl_post="S99 9ZZ", **home),
        episode("4", "03/01/2017", ls="V3", place="U4", dec="05/01/2017", rec="E4A"),
        episode("5", "01/01/2015", place="U4", dec="01/02/2016", rec="E4A"),
        episode("6", "01/01/2015", place="U4", dec="31/01/2016", rec="E4A"),
    ]
    missing = [
        miss("1", "M", "05/01/2017 09:00", "05/01/2017 10:00", "Y", "08/01/2017 10:00"),
        miss("1", "M", "05/01/2017 20:00", "05/01/2017 23:00", "Y", "09/01/2017 09:00"),
        miss("1", "A", "10/01/2017 15:00", "10/01/2017 17:00", "N"),
        miss("1", "M", "31/01/2017 22:00", "01/02/2017 02:30", "N"),
        miss("2", "M", "14/03/2017 20:00", "16/03/2017 10:00", "Y"),
        miss("3", "M", "31/01/2016 10:00", "31/01/2016 11:00", "Y"),
        miss("3", "M", "01/02/2016 10:00", "01/02/2016 11:00", "Y"),
        miss("3", "M", "12/01/2017", "14/01/2017", "Y", "16/01/2017"),
        miss("3", "M", "20/01/2017 18:00"),
        miss("4", "M", "04/01/2017 10:00", "04/01/2017 12:00", "Y"),
    ]
    return {
        "header": _clean("header", header),
        "episodes": _clean("episodes", episodes),
        "missing": _clean("missing", missing),
    }


@pytest.fixture(scope="module")
def eps(tables) -> pd.DataFrame:
    return mm.missing_episodes(tables)


def _values(frame: pd.DataFrame, period_end=R) -> dict[str, float]:
    rows = frame[frame["period_end"] == pd.Timestamp(period_end)]
    return dict(zip(rows["indicator"], rows["value"], strict=True))


def _row(frame: pd.DataFrame, indicator: str, period_end=R) -> pd.Series:
    rows = frame[
        (frame["indicator"] == indicator) & (frame["period_end"] == pd.Timestamp(period_end))
    ]
    assert len(rows) == 1
    return rows.iloc[0]


def _one(eps, child, start) -> pd.Series:
    rows = eps[(eps["CHILD"] == child) & (eps["start"] == pd.Timestamp(start))]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------
# episodes


def test_episode_columns_and_types(eps):
    assert list(eps.columns) == mm.EPISODE_COLUMNS
    assert len(eps) == 10  # every cleaned row, short break included (flagged, not dropped)
    assert eps["start"].dtype == "datetime64[ns]"
    for col in ("rhi_offered", "rhi_accepted", "rhi_within_72h", "out_of_area"):
        assert eps[col].dtype == "boolean", col


def test_durations_timestamps_versus_dates_only(eps):
    # both ends timed: exact hours; crossing midnight: 22:00 -> 02:30 = 4.5 h
    assert _one(eps, "1", "2017-01-05 09:00")["duration_hours"] == 1.0
    crossing = _one(eps, "1", "2017-01-31 22:00")
    assert crossing["timed"] and crossing["duration_hours"] == 4.5
    # dates only: 12/01 -> 14/01 is 2 whole days = 48 h, flagged untimed
    untimed = _one(eps, "3", "2017-01-12")
    assert not untimed["timed"] and untimed["duration_hours"] == 48.0
    # never ended: open, no duration
    open_ = _one(eps, "3", "2017-01-20 18:00")
    assert open_["open"] and math.isnan(open_["duration_hours"])
    assert "1 of 4 ended missing episodes" in mm.duration_caveat(eps, "2017-01")
    assert mm.duration_caveat(eps, "2017-03") == ""


def test_placement_age_sex_and_area_at_start(eps):
    e = _one(eps, "1", "2017-01-05 09:00")
    # in the K2 placement that began 01/12/2016; 14 years old (born 01/06/2002)
    assert (e["PLACE"], e["place_group"], e["DECOM"]) == (
        "K2",
        "Secure and children's homes",
        pd.Timestamp("2016-12-01"),
    )
    assert (e["age_at_start"], e["age_band"], e["sex"]) == (14, "14-15", "Male")
    assert bool(e["out_of_area"])  # home S61 (area S), placed at M1 (area M)
    # during a temporary T4 move the placement group is the foster placement it interrupts
    t = _one(eps, "3", "2017-01-12")
    assert (t["PLACE"], t["place_group"]) == ("T4", "Foster")
    assert not bool(t["out_of_area"])  # S61 home, S99 placement: same postcode area


def test_out_of_area_with_local_postcodes(tables):
    eps = mm.missing_episodes(tables, local_postcodes=["S60", "s61"])
    assert bool(_one(eps, "3", "2017-01-12")["out_of_area"])  # S99 is not an LA district
    assert bool(_one(eps, "1", "2017-01-05 09:00")["out_of_area"])  # M1 neither


def test_child_turning_18_while_missing(eps, tables):
    # starts 14/03/2017 aged 17 (18 on 15/03, the day care ended with REC E8); ends 16/03
    e = _one(eps, "2", "2017-03-14 20:00")
    assert e["age_at_start"] == 17 and e["age_band"] == "16-17"
    assert e["looked_after"] and e["place_group"] == "Secure and children's homes"
    assert e["duration_hours"] == 38.0  # 20:00 on the 14th to 10:00 on the 16th
    v = _values(mm.missing_indicators(tables, ["2017-03"]), "2017-03-31")
    assert v["missing_incidents"] == 1 and v["missing_children"] == 1
    assert v["missing_mean_hours"] == 38.0


def test_short_break_is_not_a_placement(eps):
    e = _one(eps, "4", "2017-01-04 10:00")
    assert e["short_break"] and not e["looked_after"]
    assert e["place_group"] == "Not looked after" and pd.isna(e["PLACE"])


def test_return_interview_at_exactly_72_hours_counts_as_within(eps):
    assert _one(eps, "1", "2017-01-05 09:00")["rhi_hours"] == 72.0
    assert bool(_one(eps, "1", "2017-01-05 09:00")["rhi_within_72h"])
    assert _one(eps, "1", "2017-01-05 20:00")["rhi_hours"] == 82.0  # 23:00 on 5th -> 09:00 on 9th
    assert not bool(_one(eps, "1", "2017-01-05 20:00")["rhi_within_72h"])
    dates_only = _one(eps, "3", "2017-01-12")  # 14/01 -> 16/01: 2 days, within
    assert not dates_only["rhi_timed"] and bool(dates_only["rhi_within_72h"])


# ---------------------------------------------------------------------------------------------
# indicators, January 2017 by hand


def test_january_indicators_by_hand(tables):
    out = mm.missing_indicators(tables, [R])
    assert list(out.columns) == ["indicator", "period_end", "value", "numerator", "denominator"]
    assert sorted(out["indicator"]) == sorted(mm.MISSING_INDICATORS)
    v = _values(out)
    # M starting in January (short break set aside): child 1 x3 (05/01 twice, 31/01), child 3 x2
    assert v["missing_incidents"] == 5
    assert v["missing_children"] == 2  # two episodes of child 1 on 05/01 are one child
    assert v["away_incidents"] == 1 and v["away_children"] == 1  # the A on 10/01
    # ended: 1 + 3 + 4.5 + 48 = 56.5 h over 4 episodes
    mean = _row(out, "missing_mean_hours")
    assert (mean["value"], mean["numerator"], mean["denominator"]) == (14.125, 56.5, 4)
    assert v["missing_max_hours"] == 48.0
    # open at R: 31/01 22:00 (ends 01/02) and 20/01 (never ends)
    assert v["missing_open"] == 2
    # RHI offered: Y, Y, N (31/01), Y (12/01) of 4 ended = 75%; within 72 h: 72 h and 2 days = 50%
    assert v["rhi_offered_pct"] == 75.0
    within = _row(out, "rhi_within_72h_pct")
    assert (within["numerator"], within["denominator"]) == (2, 4)
    # year to R = 01/02/2016..31/01/2017: looked after 1, 2, 3, 5 (not 4: short breaks; not 6);
    # with an M start in the year: 1 and 3 -> 2/4 = 50%
    pct = _row(out, "missing_children_12m_pct")
    assert (pct["value"], pct["numerator"], pct["denominator"]) == (50.0, 2, 4)
    # 3+ in the year: child 1 (3), child 3 (01/02/2016, 12/01, 20/01; 31/01/2016 is outside)
    assert v["missing_repeat_children_12m"] == 2


def test_episode_crossing_month_end_counted_in_start_month(tables):
    out = mm.missing_indicators(tables, ["2017-01", "2017-02"])
    jan, feb = _values(out, "2017-01-31"), _values(out, "2017-02-28")
    assert jan["missing_incidents"] == 5 and feb["missing_incidents"] == 0
    assert (
        math.isnan(feb["missing_mean_hours"])
        and _row(out, "missing_mean_hours", "2017-02-28")["denominator"] == 0
    )
    # at 28/02 only the never-ended 20/01 episode is still open
    assert feb["missing_open"] == 1


def test_open_at_r_boundaries():
    # ends exactly at midnight starting R+1 (dates-only 01/02): open at R; ends on R: not open
    header = _clean("header", [{"CHILD": "9", "SEX": "1", "DOB": "01/01/2003"}])
    episodes = _clean("episodes", [episode("9", "01/01/2016")])
    missing = _clean(
        "missing",
        [
            miss("9", "M", "30/01/2017", "01/02/2017"),
            miss("9", "M", "30/01/2017 08:00", "31/01/2017"),
        ],
    )
    out = mm.missing_indicators({"header": header, "episodes": episodes, "missing": missing}, [R])
    assert _values(out)["missing_open"] == 1


def test_reference_dates_must_be_month_ends(tables):
    with pytest.raises(ValueError, match="last day of a month"):
        mm.missing_indicators(tables, ["2017-01-15"])
    same = mm.missing_indicators(tables, [pd.Period("2017-01", "M"), "2017-01-31", R])
    assert len(same) == len(mm.MISSING_INDICATORS)  # duplicates collapse to one R


def test_without_missing_table_or_rhi_columns(tables):
    out = mm.missing_indicators({k: tables[k] for k in ("header", "episodes")}, [R])
    v = _values(out)
    assert v["missing_incidents"] == 0 and v["missing_open"] == 0
    assert math.isnan(v["missing_mean_hours"]) and math.isnan(v["rhi_offered_pct"])
    assert _row(out, "missing_children_12m_pct")["denominator"] == 4
    bare = dict(
        tables,
        missing=tables["missing"].drop(
            columns=["RHI_OFFERED", "RHI_ACCEPTED", "RHI_DATE", "RHI_DATE_TIMED"]
        ),
    )
    v = _values(mm.missing_indicators(bare, [R]))
    assert v["missing_incidents"] == 5
    assert math.isnan(v["rhi_offered_pct"]) and math.isnan(v["rhi_within_72h_pct"])


def test_series_matches_single_months_by_hand(tables):
    s = mm.monthly_series(tables, "2017-02", 3)
    assert list(s["month"].astype(str)) == ["2016-12", "2017-01", "2017-02"]
    assert list(s["missing_incidents"]) == [0, 5, 0]
    # rolling mean over Nov-Jan... (0 + 0 + 5) / 3 for Jan, (0 + 5 + 0) / 3 for Feb
    assert s["missing_incidents_3m"].iloc[1] == pytest.approx(5 / 3)
    assert s["missing_incidents_3m"].iloc[2] == pytest.approx(5 / 3)
    assert list(s["untimed_episodes"]) == [0, 1, 0]


# ---------------------------------------------------------------------------------------------
# breakdowns, repeats, disruptions


def test_breakdown_by_age_sex_place(eps):
    age = mm.breakdown(eps, "age_band", "2017-01").set_index("age_band")
    assert age.loc["14-15", "incidents"] == 3 and age.loc["12-13", "incidents"] == 2
    assert age.loc["16-17", "incidents"] == 0  # every band listed
    sex = mm.breakdown(eps, "sex", "2017-01").set_index("sex")
    assert (sex.loc["Male", "incidents"], sex.loc["Male", "children"]) == (5, 2)
    place = mm.breakdown(eps, "place_group", "2017-01").set_index("place_group")
    assert place.loc["Secure and children's homes", "incidents"] == 3
    assert place.loc["Foster", "incidents"] == 2  # 12/01 in a T4 move counts as foster
    assert place["incidents_pct"].sum() == pytest.approx(100)
    away = mm.breakdown(eps, "sex", "2017-01", kind="A").set_index("sex")
    assert away.loc["Male", "incidents"] == 1


def test_repeat_children_match_indicator(eps):
    rep = mm.repeat_children(eps, R)
    assert list(rep["CHILD"]) == ["1", "3"]
    assert list(rep["incidents"]) == [3, 3]
    assert rep.loc[rep["CHILD"] == "3", "first_start"].iloc[0] == pd.Timestamp("2016-02-01 10:00")


def test_disruptions_with_missing_before(eps):
    placements = pd.DataFrame(
        {
            "CHILD": ["1", "1", "3", "3"],
            "end": pd.to_datetime(["2017-02-04", "2017-02-05", "2017-01-12", None]),
            "end_category": ["disruption", "disruption", "planned", None],
        }
    )
    out = mm.disruptions_with_missing_before(placements, eps, days=30)
    # ends 04/02: window 05/01..04/02 holds the two 05/01 episodes and 31/01 (M) and 10/01 (A)
    # ends 05/02: window 06/01..05/02 holds only 31/01; child 3 ends 12/01: the 12/01 start counts
    assert list(out["missing_before"]) == [3, 1, 1, 0]
    assert list(out["away_before"]) == [1, 1, 0, 0]
    assert list(out["disrupted"]) == [True, True, False, False]
    assert list(out["any_missing_before"]) == [True, True, True, False]


# ---------------------------------------------------------------------------------------------
# comparisons


def test_compare_periods_poisson():
    # 0 against 5: P(X = 0 | n = 5, p = 1/2) = 1/32, two-sided 1/16 = 0.0625: not significant
    small = mm.compare_periods(0, 5)
    assert small["p_value"] == pytest.approx(0.0625) and not small["significant"]
    # 0 against 6: 2 / 64 = 0.03125 < 0.05: significant
    assert mm.compare_periods(0, 6)["significant"]
    # the seeds' council: 50 incidents from 91 is a real fall; 50 from 58 is ordinary variation
    big = mm.compare_periods(50, 91)
    assert big["significant"] and big["p_value"] < 0.001 and big["change"] == -41
    assert big["rate_ratio"] == pytest.approx(50 / 91)
    assert big["ci_low"] < big["rate_ratio"] < big["ci_high"] < 1
    ordinary = mm.compare_periods(50, 58)
    assert not ordinary["significant"] and "within normal" in ordinary["verdict"]
    # with exposures: 20 incidents among 200 children against 10 among 100 is the same rate
    assert mm.compare_periods(20, 10, current_exposure=200, previous_exposure=100)["p_value"] == (
        pytest.approx(1.0)
    )
    assert mm.compare_periods(0, 0)["p_value"] == 1.0


def test_control_limits_c_chart():
    # baseline mean 4: limits 4 +/- 3 * 2 = -2 (floored at 0) and 10; 16 is a signal
    cl = mm.control_limits(pd.Series([4, 4, 4, 4, 16]), baseline=4)
    assert (cl["centre"].iloc[0], cl["lcl"].iloc[0], cl["ucl"].iloc[0]) == (4, 0, 10)
    assert list(cl["signal"]) == [False, False, False, False, True]


# ---------------------------------------------------------------------------------------------
# synthetic data: plausibility and the vectorised series


@pytest.fixture(scope="module")
def synth_tables(small_synth):
    return clean_extract(load_extract(small_synth / "truth" / "2017-01"), month="2017-01").tables


def test_calibration_small_synth(synth_tables):
    eps = mm.missing_episodes(synth_tables)
    assert eps["looked_after"].mean() > 0.98  # episodes fall inside care episodes
    assert eps["timed"].mean() > 0.95  # the synthetic LA records times
    v = _values(mm.missing_indicators(synth_tables, [R]))
    # a quarter-size LA (~120 looked after): ~50 / 4 incidents a month, noisy
    assert 2 <= v["missing_incidents"] <= 40
    assert 1 <= v["missing_children"] <= v["missing_incidents"]
    assert 1 <= v["missing_mean_hours"] <= 12 and v["missing_max_hours"] <= 24 * 7
    assert v["away_incidents"] < v["missing_incidents"] * 1.5
    assert 2 <= v["missing_children_12m_pct"] <= 35
    assert 0 <= v["rhi_offered_pct"] <= 100  # one month of a small LA: a handful of episodes
    # pooled over the whole history, the generator offers interviews after ~90% of episodes
    ended = eps[(eps["MISSING"] == "M") & ~eps["open"]]
    assert 0.8 <= ended["rhi_offered"].astype("float64").mean() <= 0.97
    teen = eps[(eps["MISSING"] == "M") & ~eps["short_break"]]["age_at_start"] >= 10
    assert teen.mean() > 0.9  # going missing is a teenage phenomenon


def test_series_equals_per_month_computation(synth_tables):
    months = pd.period_range("2016-02", "2017-01", freq="M")
    series = mm.monthly_series(synth_tables, "2017-01", 12)
    tidy = mm.missing_indicators(synth_tables, months)
    for month, ref in zip(months, series["period_end"], strict=True):
        single = _values(mm.missing_indicators(synth_tables, [str(month)]), ref)
        assert single == pytest.approx(_values(tidy, ref), nan_ok=True)
        row = series[series["period_end"] == ref].iloc[0]
        for col in (
            "missing_incidents",
            "missing_children",
            "away_incidents",
            "missing_open",
            "missing_mean_hours",
        ):
            assert row[col] == pytest.approx(single[col], nan_ok=True), (month, col)
    # a naive, loop-per-month reading of SPEC 5 agrees with the vectorised pass
    ep, missing = synth_tables["episodes"], synth_tables["missing"]
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    for ref in series["period_end"].iloc[[0, 4, 8, 11]]:
        first_day = ref - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        cla = set(ep.loc[(ep["DECOM"] <= ref) & ~(ep["DEC"] < first_day), "CHILD"])
        day = missing["MIS_START"].dt.normalize()
        m = missing[(missing["MISSING"] == "M") & (day >= first_day) & (day <= ref)]
        per_child = m.groupby("CHILD").size()
        opened = missing[
            (missing["MISSING"] == "M")
            & (day <= ref)
            & (missing["MIS_END"].isna() | (missing["MIS_END"] >= ref + pd.Timedelta(days=1)))
        ]
        v = _values(tidy, ref)
        assert _row(tidy, "missing_children_12m_pct", ref)["denominator"] == len(cla)
        assert _row(tidy, "missing_children_12m_pct", ref)["numerator"] == len(
            cla & set(per_child.index)
        )
        assert v["missing_repeat_children_12m"] == (per_child >= 3).sum()
        assert v["missing_open"] == len(opened)
    expected = series["missing_incidents"].rolling(3).mean().iloc[2:].to_numpy()
    assert np.allclose(series["missing_incidents_3m"].iloc[2:].to_numpy(), expected)


# ---------------------------------------------------------------------------------------------
# the default synthetic LA against the seeds' council (January 2017)


@pytest.mark.slow
def test_default_la_january_2017_near_seeds_council(tmp_path):
    from pipeline import synth

    synth.generate(tmp_path, seed=903, months=1)
    tables = clean_extract(load_extract(tmp_path / "raw" / "2017-01"), month="2017-01").tables
    start = time.perf_counter()
    out = mm.missing_indicators(tables, [R])
    elapsed = time.perf_counter() - start
    v = _values(out)
    print(
        f"default LA Jan 2017: incidents {v['missing_incidents']:.0f}, children "
        f"{v['missing_children']:.0f}, mean {v['missing_mean_hours']:.2f} h, longest "
        f"{v['missing_max_hours']:.2f} h, away {v['away_incidents']:.0f}, "
        f"RHI offered {v['rhi_offered_pct']:.1f}%, within 72h {v['rhi_within_72h_pct']:.1f}%, "
        f"12m {v['missing_children_12m_pct']:.1f}%, repeat {v['missing_repeat_children_12m']:.0f}; "
        f"indicators in {elapsed:.2f} s"
    )
    # the seeds' council: 50 incidents, 24 young people, mean 4 hours, longest 21.5 hours
    assert 25 <= v["missing_incidents"] <= 100
    assert 12 <= v["missing_children"] <= 55
    assert 2.5 <= v["missing_mean_hours"] <= 6.5
    assert 8 <= v["missing_max_hours"] <= 72
    assert elapsed < 2.0


def test_missing_without_episodes_table(tables):
    # no episodes at all: incidents still counted (flagged not looked after), 12-month % undefined
    out = mm.missing_indicators({"header": tables["header"], "missing": tables["missing"]}, [R])
    v = _values(out)
    assert v["missing_incidents"] == 6  # child 4's short break can no longer be recognised
    assert _row(out, "missing_children_12m_pct")["denominator"] == 0
    assert math.isnan(v["missing_children_12m_pct"])
