"""Missing-from-care and away-from-placement episodes (pipeline.model.missing), worked by hand on
the hand-built LA of `tests.builders.missing_la` (its docstring describes every child; R =
31/01/2017)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.model.care import build_care
from pipeline.model.missing import EPISODE_COLUMNS, NOT_LOOKED_AFTER, counted, missing_episodes
from tests.builders import cleaned, episode, missing_la, missing_row, model_of


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return missing_la()


@pytest.fixture(scope="module")
def eps(tables) -> pd.DataFrame:
    return missing_episodes(tables, build_care(tables))


def _one(eps, child, start) -> pd.Series:
    rows = eps[(eps["CHILD"] == child) & (eps["start"] == pd.Timestamp(start))]
    assert len(rows) == 1
    return rows.iloc[0]


# ---------------------------------------------------------------------------------------------
# the hand-built LA


def test_episode_columns_and_types(eps, tables):
    assert list(eps.columns) == EPISODE_COLUMNS
    assert len(eps) == 10  # every cleaned row, short break included (flagged, not dropped)
    assert eps["start"].dtype == "datetime64[ns]"
    for col in ("rhi_offered", "rhi_accepted", "rhi_within_72h"):
        assert eps[col].dtype == "boolean", col
    assert isinstance(eps["place_group"].dtype, pd.CategoricalDtype)
    assert eps["start_month"].iloc[0] == pd.Period("2017-01", "M")
    # the model builds the same frame
    pd.testing.assert_frame_equal(model_of(tables).missing, eps)


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
    # what the report's duration caveat counts: of January's 4 ended M episodes (1 h, 3 h, 4.5 h,
    # 48 h; the short break's set aside) 1 has dates only; in March child 2's one episode is timed
    m = counted(eps)
    m = m[(m["MISSING"] == "M") & ~m["open"]]
    jan = m[m["start_month"] == pd.Period("2017-01", "M")]
    assert (len(jan), int((~jan["timed"]).sum())) == (4, 1)
    mar = m[m["start_month"] == pd.Period("2017-03", "M")]
    assert (len(mar), int((~mar["timed"]).sum())) == (1, 0)


def test_placement_age_and_sex_at_start(eps):
    e = _one(eps, "1", "2017-01-05 09:00")
    # in the K2 placement that began 01/12/2016; 14 years old (born 01/06/2002)
    assert (e["PLACE"], e["place_group"], e["DECOM"]) == (
        "K2",
        "Secure and children's homes",
        pd.Timestamp("2016-12-01"),
    )
    assert (e["age_at_start"], e["age_band"], e["sex"]) == (14, "14-15", "Male")
    assert (e["SEX"], e["LS"], e["PL_POST"], e["HOME_POST"]) == ("1", "C2", "M1 1AA", "S61 2BB")
    # during a temporary T4 move the placement group is the foster placement it interrupts: the
    # episode in force is the T4 one (PLACE T4, from 10/01/2017), its placement type U4
    t = _one(eps, "3", "2017-01-12")
    assert (t["PLACE"], t["place_group"], t["DECOM"]) == (
        "T4",
        "Foster",
        pd.Timestamp("2017-01-10"),
    )
    # "Temporary" is not a placement type
    assert "Temporary" not in eps["place_group"].cat.categories
    assert eps["place_group"].cat.categories[-1] == NOT_LOOKED_AFTER


def test_child_turning_18_while_missing(eps):
    # starts 14/03/2017 aged 17 (18 on 15/03, the day care ended with REC E8); ends 16/03
    e = _one(eps, "2", "2017-03-14 20:00")
    assert e["age_at_start"] == 17 and e["age_band"] == "16-17"
    assert e["looked_after"] and e["place_group"] == "Secure and children's homes"
    assert e["duration_hours"] == 38.0  # 20:00 on the 14th to 10:00 on the 16th
    assert e["sex"] == "Female"


def test_short_break_is_not_a_placement(eps):
    e = _one(eps, "4", "2017-01-04 10:00")
    assert e["short_break"] and not e["looked_after"]
    assert e["place_group"] == "Not looked after" and pd.isna(e["PLACE"])
    # set aside from every figure: counted() keeps the other 9
    assert len(counted(eps)) == 9 and "4" not in set(counted(eps)["CHILD"])


def test_return_interview_at_exactly_72_hours_counts_as_within(eps):
    assert _one(eps, "1", "2017-01-05 09:00")["rhi_hours"] == 72.0
    assert bool(_one(eps, "1", "2017-01-05 09:00")["rhi_within_72h"])
    assert _one(eps, "1", "2017-01-05 20:00")["rhi_hours"] == 82.0  # 23:00 on 5th -> 09:00 on 9th
    assert not bool(_one(eps, "1", "2017-01-05 20:00")["rhi_within_72h"])
    dates_only = _one(eps, "3", "2017-01-12")  # 14/01 -> 16/01: 2 days, within
    assert not dates_only["rhi_timed"] and bool(dates_only["rhi_within_72h"])
    assert dates_only["rhi_hours"] == 48.0
    # no interview: not within; still open: unknown
    assert not bool(_one(eps, "1", "2017-01-31 22:00")["rhi_within_72h"])
    assert pd.isna(_one(eps, "3", "2017-01-20 18:00")["rhi_within_72h"])


# ---------------------------------------------------------------------------------------------
# the placement type in force on the start day


def test_placement_type_is_the_one_in_force_on_the_start_day():
    header = cleaned("header", [{"CHILD": "7", "SEX": "2", "DOB": "01/01/2003"}])
    episodes = cleaned(
        "episodes",
        [
            # U4 from 01/04/2016; placed for adoption with the same carer (A3, RNE T) on
            # 01/09/2016 (one placement, whose own place is U4); then K2 (new carer) from
            # 01/12/2016 until leaving care on 20/01/2017
            episode("7", "01/04/2016", place="U4", dec="01/09/2016", rec="X1"),
            episode("7", "01/09/2016", rne="T", place="A3", dec="01/12/2016", rec="X1"),
            episode("7", "01/12/2016", rne="P", place="K2", dec="20/01/2017", rec="E4A"),
        ],
    )
    missing = cleaned(
        "missing",
        [
            missing_row("7", "M", "15/10/2016 10:00", "15/10/2016 12:00"),  # during A3
            missing_row("7", "M", "01/12/2016 18:00", "01/12/2016 20:00"),  # the K2 start day
            missing_row("7", "M", "20/01/2017 18:00", "20/01/2017 20:00"),  # the leaving day
            missing_row("7", "M", "21/01/2017 18:00", "21/01/2017 20:00"),  # the day after
        ],
    )
    tables = {"header": header, "episodes": episodes, "missing": missing}
    out = model_of(tables).missing
    # during A3 the type in force is adoption (not the placement's own U4, foster); on the day of
    # the move the new episode (the latest to start) is in force; the DEC day is still in care
    assert list(out["PLACE"].fillna("-")) == ["A3", "K2", "K2", "-"]
    assert list(out["place_group"]) == [
        "Placed for adoption",
        "Secure and children's homes",
        "Secure and children's homes",
        NOT_LOOKED_AFTER,
    ]
    assert list(out["looked_after"]) == [True, True, True, False]
    # after care ended the episode is still counted (a data problem, not a short break)
    assert not out["short_break"].any() and len(counted(out)) == 4


# ---------------------------------------------------------------------------------------------
# the small synthetic LA


@pytest.fixture(scope="module")
def synth_tables(small_synth):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    return clean_extract(load_extract(small_synth / "truth" / "2017-01"), month="2017-01").tables


def test_calibration_small_synth_episodes(synth_tables):
    eps = model_of(synth_tables).missing
    assert eps["looked_after"].mean() > 0.98  # episodes fall inside care episodes
    assert eps["timed"].mean() > 0.95  # the synthetic LA records times
    # pooled over the whole history, the generator offers interviews after ~90% of episodes
    ended = eps[(eps["MISSING"] == "M") & ~eps["open"]]
    assert 0.8 <= ended["rhi_offered"].astype("float64").mean() <= 0.97
    teen = eps[(eps["MISSING"] == "M") & ~eps["short_break"]]["age_at_start"] >= 10
    assert teen.mean() > 0.9  # going missing is a teenage phenomenon
