"""Calibration of the scorecard's tables in the default synthetic LA at January 2017 (reviews,
health, care leavers, adoptions, UASC, postcodes), measured as the pipeline's model reads them,
and the DfE validator's rules for those tables that the truth must keep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import model
from pipeline.config import load_settings
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract
from pipeline.model import reviews

MONTH = "2017-01"
YEAR_START = pd.Timestamp("2016-02-01")
REF = pd.Timestamp("2017-01-31")


@pytest.fixture(scope="module")
def default(tmp_path_factory):
    """The default synthetic LA's January 2017 truth: (folder, cleaned tables, model)."""
    from pipeline import synth

    root = tmp_path_factory.mktemp("synth_default")
    synth.generate(root, months=1, end=MONTH)
    folder = root / "truth" / MONTH
    tables = clean_extract(load_extract(folder), month=MONTH).tables
    return folder, tables, model.build(tables, load_settings())


def _text(folder, table):
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def test_reviews_mostly_on_time_a_few_late(default):
    _, _, m = default
    rv = reviews.held_reviews(m.tables, m.care)
    year = rv[(rv["REVIEW"] >= YEAR_START) & (rv["REVIEW"] <= REF)]
    assert len(year) > 500
    on_time = year["on_time"].mean() * 100
    assert 90 <= on_time <= 99, on_time
    first_late = 1 - year.loc[year["seq"] == 0, "on_time"].mean()
    later_late = 1 - year.loc[year["seq"] > 0, "on_time"].mean()
    assert first_late > later_late > 0.01


def test_review_participation_near_the_seeds_85_pct(default):
    _, _, m = default
    rv = reviews.held_reviews(m.tables, m.care)
    year = rv[(rv["REVIEW"] >= YEAR_START) & (rv["REVIEW"] <= REF) & (rv["REVIEW_CODE"] != "PN0")]
    share = year["REVIEW_CODE"].isin(reviews.PARTICIPATED).mean() * 100
    assert 80 <= share <= 90, share
    codes = set(year["REVIEW_CODE"])
    assert {"PN1", "PN2", "PN5", "PN6", "PN7"} <= codes


def test_reviews_only_while_looked_after_and_pn0_only_under_4(default):
    folder, _, _ = default
    rv = _text(folder, "reviews")
    dob = pd.to_datetime(rv["DOB"], format="%d/%m/%Y")
    day = pd.to_datetime(rv["REVIEW"], format="%d/%m/%Y")
    under4 = day < dob + pd.DateOffset(years=4)
    assert ((rv["REVIEW_CODE"] == "PN0") == under4).all()
    _, _, m = default
    held = reviews.held_reviews(m.tables, m.care)
    assert len(held) == len(rv)  # every review falls in a period of care


def _in_care_12_months(m) -> pd.DataFrame:
    """Periods of care open at R that began 12 months or more before R."""
    p = m.care.periods
    open_ = p["period_end"].isna() | (p["period_end"] > REF)
    return p[open_ & (p["period_start"] <= REF - pd.DateOffset(years=1))]


def _health_share(m, kind: str) -> float:
    h = m.tables["health"]
    year = h[(h["HEALTH_TYPE"] == kind) & (h["HEALTH_DATE"] > REF - pd.DateOffset(years=1))]
    year = year[year["HEALTH_DATE"] <= REF]
    cohort = _in_care_12_months(m)
    assert len(cohort) > 200
    return cohort["CHILD"].isin(year["CHILD"]).mean() * 100


@pytest.mark.parametrize("kind, low, high", [("RHA", 84, 94), ("DENTAL", 58, 74), ("IMMS", 72, 88)])
def test_yearly_health_records_near_the_seeds_rates(default, kind, low, high):
    _, _, m = default
    share = _health_share(m, kind)
    assert low <= share <= high, share


def test_initial_health_assessments_mostly_within_20_working_days(default):
    from pipeline.model import workdays

    _, _, m = default
    p = m.care.periods
    start = p["period_start"]
    due = pd.Series(workdays.add_working_days(start.to_numpy(), 20), index=p.index)
    entrants = p[(start > REF - pd.DateOffset(years=1)) & (due <= REF)]
    entrants = entrants[
        entrants["period_end"].isna() | (entrants["period_end"] > due[entrants.index])
    ]
    assert len(entrants) > 100
    iha = m.tables["health"]
    iha = iha[iha["HEALTH_TYPE"] == "IHA"]
    pair = (
        entrants[["CHILD", "period_start"]]
        .assign(due=due[entrants.index])
        .merge(iha[["CHILD", "HEALTH_DATE"]], on="CHILD", how="left")
    )
    hit = (pair["HEALTH_DATE"] > pair["period_start"]) & (pair["HEALTH_DATE"] <= pair["due"])
    share = hit.groupby([pair["CHILD"], pair["period_start"]]).any().mean() * 100
    assert 65 <= share <= 85, share


def test_oc2_health_flags_agree_with_the_history(default):
    folder, _, _ = default
    oc2 = _text(folder, "oc2")
    health = _text(folder, "health")
    day = pd.to_datetime(health["HEALTH_DATE"], format="%d/%m/%Y")
    year = health[day > REF - pd.DateOffset(years=1)]  # the 12 months to the extract date
    for column, kinds in (
        ("HEALTH_ASSESSMENT", ["IHA", "RHA"]),
        ("TEETH_CHECK", ["DENTAL"]),
        ("IMMUNISATIONS", ["IMMS"]),
    ):
        had = oc2["CHILD"].isin(year.loc[year["HEALTH_TYPE"].isin(kinds), "CHILD"])
        assert (oc2[column].eq("1") == had).all(), column
    assert set(health["HEALTH_TYPE"]) == {"IHA", "RHA", "DENTAL", "IMMS"}


ACCOM_CODES = {f"{c}{n}" for c in "BCDEGHKRTUVWYZ" for n in "12"} | {"S2", "X2", "0"}
EET = {"F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"}


def test_care_leavers_near_the_seeds_figures(default):
    folder, _, _ = default
    oc3 = _text(folder, "oc3")
    assert 150 <= len(oc3) <= 350  # the seeds' council: 224 care leavers
    alive = oc3[oc3["IN_TOUCH"] != "DIED"]
    in_touch = alive["IN_TOUCH"].eq("YES").mean() * 100
    eet = alive["ACTIV"].isin(EET).mean() * 100
    suitable = alive["ACCOM"].str.endswith("1").mean() * 100
    assert 84 <= in_touch <= 95, in_touch
    assert 64 <= eet <= 78, eet  # the seeds' council: 71.3%
    assert 82 <= suitable <= 94, suitable


def test_care_leavers_follow_the_validator_rules(default):
    """131-133: the codes; not in touch: ACTIV and ACCOM 0; 1001: looked after 91+ days since the
    14th birthday, some at 16+; not adopted, dead or transferred (1000, 1001, 1011); a 17th-21st
    birthday in the collection year; left care by the extract's date."""
    folder, _, _ = default
    oc3 = _text(folder, "oc3")
    assert oc3["IN_TOUCH"].isin(["YES", "NO", "DIED", "REFU", "NREQ", "RHOM"]).all()
    assert oc3["ACTIV"].isin(EET | {"G4", "G5", "G6", "0"}).all()
    assert oc3["ACCOM"].isin(ACCOM_CODES).all()
    off = oc3["IN_TOUCH"].isin(["NO", "REFU", "DIED"])
    assert (oc3.loc[off, ["ACTIV", "ACCOM"]] == "0").all().all()
    assert not oc3["CHILD"].duplicated().any()
    ep = _text(folder, "episodes")
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    ep = ep.assign(
        DECOM=pd.to_datetime(ep["DECOM"], format="%d/%m/%Y"),
        DEC=pd.to_datetime(ep["DEC"], format="%d/%m/%Y"),
    ).sort_values(["CHILD", "DECOM"])
    ep = ep[ep["CHILD"].isin(oc3["CHILD"])]
    last = ep.groupby("CHILD").last()
    assert last["DEC"].notna().all() and (last["DEC"] <= REF).all()
    assert not last["REC"].isin(["E11", "E12", "E2", "E3", "X1"]).any()
    dob = pd.to_datetime(oc3.set_index("CHILD")["DOB"], format="%d/%m/%Y")
    b14 = (dob + pd.DateOffset(years=14)).reindex(ep["CHILD"]).to_numpy()
    b16 = (dob + pd.DateOffset(years=16)).reindex(ep["CHILD"]).to_numpy()
    d14 = (ep["DEC"] - np.maximum(ep["DECOM"].to_numpy(), b14)).dt.days.clip(lower=0)
    d16 = (ep["DEC"] - np.maximum(ep["DECOM"].to_numpy(), b16)).dt.days.clip(lower=0)
    assert (d14.groupby(ep["CHILD"]).sum() >= 91).all()
    assert (d16.groupby(ep["CHILD"]).sum() >= 1).all()
    years = [(dob + pd.DateOffset(years=k)) for k in range(17, 22)]
    in_year = np.any(
        [((y >= pd.Timestamp("2016-04-01")) & (y <= REF)).to_numpy() for y in years], axis=0
    )
    assert in_year.all()


def _adopted(m) -> pd.DataFrame:
    """Periods ended by adoption (E11/E12) in the 36 months to R, with the start of their last
    placement (the move in with the adopters, or the foster carers who adopt: A10)."""
    pl = m.care.placements
    last = pl.sort_values(["period_id", "start"]).drop_duplicates("period_id", keep="last")
    ep = m.tables["episodes"]
    ended = ep[ep["REC"].isin(["E11", "E12"])]
    ended = ended[(ended["DEC"] > REF - pd.DateOffset(years=3)) & (ended["DEC"] <= REF)]
    last = last[last["CHILD"].isin(ended["CHILD"]) & last["end"].isin(ended["DEC"])]
    return last


def test_adoption_timescales_near_national_levels(default):
    _, tables, m = default
    adopted = _adopted(m)
    assert len(adopted) >= 40
    a10 = (adopted["start"] - adopted["period_start"]).dt.days.mean()
    assert 400 <= a10 <= 560, a10
    ep = tables["episodes"]
    order = ep[ep["LS"] == "E1"].groupby("CHILD")["DECOM"].min()
    ad1 = tables["ad1"].set_index("CHILD").reindex(adopted["CHILD"])
    assert ad1["DATE_MATCH"].notna().all()
    a2 = (ad1["DATE_MATCH"] - order.reindex(adopted["CHILD"])).dt.days.clip(lower=0).mean()
    assert 160 <= a2 <= 250, a2
    foster = ad1["FOSTER_CARE"].astype(str).eq("1").mean() * 100
    assert 5 <= foster <= 22, foster


def test_adoption_tables_follow_the_validator_rules(default):
    """523: DATE_PLACED = DATE_INT; 558: an adopted child's PlacedAdoption row is not ceased;
    175-177 and the adopters' codes agree (one adopter: M1/F1, L3); RD1-RD4; the decision before
    the placement order, the match after the decision."""
    folder, tables, _ = default
    ad1, placed = _text(folder, "ad1"), _text(folder, "placed_for_adoption")
    both = ad1.merge(placed, on="CHILD")
    assert len(both) >= len(ad1) and (both["DATE_INT"] == both["DATE_PLACED"]).all()
    assert ad1["NB_ADOPTR"].isin(["1", "2"]).all()
    assert ad1["SEX_ADOPTR"].isin(["MF", "MM", "FF", "M1", "F1"]).all()
    assert ad1["LS_ADOPTR"].isin(["L0", "L11", "L12", "L2", "L3", "L4"]).all()
    single = ad1["NB_ADOPTR"] == "1"
    assert (single == ad1["SEX_ADOPTR"].isin(["M1", "F1"])).all()
    assert (single == ad1["LS_ADOPTR"].eq("L3")).all()
    assert ad1["FOSTER_CARE"].isin(["0", "1"]).all()
    assert placed["REASON_PLACED_CEASED"].isin(["", "RD1", "RD2", "RD3", "RD4"]).all()
    assert ((placed["DATE_PLACED_CEASED"] == "") == (placed["REASON_PLACED_CEASED"] == "")).all()
    ep = _text(folder, "episodes")
    adopted = ep.loc[ep["REC"].isin(["E11", "E12"]), "CHILD"]
    assert set(adopted) <= set(ad1["CHILD"])
    assert (placed.loc[placed["CHILD"].isin(adopted), "DATE_PLACED_CEASED"] == "").all()
    day = lambda s: pd.to_datetime(s, format="%d/%m/%Y")  # noqa: E731
    e1 = tables["episodes"].loc[tables["episodes"]["LS"] == "E1", ["CHILD", "DECOM"]]
    pair = ad1.assign(DATE_INT=day(ad1["DATE_INT"])).merge(e1, on="CHILD")
    after = pair["DECOM"] > pair["DATE_INT"]  # a placement order follows the decision
    assert after.groupby(pair["CHILD"]).any().all()
    assert (day(ad1["DATE_MATCH"]) > day(ad1["DATE_INT"])).all()


def test_uasc_share_and_the_validator_rules(default):
    """About 5-7% of the children looked after are UASC, mostly boys aged 14+ at entry; DUC is
    the 18th birthday once passed (304), not before the collection year (104); SEX and DOB as
    in the header."""
    folder, _, m = default
    uasc = _text(folder, "uasc")
    header = _text(folder, "header").set_index("CHILD")
    assert (uasc["SEX"].to_numpy() == header.loc[uasc["CHILD"], "SEX"].to_numpy()).all()
    assert (uasc["DOB"].to_numpy() == header.loc[uasc["CHILD"], "DOB"].to_numpy()).all()
    dob = pd.to_datetime(uasc["DOB"], format="%d/%m/%Y")
    b18 = dob + pd.DateOffset(years=18)
    duc = pd.to_datetime(uasc["DUC"].replace("", None), format="%d/%m/%Y")
    assert ((duc == b18) | (duc.isna() & (b18 > REF))).all()
    assert (b18 >= pd.Timestamp("2016-04-01")).all()
    assert uasc["SEX"].eq("1").mean() >= 0.8
    p = m.care.periods
    open_ = p[(p["period_start"] <= REF) & (p["period_end"].isna() | (p["period_end"] > REF))]
    looked_after = set(open_["CHILD"])
    share = len(looked_after & set(uasc["CHILD"])) / len(looked_after) * 100
    assert 4 <= share <= 9, share
    first = p.drop_duplicates("CHILD").set_index("CHILD")
    assert (first.loc[uasc["CHILD"], "age_at_entry"] >= 14).all()


def test_real_postcodes_around_the_home_area(default):
    """HOME_POST and PL_POST are ONS postcodes; homes in the home area (Coventry); placed with
    parents (P1) at home; an episode with a legal status change only (RNE L) keeps the carer's
    postcode; about 70-75% of children are placed within 20 miles of home."""
    from pipeline.synth.calibration import POSTCODE_HOME_AREA
    from pipeline.synth.write import _postcode_pool

    folder, _, _ = default
    pool = _postcode_pool().set_index("pcd")
    ep = _text(folder, "episodes")
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    assert ep["HOME_POST"].isin(pool.index).all() and ep["PL_POST"].isin(pool.index).all()
    assert (pool.loc[ep["HOME_POST"], "laua"] == POSTCODE_HOME_AREA).all()
    p1 = ep["PLACE"] == "P1"
    assert p1.any() and (ep.loc[p1, "PL_POST"] == ep.loc[p1, "HOME_POST"]).all()
    ep = ep.sort_values(
        ["CHILD", "DECOM"],
        key=lambda c: c if c.name == "CHILD" else pd.to_datetime(c, format="%d/%m/%Y"),
    )
    prev = ep.groupby("CHILD")["PL_POST"].shift()
    legal = ep["RNE"] == "L"
    assert legal.sum() > 50 and (ep.loc[legal, "PL_POST"] == prev[legal]).all()
    now = ep[ep["DEC"] == ""]
    h, p = pool.loc[now["HOME_POST"]], pool.loc[now["PL_POST"]]
    miles = (
        np.hypot(
            h["east"].to_numpy() - p["east"].to_numpy(),
            h["north"].to_numpy() - p["north"].to_numpy(),
        )
        / 1000
        / 1.6093
    )
    over = (miles > 20).mean() * 100
    assert 18 <= over <= 35, over
    assert miles.max() > 50  # a long tail (residential placements)
