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
