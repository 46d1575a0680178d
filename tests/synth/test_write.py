"""Writing the extracts (pipeline.synth.write): determinism, layout, the OC2 table and MOTHER as
known at each month, and consistency between months."""

from __future__ import annotations

import filecmp

import pandas as pd
import pytest

from pipeline import synth
from tests.builders import SYNTH_MONTHS, generate_small, truth_episodes, truth_table, with_dob


def _all_files(root):
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def test_same_seed_gives_identical_files_and_other_seed_differs(small, tmp_path):
    root, _ = small
    again = tmp_path / "again"
    generate_small(again)
    files = _all_files(root)
    assert files == _all_files(again)
    _, mismatch, errors = filecmp.cmpfiles(root, again, [str(f) for f in files], shallow=False)
    assert mismatch == [] and errors == []
    other = tmp_path / "other"
    generate_small(other, seed=6)
    a = (root / "truth" / "2017-01" / "episodes.csv").read_bytes()
    b = (other / "truth" / "2017-01" / "episodes.csv").read_bytes()
    assert a != b


def test_layout_and_summary(small):
    root, summary = small
    assert list(summary["months"]) == SYNTH_MONTHS
    # 2016-17: the tables of every year, not those of 2023-24 (sw_episodes) or 2026-27 (dolo) on
    tables = {t: c for t, c in synth.TABLE_COLUMNS.items() if t not in ("sw_episodes", "dolo")}
    for month in SYNTH_MONTHS:
        truth = {p.name for p in (root / "truth" / month).iterdir()}
        assert truth == {f"{t}.csv" for t in tables} | {"faults.csv"}
        raw = {p.name for p in (root / "raw" / month).iterdir()}
        assert {"prev_perm.csv", "notes.csv"} <= raw and len(raw) == len(tables) + 2
        assert (root / "raw" / month / "notes.csv").stat().st_size == 0
        assert set(summary["months"][month]["rows"]) == set(tables)
        for table, cols in tables.items():
            frame = truth_table(root, month, table)
            assert list(frame.columns) == cols
            assert summary["months"][month]["rows"][table] == len(frame)
    # months differ in file names / encodings
    names = [sorted(p.name for p in (root / "raw" / m).iterdir()) for m in SYNTH_MONTHS]
    assert names[0] != names[1]


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_mother_is_recorded_for_girls(small, month):
    """393/607/399/625: MOTHER 1 or 0 for girls in care, blank for boys and short-break-only
    children; 1 exactly when the child's birth (MC_DOB) is known, while she was looked after."""
    root, _ = small
    header = truth_table(root, month, "header")
    ep = truth_episodes(root, month)
    only_breaks = ep.groupby("CHILD")["LS"].apply(lambda ls: ls.isin(["V3", "V4"]).all())
    breaks = header["CHILD"].map(only_breaks)
    girls = header["SEX"].eq("2") & ~breaks
    assert header.loc[girls, "MOTHER"].isin(["0", "1"]).all()
    assert header.loc[~girls, "MOTHER"].eq("").all()
    assert (header["MOTHER"].eq("1") == header["MC_DOB"].ne("")).all()


@pytest.mark.parametrize("month", SYNTH_MONTHS)
def test_oc2_is_the_903_table_of_the_year(small, month):
    """OC2: one row per child looked after continuously since 1 April (no period starting or
    ending in the year, no short break), items completed as the validator's rules ask by age."""
    root, _ = small
    start, end = pd.Timestamp("2016-04-01"), pd.Timestamp("2017-03-31")
    month_end = pd.Period(month, freq="M").end_time.normalize()
    ep = truth_episodes(root, month)
    during = ep["DEC"].isna() | (ep["DEC"] >= start)
    out = (
        (ep["RNE"].eq("S") & (ep["DECOM"] > start))
        | (ep["REC"].ne("X1") & ep["DEC"].notna() & (ep["DEC"] >= start) & (ep["DEC"] < month_end))
        | (ep["LS"].isin(["V3", "V4"]) & during)
    )
    flags = pd.DataFrame({"CHILD": ep["CHILD"], "during": during, "out": out})
    flags = flags.groupby("CHILD")[["during", "out"]].any()
    expected = set(flags.index[flags["during"] & ~flags["out"]])
    oc2 = with_dob(root, month, truth_table(root, month, "oc2"))
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


def test_month_extracts_are_consistent(small):
    """An episode in the earlier extract is identical later, or was open and has since closed."""
    root, _ = small
    a, b = (truth_table(root, m, "episodes") for m in SYNTH_MONTHS)
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
