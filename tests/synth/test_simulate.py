"""The simulation (pipeline.synth.simulate): truth invariants, the 903 validation rules it
follows, the 2024 code changes, the settling hazard and the calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import codes, synth
from pipeline.synth.simulate import _settling_wait
from tests.builders import SYNTH_MONTHS, generate_small, truth_episodes, truth_table, with_dob


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_episode_invariants(small, month):
    root, _ = small
    ep = truth_episodes(root, month)
    assert not ep.duplicated(["CHILD", "DECOM"]).any()
    assert not (ep["DEC"] <= ep["DECOM"]).any()  # no DEC before DECOM, no same-day episode
    same_child = ep["CHILD"].eq(ep["CHILD"].shift(-1))
    nxt = ep["DECOM"].shift(-1)
    x1 = ep["REC"].eq("X1")
    # X1 => the next episode of the same child starts on DEC
    assert (same_child[x1] & (nxt[x1] == ep.loc[x1, "DEC"])).all()
    # a child's next episode after a non-X1 ending starts a new period (RNE S)
    ended = same_child & ~x1
    assert (ep["RNE"].shift(-1)[ended] == "S").all()
    # only the last episode of a child may be open
    assert not (ep["DEC"].isna() & same_child).any()
    # periods never start or end on a temporary placement
    temp = ep["PLACE"].str.startswith("T")
    assert not (temp & ep["RNE"].eq("S")).any()
    assert not (temp & ep["REC"].ne("X1") & ep["REC"].ne("")).any()
    # after a temporary placement the child returns to the same PLACE and PL_POST (RNE P)
    prev, before = ep.shift(1), ep.shift(2)
    back = ~temp & prev["PLACE"].str.startswith("T").fillna(False) & ep["CHILD"].eq(prev["CHILD"])
    back &= ~before["PLACE"].str.startswith("T").fillna(True)
    assert back.any()
    assert (ep.loc[back, "RNE"] == "P").all()
    assert (ep.loc[back, "PLACE"] == before.loc[back, "PLACE"]).all()
    assert (ep.loc[back, "PL_POST"] == before.loc[back, "PL_POST"]).all()
    # identifiers: numeric without leading zeros
    assert ep["CHILD"].str.fullmatch(r"[1-9]\d*").all()


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_codes_valid_for_year_and_sdq_score_xor_reason(small, month):
    root, _ = small
    ep = truth_episodes(root, month)
    years = codes.collection_years(ep["DECOM"])
    for col in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"):
        values = ep[col].replace("", None)
        assert codes.valid_for_year(col, values, years).all(), col
    sdq = truth_table(root, month, "sdq")
    has_score, has_reason = sdq["SDQ_SCORE"] != "", sdq["SDQ_REASON"] != ""
    assert (has_score ^ has_reason).all()
    scores = sdq.loc[has_score, "SDQ_SCORE"].astype(int)
    assert scores.between(0, 40).all()
    assert not sdq.duplicated(["CHILD", "SDQ_DATE"]).any()
    rv = truth_table(root, month, "reviews")
    assert rv["REVIEW_CODE"].isin(codes.codes("REVIEW_CODE")).all()
    mi = truth_table(root, month, "missing")
    assert mi["MISSING"].isin(["M", "A"]).all()
    start = pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M")
    end = pd.to_datetime(mi["MIS_END"].replace("", None), format="%d/%m/%Y %H:%M")
    assert not (end < start).any()


ADOPTIVE = ["A3", "A4", "A5", "A6"]


FOSTER = ["U1", "U2", "U3", "U4", "U5", "U6"]


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_episodes_follow_the_903_validation_rules(small, month):
    """The DfE validator's episode rules the truth used to break (tools/validate_903.py)."""
    root, _ = small
    ep = truth_episodes(root, month)
    same_child = ep["CHILD"].eq(ep["CHILD"].shift())
    # 378: no placement with parents under s20; 435: no 'move' from parents to parents
    assert not (ep["PLACE"].eq("P1") & ep["LS"].eq("V2")).any()
    moved = same_child & ep["RNE"].isin(["P", "B"])
    assert not (moved & ep["PLACE"].eq("P1") & ep["PLACE"].shift().eq("P1")).any()
    # 379: T4 at most 7 days; 361: police protection (L1, consecutive episodes together) 72 hours
    t4 = ep["PLACE"].eq("T4") & ep["DEC"].notna()
    assert ((ep.loc[t4, "DEC"] - ep.loc[t4, "DECOM"]).dt.days <= 7).all()
    l1 = ep["LS"].eq("L1")
    run = (l1 & ~(l1.shift(fill_value=False) & same_child)).cumsum()
    spans = ep[l1 & ep["DEC"].notna()].groupby(run[l1])[["DECOM", "DEC"]].agg(["min", "max"])
    assert ((spans[("DEC", "max")] - spans[("DECOM", "min")]).dt.days <= 3).all()
    # 390 / 516: adoption only from an adoptive placement, SGO to foster carers only from foster care
    assert ep.loc[ep["REC"].isin(["E11", "E12"]), "PLACE"].isin(ADOPTIVE).all()
    assert ep.loc[ep["REC"].isin(["E45", "E46"]), "PLACE"].isin(FOSTER).all()
    # 460: staying put (E17) on or after the 18th birthday
    stay = with_dob(root, month, ep[ep["REC"].eq("E17")])
    assert (stay["DEC"] >= stay["DOB"] + pd.DateOffset(years=18)).all()
    # 178/213: no provider for temporary placements; 214/398: short breaks carry no postcode or URN
    temp = ep["PLACE"].str.startswith("T")
    assert temp.any() and ep.loc[temp, "PLACE_PROVIDER"].eq("").all()
    assert ep.loc[~temp, "PLACE_PROVIDER"].ne("").all()
    short = ep["LS"].isin(["V3", "V4"])
    assert short.any()
    assert (ep.loc[short, ["HOME_POST", "PL_POST", "URN"]] == "").all().all()
    # 218/222/242: URN by placement type
    regular = ep[~short]
    urn, place = regular["URN"], regular["PLACE"]
    assert urn[place.isin(FOSTER + ADOPTIVE)].eq("XXXXXXX").all()
    assert urn[place.isin(["K1", "K2", "S1", "R3"])].str.fullmatch(r"SC\d{6}").all()
    assert urn[place.isin(["P1", "P2", "R1", "H5"]) | place.str.startswith("T")].eq("").all()


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_missing_incidents_never_overlap_and_end_within_the_placement(small, month):
    """574: one incident at a time; 575/577/580: the child is back before the episode ends."""
    root, _ = small
    mi = truth_table(root, month, "missing")
    mi = mi.assign(
        start=pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M"),
        end=pd.to_datetime(mi["MIS_END"].replace("", None), format="%d/%m/%Y %H:%M"),
    ).sort_values(["CHILD", "start"])
    latest_end = mi.groupby("CHILD")["end"].cummax().groupby(mi["CHILD"]).shift()
    assert not (mi["start"] < latest_end).any()
    ep = truth_episodes(root, month)
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    found = pd.merge_asof(
        mi.sort_values("start"),
        ep[["CHILD", "DECOM", "DEC"]].sort_values("DECOM"),
        left_on="start",
        right_on="DECOM",
        by="CHILD",
    )
    assert found["DECOM"].notna().all()
    assert (found["DEC"].isna() | (found["start"] < found["DEC"])).all()
    closed = found["DEC"].notna()
    assert (found.loc[closed, "end"] < found.loc[closed, "DEC"]).all()


def test_settling_wait_inverts_the_piecewise_hazard():
    # rate 1/365 per day with ratios (r0, r1, r2): unit exposure e=ratio0 is used up exactly at 365
    # days from a new placement; from placement age 730 the wait is e / (rate * r2).
    r0, r1, r2 = synth.PLACEMENT_AGE_HAZARD_RATIO
    rate = np.array([1 / 365, 1 / 365, 1 / 365])
    e = np.array([r0, r0 + r1, 1.0])
    age = np.array([0.0, 0.0, 730.0])
    wait = _settling_wait(e, rate, age)
    np.testing.assert_allclose(wait, [365.0, 730.0, 365.0 / r2])


@pytest.mark.slow
def test_calibration_at_la_scale_january_2017(tmp_path):
    summary = synth.generate(tmp_path, months=1, progress=False)
    looked_after = summary["months"]["2017-01"]["looked_after"]
    assert 400 <= looked_after <= 560
    mi = truth_table(tmp_path, "2017-01", "missing")
    start = pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M")
    jan = mi[(start >= "2017-01-01") & (mi["MISSING"] == "M")]
    assert 20 <= len(jan) <= 100


def test_codes_follow_the_2024_changes(tmp_path):
    """Across 1 April 2024 H5/P2 give way to K3: every PLACE is valid for its DECOM's year."""
    generate_small(
        tmp_path, history_start="2021-04", end="2025-06", months=1, scale=0.3, faults=False
    )
    ep = truth_episodes(tmp_path, "2025-06")
    years = codes.collection_years(ep["DECOM"])
    assert codes.valid_for_year("PLACE", ep["PLACE"], years).all()
    late = ep["DECOM"] >= "2024-04-01"
    assert not ep.loc[late, "PLACE"].isin(["H5", "P2"]).any()
    assert (~late & ep["PLACE"].eq("K3")).sum() == 0
    # P2 ends by 28 October 2023 and H5 is registered (has a URN) from then: placements open that
    # day, and H5 open on 1 April 2024, go on in a new episode (RNE T) with the new status
    registered = pd.Timestamp("2023-10-28")
    assert not (ep["PLACE"].eq("P2") & (ep["DEC"].isna() | (ep["DEC"] > registered))).any()
    h5 = ep["PLACE"].eq("H5")
    assert ep.loc[h5 & (ep["DECOM"] >= registered), "URN"].str.fullmatch(r"2\d{6}").all()
    assert ep.loc[h5 & (ep["DECOM"] < registered), "URN"].eq("").all()
    assert ep.loc[ep["PLACE"].eq("K3"), "URN"].str.fullmatch(r"2\d{6}").all()
    for day, new in ((registered, "H5"), (pd.Timestamp("2024-04-01"), "K3")):
        split = ep["DEC"].eq(day) & ep["REASON_PLACE_CHANGE"].eq("PLACE")
        assert split.any()
        nxt = ep.shift(-1)[split]
        assert (nxt["CHILD"] == ep.loc[split, "CHILD"]).all()
        assert (nxt["DECOM"] == day).all() and nxt["RNE"].eq("T").all()
        assert nxt["PLACE"].eq(new).all()
        assert (nxt["PL_POST"] == ep.loc[split, "PL_POST"]).all()


@pytest.mark.slow
def test_truth_tables_in_memory_equal_the_written_truth_and_the_effect_is_a_parameter(tmp_path):
    from pipeline.synth.calibration import SDQ_LOG_HAZARD_PER_POINT

    args = dict(seed=4, history_start="2013-04", end="2017-01", scale=0.2)
    synth.generate(tmp_path, months=1, faults=False, **args)
    memory = synth.truth_tables(**args)
    for table, frame in memory.items():
        written = pd.read_csv(
            tmp_path / "truth" / "2017-01" / f"{table}.csv", dtype=str, keep_default_na=False
        )
        assert written.equals(frame.astype(str).reset_index(drop=True)), table
    # the default is the calibration's effect; none (0) changes only what follows the hazard
    assert SDQ_LOG_HAZARD_PER_POINT == 0.09
    same = synth.truth_tables(sdq_effect=SDQ_LOG_HAZARD_PER_POINT, **args)
    assert same["episodes"].equals(memory["episodes"])
    none = synth.truth_tables(sdq_effect=0.0, **args)
    assert not none["episodes"].equals(memory["episodes"])
    assert none["header"]["CHILD"].equals(memory["header"]["CHILD"])  # the same children arrive
