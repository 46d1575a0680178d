"""Missing-from-care indicators (pipeline.indicators.missing), worked by hand on the hand-built LA
of `tests.builders.missing_la` (its docstring describes every child and episode; R =
31/01/2017, the year to R 01/02/2016..31/01/2017)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline import indicators
from pipeline.indicators import TIDY_COLUMNS
from pipeline.model.dates import as_reference_dates
from tests.builders import cleaned, episode, missing_la, missing_row, model_of, values_at

R = pd.Timestamp("2017-01-31")
MISSING = (indicators.missing,)


def run(tables, refs):
    return indicators.all_indicators(model_of(tables), refs, themes=MISSING)


def values(tidy, period_end=R) -> dict[str, float]:
    return {name: v[0] for name, v in values_at(tidy, period_end).items()}


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return missing_la()


# ---------------------------------------------------------------------------------------------
# January 2017 by hand


def test_january_indicators_by_hand(tables):
    out = run(tables, [R])
    assert list(out.columns) == TIDY_COLUMNS
    assert sorted(out["indicator"]) == sorted(indicators.missing.IDS)
    v, rows = values(out), values_at(out, R)
    # M starting in January (short break set aside): child 1 x3 (05/01 twice, 31/01), child 3 x2
    assert v["missing_incidents"] == 5
    assert v["missing_children"] == 2  # two episodes of child 1 on 05/01 are one child
    assert v["away_incidents"] == 1 and v["away_children"] == 1  # the A on 10/01
    # ended: 1 + 3 + 4.5 + 48 = 56.5 h over 4 episodes
    assert rows["missing_mean_hours"] == (14.125, 56.5, 4)
    assert v["missing_max_hours"] == 48.0
    # open at R: 31/01 22:00 (ends 01/02) and 20/01 (never ends)
    assert v["missing_open"] == 2
    # RHI offered: Y, Y, N (31/01), Y (12/01) of 4 ended = 75%; within 72 h: 72 h and 2 days = 50%
    assert v["rhi_offered_pct"] == 75.0
    assert rows["rhi_within_72h_pct"][1:] == (2, 4)
    # year to R = 01/02/2016..31/01/2017: looked after 1, 2, 3, 5 (not 4: short breaks; not 6);
    # with an M start in the year: 1 and 3 -> 2/4 = 50%
    assert rows["missing_children_12m_pct"] == (50.0, 2, 4)
    # 3+ in the year: child 1 (3), child 3 (01/02/2016, 12/01, 20/01; 31/01/2016 is outside)
    assert v["missing_repeat_children_12m"] == 2


def test_episode_crossing_month_end_counted_in_start_month(tables):
    out = run(tables, ["2017-01", "2017-02"])
    jan, feb = values(out, "2017-01-31"), values(out, "2017-02-28")
    assert jan["missing_incidents"] == 5 and feb["missing_incidents"] == 0
    assert (
        math.isnan(feb["missing_mean_hours"])
        and values_at(out, "2017-02-28")["missing_mean_hours"][2] == 0
    )
    # at 28/02 only the never-ended 20/01 episode is still open
    assert feb["missing_open"] == 1


def test_child_turning_18_while_missing_counts_in_march(tables):
    # child 2: M 14/03/2017 20:00 - 16/03/2017 10:00, started aged 17 while looked after: 38 h
    v = values(run(tables, ["2017-03"]), "2017-03-31")
    assert v["missing_incidents"] == 1 and v["missing_children"] == 1
    assert v["missing_mean_hours"] == 38.0


def test_open_at_r_boundaries():
    # ends exactly at midnight starting R+1 (dates-only 01/02): open at R; ends on R: not open
    header = cleaned("header", [{"CHILD": "9", "SEX": "1", "DOB": "01/01/2003"}])
    episodes = cleaned("episodes", [episode("9", "01/01/2016")])
    missing = cleaned(
        "missing",
        [
            missing_row("9", "M", "30/01/2017", "01/02/2017"),
            missing_row("9", "M", "30/01/2017 08:00", "31/01/2017"),
        ],
    )
    out = run({"header": header, "episodes": episodes, "missing": missing}, [R])
    assert values(out)["missing_open"] == 1


def test_reference_dates_must_be_month_ends(tables):
    with pytest.raises(ValueError, match="last day of a month"):
        run(tables, ["2017-01-15"])
    same = run(tables, [pd.Period("2017-01", "M"), "2017-01-31", R])
    assert len(same) == len(indicators.missing.IDS)  # duplicates collapse to one R


def test_without_missing_table_or_rhi_columns(tables):
    out = run({k: tables[k] for k in ("header", "episodes")}, [R])
    v = values(out)
    assert v["missing_incidents"] == 0 and v["missing_open"] == 0
    assert math.isnan(v["missing_mean_hours"]) and math.isnan(v["rhi_offered_pct"])
    assert values_at(out, R)["missing_children_12m_pct"][2] == 4
    bare = dict(
        tables,
        missing=tables["missing"].drop(
            columns=["RHI_OFFERED", "RHI_ACCEPTED", "RHI_DATE", "RHI_DATE_TIMED"]
        ),
    )
    v = values(run(bare, [R]))
    assert v["missing_incidents"] == 5
    assert math.isnan(v["rhi_offered_pct"]) and math.isnan(v["rhi_within_72h_pct"])


def test_series_equals_single_months_by_hand(tables):
    refs = as_reference_dates(["2016-12", "2017-01", "2017-02"])
    series = run(tables, refs)
    # incidents by start month: none in December, 5 in January, none in February
    assert [values(series, r)["missing_incidents"] for r in refs] == [0, 5, 0]
    for r in refs:
        assert values(series, r) == pytest.approx(values(run(tables, [r]), r), nan_ok=True)


# ---------------------------------------------------------------------------------------------
# the small synthetic LA


@pytest.fixture(scope="module")
def synth_tables(small_synth):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    return clean_extract(load_extract(small_synth / "truth" / "2017-01"), month="2017-01").tables


def test_calibration_small_synth(synth_tables):
    v = values(run(synth_tables, [R]))
    # a quarter-size LA (~120 looked after): ~50 / 4 incidents a month, noisy
    assert 2 <= v["missing_incidents"] <= 40
    assert 1 <= v["missing_children"] <= v["missing_incidents"]
    assert 1 <= v["missing_mean_hours"] <= 12 and v["missing_max_hours"] <= 24 * 7
    assert v["away_incidents"] < v["missing_incidents"] * 1.5
    assert 2 <= v["missing_children_12m_pct"] <= 35
    assert 0 <= v["rhi_offered_pct"] <= 100  # one month of a small LA: a handful of episodes


def test_series_equals_per_month_computation(synth_tables):
    # (monthly_series, built on these figures, is checked against them in
    # tests/analyses/test_missing_trends.py)
    model = model_of(synth_tables)
    months = pd.period_range("2016-02", "2017-01", freq="M")
    refs = as_reference_dates(months)
    tidy = indicators.all_indicators(model, months, themes=MISSING)
    assert sum(values(tidy, r)["missing_incidents"] for r in refs) > 0
    for month, ref in zip(months, refs, strict=True):
        single = values(indicators.all_indicators(model, [str(month)], themes=MISSING), ref)
        assert single == pytest.approx(values(tidy, ref), nan_ok=True), month
    # a naive, loop-per-month reading of SPEC 5 agrees with the vectorised pass
    ep, missing = synth_tables["episodes"], synth_tables["missing"]
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    for ref in refs[[0, 4, 8, 11]]:
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
        in_month = m[day[m.index].dt.to_period("M") == ref.to_period("M")]
        v, rows = values(tidy, ref), values_at(tidy, ref)
        assert rows["missing_children_12m_pct"][2] == len(cla)
        assert rows["missing_children_12m_pct"][1] == len(cla & set(per_child.index))
        assert v["missing_repeat_children_12m"] == (per_child >= 3).sum()
        assert v["missing_open"] == len(opened)
        assert v["missing_incidents"] == len(in_month)


# ---------------------------------------------------------------------------------------------
# the default synthetic LA against the seeds' council (January 2017)


@pytest.mark.slow
def test_default_la_january_2017_near_seeds_council(tmp_path):
    from pipeline import synth
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    synth.generate(tmp_path, seed=903, months=1)
    tables = clean_extract(load_extract(tmp_path / "raw" / "2017-01"), month="2017-01").tables
    v = values(run(tables, [R]))
    print(
        f"default LA Jan 2017: incidents {v['missing_incidents']:.0f}, children "
        f"{v['missing_children']:.0f}, mean {v['missing_mean_hours']:.2f} h, longest "
        f"{v['missing_max_hours']:.2f} h, away {v['away_incidents']:.0f}, "
        f"RHI offered {v['rhi_offered_pct']:.1f}%, within 72h {v['rhi_within_72h_pct']:.1f}%, "
        f"12m {v['missing_children_12m_pct']:.1f}%, repeat {v['missing_repeat_children_12m']:.0f}"
    )
    # the seeds' council: 50 incidents, 24 young people, mean 4 hours, longest 21.5 hours
    assert 25 <= v["missing_incidents"] <= 100
    assert 12 <= v["missing_children"] <= 55
    assert 2.5 <= v["missing_mean_hours"] <= 6.5
    assert 8 <= v["missing_max_hours"] <= 72


def test_an_end_cleaning_had_to_blank_is_unknown_not_open():
    # child 9, in care all January: three M episodes in January 2017. One ends 2 hours later;
    # one "ends" before it starts (MIS-END-BEFORE-START blanks the end); one ends on an
    # unreadable date (DATE-INVALID blanks it); and one has no end at all (open).
    # incidents 4; open at R 1 (only the truly open one); ended 1, its 2 hours the mean
    tables = {
        "header": cleaned("header", [{"CHILD": "9", "SEX": "M", "DOB": "01/01/2003"}]),
        "episodes": cleaned("episodes", [episode("9", "01/06/2016", place="K2")]),
        "missing": cleaned(
            "missing",
            [
                missing_row("9", "M", "03/01/2017 10:00", "03/01/2017 12:00"),
                missing_row("9", "M", "10/01/2017 10:00", "09/01/2017 12:00"),
                missing_row("9", "M", "15/01/2017 10:00", "31/02/2017 12:00"),
                missing_row("9", "M", "20/01/2017 10:00"),
            ],
        ),
    }
    assert tables["missing"]["MIS_END_BLANKED"].tolist() == [False, True, True, False]
    v = values(run(tables, [R]))
    assert v["missing_incidents"] == 4 and v["missing_open"] == 1
    assert v["missing_mean_hours"] == 2 and v["missing_max_hours"] == 2
    episodes = model_of(tables).missing
    assert episodes["end_unknown"].tolist() == [False, True, True, False]
    assert episodes["open"].tolist() == [False, False, False, True]
