"""Each collection year's codes and tables in the synthetic extracts: SEX 1/2 to 2023-24 and M/F/U
from 2024-25, SWEpisodes from 2023-24 (the validator's SW rules), DoLo from 2026-27 (rules
700-710), and faults that stay faults (faults.csv's `column`, invalid codes invalid in every year
a record spans)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from pipeline import codes, data, synth
from pipeline.synth.faults import CONFLICT_COLUMN, FAULT_COLUMNS, KEY_DATE, _k3_invalid
from pipeline.synth.simulate import NO_DATE, _after_march_25, _social_workers
from pipeline.synth.write import FILE_NAMES
from tests.builders import SYNTH_MONTHS, truth_episodes, truth_table

SW_REASONS = {  # SW13STG1
    "MANAGE",
    "FCONTA",
    "LEFTRL",
    "ORGRST",
    "TSPROC",
    "ABSENC",
    "CHCHAN",
    "PCCHAN",
    "SWDIED",
    "OTHERS",
}
SW_MONTHS = ["2023-04", "2024-03", "2024-04", "2026-03", "2026-04", "2027-03"]


def _year(month: str) -> int:
    p = pd.Period(month, freq="M")
    return p.year - (p.month < 4)


def _end(month: str) -> pd.Timestamp:
    return pd.Period(month, freq="M").end_time.normalize()


def _day(text: str) -> int:
    return int((pd.Timestamp(text) - pd.Timestamp("1970-01-01")).days)


def _dates(frame: pd.DataFrame, *cols: str) -> pd.DataFrame:
    out = frame.copy()
    for col in cols:
        out[col] = pd.to_datetime(out[col].replace("", None), format="%d/%m/%Y")
    return out


def raw_table(root, month: str, table: str) -> pd.DataFrame:
    """A table of the dirty copy, its header spellings made canonical (as the loader would)."""
    p = pd.Period(month, freq="M")
    names = FILE_NAMES[table]
    raw = root / "raw" / month / names[(p.year * 12 + p.month) % len(names)].format(m=month)
    blob = raw.read_bytes()
    try:
        text = blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = blob.decode("cp1252")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [c.strip().upper().replace(" ", "_") for c in frame.columns]
    return frame


def _looked_after_at(ep: pd.DataFrame, day: pd.Timestamp) -> set:
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    on = (ep["DECOM"] <= day) & (ep["DEC"].isna() | (ep["DEC"] > day))
    return set(ep.loc[on, "CHILD"])


# ---------------------------------------------------------------------------------------- SEX


def test_sex_is_coded_for_the_collection_year_of_each_extract(years):
    for month, root in years.items():
        valid = codes.codes("SEX", _year(month))
        header = truth_table(root, month, "header")
        assert header["SEX"].isin(valid).all(), month
        dirty = raw_table(root, month, "header")["SEX"].str.strip().str.upper()
        assert dirty.isin(valid).all(), month  # the dirty copy too (codes padded / lower case)
    before = truth_table(years["2024-03"], "2024-03", "header")
    after = truth_table(years["2024-04"], "2024-04", "header")
    assert set(before["SEX"]) == {"1", "2"}
    assert {"M", "F"} <= set(after["SEX"]) <= {"M", "F", "U"}
    # the same children, recoded: 1 -> M, 2 -> F, and a few (never mothers) U
    pair = before.merge(after, on="CHILD", suffixes=("_23", "_24"))
    assert len(pair) == len(before)
    known = pair["SEX_24"] != "U"
    recode = pair.loc[known, "SEX_23"].map({"1": "M", "2": "F"})
    assert (recode == pair.loc[known, "SEX_24"]).all()
    unknown = after[after["SEX"] == "U"]
    assert 0 < len(unknown) < 0.02 * len(after)
    assert unknown["MOTHER"].eq("").all() and unknown["MC_DOB"].eq("").all()
    assert after.loc[after["SEX"] == "M", "MOTHER"].eq("").all()
    assert after.loc[after["SEX"] == "F", "MOTHER"].isin(["0", "1", ""]).all()


# --------------------------------------------------------------------------------- SWEpisodes


def test_sw_episodes_are_written_from_2023_24_only(years):
    for month, root in years.items():
        written = (root / "truth" / month / "sw_episodes.csv").exists()
        assert written == (_year(month) >= 2023), month
        names = {p.name for p in (root / "raw" / month).iterdir()}
        assert any(n in names for n in (f.format(m=month) for f in FILE_NAMES["sw_episodes"])) == (
            written
        )
    assert not (years["2023-03"] / "truth" / "2023-03" / "sw_episodes.csv").exists()


def _sw(root, month):
    sw = _dates(truth_table(root, month, "sw_episodes"), "SW_DECOM", "SW_DEC")
    return sw.sort_values(["CHILD", "SW_DECOM"]).reset_index(drop=True)


@pytest.mark.parametrize("month", SW_MONTHS)
def test_sw_episodes_follow_the_validator_rules(years, month):
    root = years[month]
    sw, ep = _sw(root, month), truth_episodes(root, month)
    end = _end(month)
    assert list(sw.columns) == synth.TABLE_COLUMNS["sw_episodes"] and len(sw) > 50
    # SW02STG1 (IDs), SW13STG1 (reasons), SW19STG2 (no two starting on a day), SW03 (complete)
    assert sw["SW_ID"].str.match(r"^(SW|XX)").all() and (sw["SW_ID"].str.len() >= 4).all()
    assert set(sw["SW_REASON"]) <= SW_REASONS
    assert not sw.duplicated(["CHILD", "SW_DECOM"]).any()
    assert sw["SW_DECOM"].notna().all() and (sw["SW_DECOM"] <= end).all()
    # SW18STG2: ends after it starts; SW08STG2 / SW14STG2: only a child's last may be open
    closed = sw["SW_DEC"].notna()
    assert (sw.loc[closed, "SW_DEC"] > sw.loc[closed, "SW_DECOM"]).all()
    same_next = sw["CHILD"].eq(sw["CHILD"].shift(-1))
    assert not (~closed & same_next).any()
    # SW10 / SW11a: the next starts the day the previous ends, unless it is a first contact
    # (FCONTA, a new period of care), which starts after the previous ended (SW10bSTG2)
    nxt = sw.shift(-1)[same_next]
    prev = sw[same_next]
    handover = nxt["SW_DECOM"].to_numpy() == prev["SW_DEC"].to_numpy()
    first_contact = nxt["SW_REASON"].eq("FCONTA").to_numpy()
    assert (handover | first_contact).all()
    assert (nxt.loc[first_contact, "SW_DECOM"].to_numpy() > prev.loc[first_contact, "SW_DEC"]).all()
    # SW09STG2: a change of worker (not the end of care) never comes under a week after the last
    changed = prev[handover]
    assert ((changed["SW_DEC"] - changed["SW_DECOM"]).dt.days >= 7).all()
    # SW11bSTG2: no change of worker in the last six days of March
    change_day = changed["SW_DEC"]
    assert not ((change_day.dt.month == 3) & (change_day.dt.day >= 26)).any()
    # the reporting window: open on or after 1 April of the year before (not before 2023)
    window = max(pd.Timestamp("2023-04-01"), pd.Timestamp(f"{_year(month) - 1}-04-01"))
    assert (sw["SW_DEC"].isna() | (sw["SW_DEC"] >= window)).all()
    # SW01STG1 / SW17STG2: every child looked after at the month end has one open allocation,
    # and only they do; SW12STG2: every allocation lies in a period of care, the first of a
    # period (FCONTA) starting with it
    cla = _looked_after_at(ep, end)
    open_kids = sw.loc[~closed, "CHILD"]
    assert set(open_kids) == cla and not open_kids.duplicated().any()
    starts = ep.loc[ep["RNE"].eq("S") & ~ep["LS"].isin(["V3", "V4"]), ["CHILD", "DECOM"]]
    found = pd.merge_asof(
        sw.sort_values("SW_DECOM"),
        starts.sort_values("DECOM"),
        left_on="SW_DECOM",
        right_on="DECOM",
        by="CHILD",
    )
    assert found["DECOM"].notna().all()
    fconta = found["SW_REASON"].eq("FCONTA")
    assert (found.loc[fconta, "SW_DECOM"] == found.loc[fconta, "DECOM"]).all()
    # the children are those looked after at some time in the collection year
    year_start = pd.Timestamp(f"{_year(month)}-04-01")
    regular = ep[~ep["LS"].isin(["V3", "V4"])]
    in_year = regular[
        (regular["DECOM"] <= end) & (regular["DEC"].isna() | (regular["DEC"] >= year_start))
    ]
    assert set(sw["CHILD"]) <= set(in_year["CHILD"])
    # realistic caseloads and changes: ~16 children per worker; most children have one or two
    # workers in the year, some three or more
    on = sw[~closed & sw["CHILD"].isin(cla)]
    assert 10 <= len(cla) / on["SW_ID"].nunique() <= 25
    if _year(month) >= 2024:
        year_ago = end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        recent = sw[sw["CHILD"].isin(cla) & (sw["SW_DEC"].isna() | (sw["SW_DEC"] >= year_ago))]
        workers = recent.groupby("CHILD")["SW_ID"].nunique()
        assert (workers <= 2).mean() > 0.6
        assert 0.03 < (workers >= 3).mean() < 0.35


def test_social_workers_hand_checked():
    """Three periods by hand: a 2-day stay (one allocation, first contact, ending with care), a
    period still open at the horizon (its last allocation open), one ended in 2022 (no rows)."""
    day = _day
    periods = pd.DataFrame(
        {
            "child": [1, 2, 3],
            "start": [day("2023-05-01"), day("2023-06-01"), day("2021-01-01")],
            "end": [day("2023-05-03"), NO_DATE, day("2022-12-31")],
        }
    )
    horizon = day("2025-12-31")
    sw = _social_workers(np.random.default_rng(1), periods, horizon, scale=1.0)
    one = sw[sw["CHILD"] == 1]
    assert one[["SW_DECOM", "SW_DEC", "SW_REASON"]].values.tolist() == [
        [day("2023-05-01"), day("2023-05-03"), "FCONTA"]
    ]
    two = sw[sw["CHILD"] == 2].reset_index(drop=True)
    assert two.loc[0, "SW_DECOM"] == day("2023-06-01") and two.loc[0, "SW_REASON"] == "FCONTA"
    assert (two["SW_DECOM"].iloc[1:].to_numpy() == two["SW_DEC"].iloc[:-1].to_numpy()).all()
    assert two["SW_DEC"].iloc[-1] == NO_DATE and (two["SW_DEC"].iloc[:-1] < NO_DATE).all()
    assert 3 not in set(sw["CHILD"])
    # before 2023-24 there is nothing to write
    early = _social_workers(np.random.default_rng(1), periods, day("2023-03-31"), scale=1.0)
    assert early.empty


def test_changes_in_the_last_days_of_march_move_to_april():
    days = np.array([_day(d) for d in ("2024-03-25", "2024-03-26", "2024-03-31", "2024-04-02")])
    moved = _after_march_25(days)
    assert moved.tolist() == [_day("2024-03-25"), _day("2024-04-01"), _day("2024-04-01"), days[3]]


# --------------------------------------------------------------------------------------- DoLo


def test_dolo_is_written_in_2026_27_only_with_children_in_k2_z12_z13(years):
    rows = 0
    for month, root in years.items():
        written = (root / "truth" / month / "dolo.csv").exists()
        assert written == (_year(month) >= 2026), month
        if not written:
            continue
        dolo = _dates(truth_table(root, month, "dolo"), "DOLO_START", "DOLO_END")
        assert list(dolo.columns) == synth.TABLE_COLUMNS["dolo"]
        rows += len(dolo)
        end = _end(month)
        ep = truth_episodes(root, month)
        header = _dates(truth_table(root, month, "header"), "DOB").set_index("CHILD")
        assert (dolo["DOLO_START"] <= end).all()  # 703
        assert (dolo["DOLO_END"].isna() | (dolo["DOLO_END"] >= f"{_year(month)}-04-01")).all()
        ended = dolo["DOLO_END"].notna()
        assert (dolo.loc[ended, "DOLO_END"] > dolo.loc[ended, "DOLO_START"]).all()  # 702
        assert (dolo["DOLO_START"] > dolo["CHILD"].map(header["DOB"])).all()  # 708
        assert (
            pd.to_datetime(dolo["DOB"], format="%d/%m/%Y") == dolo["CHILD"].map(header["DOB"])
        ).all()
        ordered = dolo.sort_values(["CHILD", "DOLO_START"])
        again = ordered["CHILD"].eq(ordered["CHILD"].shift())
        assert not (again & (ordered["DOLO_START"] < ordered["DOLO_END"].shift())).any()  # 705
        assert not (again & ordered["DOLO_END"].shift().isna()).any()
        for order in dolo.itertuples():
            stop = order.DOLO_END if pd.notna(order.DOLO_END) else end
            mine = ep[ep["CHILD"] == order.CHILD]
            # 709 / 710: every episode the order overlaps (ends inclusive) is K2, Z12 or Z13
            overlap = mine[
                (mine["DEC"].isna() | (mine["DEC"] >= order.DOLO_START)) & (mine["DECOM"] <= stop)
            ]
            assert len(overlap) and overlap["PLACE"].isin(["K2", "Z12", "Z13"]).all()
            # 707: looked after throughout (an open order only while the child still is)
            assert overlap["DECOM"].min() < order.DOLO_START
            if pd.isna(order.DOLO_END):
                assert order.CHILD in _looked_after_at(ep, end)
        # a handful at a time
        open_at_end = dolo["DOLO_END"].isna() | (dolo["DOLO_END"] > end)
        assert open_at_end.sum() <= 10
    assert rows > 0


# ------------------------------------------------------------------------------------- faults


ROW_LEVEL = {"exact_duplicate", "episode_overlap", "blank_child"}


def _all_faults(small, years):
    root, _ = small
    out = [(root, m) for m in SYNTH_MONTHS] + [(r, m) for m, r in years.items()]
    return out


def test_faults_csv_names_the_column_each_fault_touched(small, years):
    specs = data.tables()
    for root, month in _all_faults(small, years):
        faults = truth_table(root, month, "faults")
        assert list(faults.columns) == FAULT_COLUMNS
        for row in faults.itertuples():
            kind, table, column = row.fault, row.table, row.column
            if kind in ROW_LEVEL:
                assert column == "", (month, row)
                continue
            assert column in synth.TABLE_COLUMNS[table], (month, row)
            keys = specs[table]["key_columns"]
            expected = {
                "id_format": "CHILD",
                "number_format": "SDQ_SCORE",
                "invalid_date": KEY_DATE.get(table),
                "end_before_start": "DEC",
                "missing_end_before_start": "MIS_END",
                "sdq_out_of_range": "SDQ_SCORE",
                "conflicting_duplicate": CONFLICT_COLUMN.get(table),
                "invalid_code": {"episodes": "PLACE", "reviews": "REVIEW_CODE"}.get(table),
            }.get(kind, column)
            assert column == expected, (month, row)
            # a key-column fault quarantines the row, any other blanks the cell
            if kind in ("invalid_date", "end_before_start"):
                assert column in keys
            if kind == "invalid_code":
                assert column not in keys
    faults = truth_table(small[0], "2017-01", "faults")
    by_kind = faults.groupby("fault")["column"].first()
    assert by_kind["id_format"] == "CHILD" and by_kind["exact_duplicate"] == ""


def test_invalid_codes_are_invalid_in_every_year_the_record_spans(small, years):
    checked = 0
    for root, month in _all_faults(small, years):
        faults = truth_table(root, month, "faults")
        bad = faults[faults["fault"] == "invalid_code"]
        if bad.empty:
            continue
        ep = truth_table(root, month, "episodes").assign(
            KEY=lambda f: pd.to_datetime(f["DECOM"], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
        )
        raw = raw_table(root, month, "episodes").drop_duplicates(["CHILD", "DECOM"], keep="first")
        on_ep = bad[bad["table"] == "episodes"].merge(ep, on=["CHILD", "KEY"], how="left")
        assert on_ep["DECOM"].notna().all()
        on_ep = on_ep.merge(
            raw[["CHILD", "DECOM", "PLACE"]], on=["CHILD", "DECOM"], suffixes=("", "_raw")
        )
        assert len(on_ep) == (bad["table"] == "episodes").sum()
        assert on_ep["PLACE_raw"].isin(["ZZ", "K3"]).all()
        first = codes.collection_years(pd.to_datetime(on_ep["DECOM"], format="%d/%m/%Y"))
        dec = pd.to_datetime(on_ep["DEC"].replace("", None), format="%d/%m/%Y").fillna(_end(month))
        last = codes.collection_years(dec)
        valid = codes.valid_in_years("PLACE", on_ep["PLACE_raw"], first, last)
        assert not valid.any(), (month, on_ep[valid])
        rv_bad = bad[bad["table"] == "reviews"]
        rv = raw_table(root, month, "reviews")
        codes_raw = rv["REVIEW_CODE"].str.strip().str.upper()
        invalid = ~codes.valid_in_years("REVIEW_CODE", codes_raw)  # no year makes PN9 valid
        assert invalid.sum() == len(rv_bad)
        checked += len(bad)
    assert checked >= 5


def test_k3_is_only_an_invalid_code_on_episodes_ended_before_2024_25():
    frame = pd.DataFrame(
        {
            "DECOM": ["01/05/2023", "01/05/2023", "01/05/2023", "01/05/2023"],
            "DEC": ["01/03/2024", "02/04/2024", "", ""],
        }
    )
    march, april = pd.Timestamp("2024-03-31"), pd.Timestamp("2024-04-30")
    assert _k3_invalid(frame, march).tolist() == [True, False, True, True]
    assert _k3_invalid(frame, april).tolist() == [True, False, False, False]
    assert _k3_invalid(frame, None).tolist() == [True, False, False, False]
