"""The synthetic LA generator: determinism, truth invariants, faults, month consistency, calibration."""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from pipeline import codes, synth

MONTHS = ["2016-12", "2017-01"]


def _gen(root, seed=5, **kw):
    args = dict(seed=seed, history_start="2012-04", end="2017-01", months=2, scale=0.2)
    args.update(kw)
    return synth.generate(root, **args)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("synth_small")
    summary = _gen(root)
    return root, summary


def _truth(root, month, table):
    return pd.read_csv(root / "truth" / month / f"{table}.csv", dtype=str, keep_default_na=False)


def _all_files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_seed_gives_identical_files_and_other_seed_differs(small, tmp_path):
    root, _ = small
    again = tmp_path / "again"
    _gen(again)
    files = _all_files(root)
    assert files == _all_files(again)
    _, mismatch, errors = filecmp.cmpfiles(root, again, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []
    other = tmp_path / "other"
    _gen(other, seed=6)
    a = (root / "truth" / "2017-01" / "episodes.csv").read_bytes()
    b = (other / "truth" / "2017-01" / "episodes.csv").read_bytes()
    assert a != b


def test_layout_and_summary(small):
    root, summary = small
    assert list(summary["months"]) == MONTHS
    for month in MONTHS:
        truth = {p.name for p in (root / "truth" / month).iterdir()}
        assert truth == {f"{t}.csv" for t in synth.TABLE_COLUMNS} | {"faults.csv"}
        raw = {p.name for p in (root / "raw" / month).iterdir()}
        assert {"oc3.csv", "notes.csv"} <= raw and len(raw) == 8
        assert (root / "raw" / month / "notes.csv").stat().st_size == 0
        for table, cols in synth.TABLE_COLUMNS.items():
            frame = _truth(root, month, table)
            assert list(frame.columns) == cols
            assert summary["months"][month]["rows"][table] == len(frame)
    # months differ in file names / encodings
    names = [sorted(p.name for p in (root / "raw" / m).iterdir()) for m in MONTHS]
    assert names[0] != names[1]


def _episodes(root, month):
    ep = _truth(root, month, "episodes")
    for col in ("DECOM", "DEC"):
        ep[col] = pd.to_datetime(ep[col].replace("", None), format="%d/%m/%Y")
    return ep.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)


@pytest.mark.parametrize("month", MONTHS)
def test_episode_invariants(small, month):
    root, _ = small
    ep = _episodes(root, month)
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


@pytest.mark.parametrize("month", MONTHS)
def test_codes_valid_for_year_and_sdq_score_xor_reason(small, month):
    root, _ = small
    ep = _episodes(root, month)
    years = codes.collection_years(ep["DECOM"])
    for col in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"):
        values = ep[col].replace("", None)
        assert codes.valid_for_year(col, values, years).all(), col
    sdq = _truth(root, month, "sdq")
    has_score, has_reason = sdq["SDQ_SCORE"] != "", sdq["SDQ_REASON"] != ""
    assert (has_score ^ has_reason).all()
    scores = sdq.loc[has_score, "SDQ_SCORE"].astype(int)
    assert scores.between(0, 40).all()
    assert not sdq.duplicated(["CHILD", "SDQ_DATE"]).any()
    rv = _truth(root, month, "reviews")
    assert rv["REVIEW_CODE"].isin(codes.codes("REVIEW_CODE")).all()
    mi = _truth(root, month, "missing")
    assert mi["MISSING"].isin(["M", "A"]).all()
    start = pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M")
    end = pd.to_datetime(mi["MIS_END"].replace("", None), format="%d/%m/%Y %H:%M")
    assert not (end < start).any()


ADOPTIVE = ["A3", "A4", "A5", "A6"]
FOSTER = ["U1", "U2", "U3", "U4", "U5", "U6"]


def _with_dob(root, month, frame):
    header = _truth(root, month, "header")[["CHILD", "SEX", "DOB"]]
    header = header.assign(DOB=pd.to_datetime(header["DOB"], format="%d/%m/%Y"))
    return frame.merge(header, on="CHILD", how="left", suffixes=("", "_header"))


@pytest.mark.parametrize("month", MONTHS)
def test_episodes_follow_the_903_validation_rules(small, month):
    """The DfE validator's episode rules the truth used to break (tools/validate_903.py)."""
    root, _ = small
    ep = _episodes(root, month)
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
    stay = _with_dob(root, month, ep[ep["REC"].eq("E17")])
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


@pytest.mark.parametrize("month", MONTHS)
def test_mother_is_recorded_for_girls(small, month):
    """393/607/399/625: MOTHER 1 or 0 for girls in care, blank for boys and short-break-only
    children; 1 exactly when the child's birth (MC_DOB) is known, while she was looked after."""
    root, _ = small
    header = _truth(root, month, "header")
    ep = _episodes(root, month)
    only_breaks = ep.groupby("CHILD")["LS"].apply(lambda ls: ls.isin(["V3", "V4"]).all())
    breaks = header["CHILD"].map(only_breaks)
    girls = header["SEX"].eq("2") & ~breaks
    assert header.loc[girls, "MOTHER"].isin(["0", "1"]).all()
    assert header.loc[~girls, "MOTHER"].eq("").all()
    assert (header["MOTHER"].eq("1") == header["MC_DOB"].ne("")).all()


@pytest.mark.parametrize("month", MONTHS)
def test_missing_incidents_never_overlap_and_end_within_the_placement(small, month):
    """574: one incident at a time; 575/577/580: the child is back before the episode ends."""
    root, _ = small
    mi = _truth(root, month, "missing")
    mi = mi.assign(
        start=pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M"),
        end=pd.to_datetime(mi["MIS_END"].replace("", None), format="%d/%m/%Y %H:%M"),
    ).sort_values(["CHILD", "start"])
    latest_end = mi.groupby("CHILD")["end"].cummax().groupby(mi["CHILD"]).shift()
    assert not (mi["start"] < latest_end).any()
    ep = _episodes(root, month)
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


@pytest.mark.parametrize("month", MONTHS)
def test_oc2_is_the_903_table_of_the_year(small, month):
    """OC2: one row per child looked after continuously since 1 April (no period starting or
    ending in the year, no short break), items completed as the validator's rules ask by age."""
    root, _ = small
    start, end = pd.Timestamp("2016-04-01"), pd.Timestamp("2017-03-31")
    month_end = pd.Period(month, freq="M").end_time.normalize()
    ep = _episodes(root, month)
    during = ep["DEC"].isna() | (ep["DEC"] >= start)
    out = (
        (ep["RNE"].eq("S") & (ep["DECOM"] > start))
        | (ep["REC"].ne("X1") & ep["DEC"].notna() & (ep["DEC"] >= start) & (ep["DEC"] < month_end))
        | (ep["LS"].isin(["V3", "V4"]) & during)
    )
    flags = pd.DataFrame({"CHILD": ep["CHILD"], "during": during, "out": out})
    flags = flags.groupby("CHILD")[["during", "out"]].any()
    expected = set(flags.index[flags["during"] & ~flags["out"]])
    oc2 = _with_dob(root, month, _truth(root, month, "oc2"))
    assert set(oc2["CHILD"]) == expected and not oc2["CHILD"].duplicated().any()
    assert len(oc2) > 20
    dob = oc2["DOB_header"]
    assert (pd.to_datetime(oc2["DOB"], format="%d/%m/%Y") == dob).all()
    oc2 = oc2.drop(columns=["SEX", "DOB_header"])
    age_at = {y: dob + pd.DateOffset(years=y) for y in (4, 5, 10, 17)}
    blank = oc2 == ""
    assert (~blank["CONVICTED"] == (age_at[10] < end)).all()
    assert (~blank["HEALTH_CHECK"] == (age_at[5] > end)).all()
    for col in ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE"):
        assert oc2[col].isin(["0", "1"]).all(), col
    assert (~blank["INTERVENTION_RECEIVED"] == oc2["SUBSTANCE_MISUSE"].eq("1")).all()
    assert (~blank["INTERVENTION_OFFERED"] == oc2["INTERVENTION_RECEIVED"].eq("0")).all()
    sdq_blank = blank["SDQ_SCORE"] & blank["SDQ_REASON"]
    assert not (~blank["SDQ_SCORE"] & ~blank["SDQ_REASON"]).any()
    due = (age_at[4] <= start) & (age_at[17] > end)
    turning = age_at[4].between(start, end) | age_at[17].between(start, end)
    assert not (sdq_blank & (due | turning)).any()
    assert sdq_blank[(age_at[4] > end) | (age_at[17] < start)].all()
    assert not oc2.loc[due, "SDQ_REASON"].eq("SDQ1").any()


def test_every_fault_kind_is_injected(small):
    root, _ = small
    for month in MONTHS:
        faults = _truth(root, month, "faults")
        assert set(faults["fault"]) == set(synth.FAULT_RATES)
        recoverable = faults.groupby("fault")["recoverable"].first()
        for kind, flag in synth.RECOVERABLE.items():
            assert recoverable[kind] == str(flag)
        lost = faults[faults["recoverable"] == "False"]
        # at most one unrecoverable/structural fault per child
        structural = faults[
            (faults["recoverable"] == "False") | (faults["fault"] == "episode_overlap")
        ]
        assert not structural["CHILD"].duplicated().any()
        rows = sum(len(_truth(root, month, t)) for t in synth.TABLE_COLUMNS)
        assert len(lost) < 0.01 * rows


def test_raw_files_read_back_with_the_faults(small):
    root, _ = small
    raw = root / "raw" / "2017-01"
    episodes = next(p for p in raw.iterdir() if "pisode" in p.name)
    text = episodes.read_bytes().decode("utf-8-sig", errors="replace")
    truth = (root / "truth" / "2017-01" / "episodes.csv").read_text()
    assert text.count("\n") > truth.count("\n")  # duplicates (exact and conflicting) appended
    assert (raw / "oc3.csv").read_text().strip() == "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM"


def test_month_extracts_are_consistent(small):
    """An episode in the earlier extract is identical later, or was open and has since closed."""
    root, _ = small
    a, b = (_truth(root, m, "episodes") for m in MONTHS)
    merged = a.merge(b, on=["CHILD", "DECOM"], how="left", suffixes=("_a", "_b"), indicator=True)
    assert (merged["_merge"] == "both").all()
    closed_a = merged["DEC_a"] != ""
    for col in ("DEC", "REC", "REASON_PLACE_CHANGE", "PLACE", "LS", "URN"):
        same = merged[f"{col}_a"] == merged[f"{col}_b"]
        assert same[closed_a].all(), col
    newly_closed = ~closed_a & (merged["DEC_b"] != "")
    dec_b = pd.to_datetime(merged.loc[newly_closed, "DEC_b"], format="%d/%m/%Y")
    assert (dec_b > pd.Timestamp("2016-12-31")).all()
    # new rows in the later extract start in the later month
    new = b.merge(a[["CHILD", "DECOM"]], how="left", indicator=True)
    starts = pd.to_datetime(new.loc[new["_merge"] == "left_only", "DECOM"], format="%d/%m/%Y")
    assert (starts > pd.Timestamp("2016-12-31")).all()


def test_no_faults_option_writes_raw_equal_to_truth_content(tmp_path):
    _gen(tmp_path, months=1, faults=False)
    faults = _truth(tmp_path, "2017-01", "faults")
    assert faults.empty


def test_settling_wait_inverts_the_piecewise_hazard():
    # rate 1/365 per day with ratios (r0, r1, r2): unit exposure e=ratio0 is used up exactly at 365
    # days from a new placement; from placement age 730 the wait is e / (rate * r2).
    r0, r1, r2 = synth.PLACEMENT_AGE_HAZARD_RATIO
    rate = np.array([1 / 365, 1 / 365, 1 / 365])
    e = np.array([r0, r0 + r1, 1.0])
    age = np.array([0.0, 0.0, 730.0])
    wait = synth._settling_wait(e, rate, age)
    np.testing.assert_allclose(wait, [365.0, 730.0, 365.0 / r2])


@pytest.mark.slow
def test_calibration_at_la_scale_january_2017(tmp_path):
    summary = synth.generate(tmp_path, months=1, progress=False)
    looked_after = summary["months"]["2017-01"]["looked_after"]
    assert 400 <= looked_after <= 560
    mi = _truth(tmp_path, "2017-01", "missing")
    start = pd.to_datetime(mi["MIS_START"], format="%d/%m/%Y %H:%M")
    jan = mi[(start >= "2017-01-01") & (mi["MISSING"] == "M")]
    assert 20 <= len(jan) <= 100


def test_codes_follow_the_2024_changes(tmp_path):
    """Across 1 April 2024 H5/P2 give way to K3: every PLACE is valid for its DECOM's year."""
    _gen(tmp_path, history_start="2021-04", end="2025-06", months=1, scale=0.3, faults=False)
    ep = _episodes(tmp_path, "2025-06")
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
