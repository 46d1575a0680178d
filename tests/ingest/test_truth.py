"""Cleaning the synthetic dirty extract reproduces the truth (SPEC 4): every recoverable fault is
undone; an unrecoverable fault in a key column quarantines its row, one elsewhere blanks its cell
and keeps the row (faults.csv names the column of each fault)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import data
from pipeline.ingest.clean import clean_extract
from pipeline.ingest.load import load_extract

pytestmark = pytest.mark.slow
MONTHS = ["2016-12", "2017-01"]
KEY_DATE = {"episodes": "DECOM", "missing": "MIS_START", "sdq": "SDQ_DATE", "reviews": "REVIEW"}


def _clean(folder):
    return clean_extract(load_extract(folder))


def _unrecoverable(root, month) -> pd.DataFrame:
    """The generator's unrecoverable faults, each with its expected fate: quarantine or blank."""
    faults = pd.read_csv(root / "truth" / month / "faults.csv", dtype=str, keep_default_na=False)
    lost = faults[faults["recoverable"].str.lower().isin(["false", "0", "no"])].copy()
    specs = data.tables()
    in_key = [
        col == "" or col in specs[table].get("key_columns", [])
        for table, col in zip(lost["table"], lost["column"], strict=True)
    ]
    lost["fate"] = ["quarantine" if k else "blank" for k in in_key]
    return lost


def _keys(table, frame) -> pd.Series:
    """CHILD|KEY of each row, KEY as the generator writes it (ISO date, or date and time)."""
    col = KEY_DATE.get(table)
    if col is None:
        return frame["CHILD"].astype(str) + "|"
    timed = frame.get(f"{col}_TIMED", pd.Series(False, index=frame.index))
    key = frame[col].dt.strftime("%Y-%m-%d").where(~timed, frame[col].dt.strftime("%Y-%m-%d %H:%M"))
    return frame["CHILD"].astype(str) + "|" + key.fillna("")


def _expected(table, truth, lost) -> pd.DataFrame:
    """The truth as cleaning should leave it: quarantined rows gone, blanked cells missing."""
    faults = lost[lost["table"] == table]
    keys = _keys(table, truth)
    fault_keys = faults["CHILD"] + "|" + faults["KEY"]
    gone = keys.isin(fault_keys[faults["fate"] == "quarantine"])
    expected = truth.copy()
    for column, rows in faults[faults["fate"] == "blank"].groupby("column"):
        hit = keys.isin(rows["CHILD"] + "|" + rows["KEY"])
        expected.loc[hit, column] = pd.NA
        if f"{column}_TIMED" in expected:
            expected.loc[hit, f"{column}_TIMED"] = False
        if f"{column}_BLANKED" in expected:
            expected.loc[hit, f"{column}_BLANKED"] = True
    return expected[~gone]


def test_the_generator_writes_both_fates(small_synth):
    lost = _unrecoverable(small_synth, "2017-01")
    assert set(lost["fate"]) == {"quarantine", "blank"}


@pytest.mark.parametrize("month", MONTHS)
def test_truth_is_already_clean(small_synth, month):
    result = _clean(small_synth / "truth" / month)
    assert result.quarantine.empty
    assert result.cells.empty
    totals = result.summary["totals"]
    assert totals["merged"] == 0 and totals["corrected_cells"] == 0


@pytest.mark.parametrize("month", MONTHS)
def test_dirty_cleans_to_truth(small_synth, month):
    dirty = _clean(small_synth / "raw" / month)
    truth = _clean(small_synth / "truth" / month)
    lost = _unrecoverable(small_synth, month)
    for table, clean_truth in truth.tables.items():
        expected = _expected(table, clean_truth, lost)
        got = dirty.tables[table]
        cols = list(expected.columns)
        assert list(got.columns) == cols, table
        a = got.sort_values(cols).reset_index(drop=True)
        b = expected.sort_values(cols).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=True, obj=f"{month} {table}")


@pytest.mark.parametrize("month", MONTHS)
def test_each_unrecoverable_fault_meets_its_fate(small_synth, month):
    dirty = _clean(small_synth / "raw" / month)
    lost = _unrecoverable(small_synth, month)
    q, cells = dirty.quarantine, dirty.cells
    for row in lost.itertuples(index=False):
        if row.fate == "blank":
            hit = (cells["table"] == row.table) & (cells["column"] == row.column)
            assert (cells.loc[hit, "CHILD"] == row.CHILD).any(), row
            continue
        in_table = q[q["table"] == row.table]
        if row.CHILD and (in_table["CHILD"] == row.CHILD).any():
            continue
        # a blanked or unreadable child ID: the row is quarantined under REQ-MISSING
        assert (in_table["rule"] == "REQ-MISSING").any(), row


@pytest.mark.parametrize("month", MONTHS)
def test_row_accounting_on_generator_output(small_synth, month):
    dirty = _clean(small_synth / "raw" / month)
    for table, t in dirty.summary["tables"].items():
        assert t["rows_in"] == t["kept"] + t["merged"] + t["quarantined"], table
        assert t["kept"] == len(dirty.tables[table])
    assert set(dirty.tables) >= {"header", "episodes", "missing", "sdq"}
    assert set(dirty.tables) <= set(data.tables())
