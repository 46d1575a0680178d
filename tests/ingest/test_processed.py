"""The processed folder of a month: cleaned once, then read back while the raw files are the same."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.ingest import processed
from tests.builders import EPISODE_ROW, EPISODES_CSV, HEADER_CSV, HEADER_ROW, write

HEADER = HEADER_CSV + HEADER_ROW + "2,2,01/01/2011,WBRI,,,\n"
# child 2's episode: an ISO DECOM and a lower-case PLACE, both corrected when cleaned
EPISODES = EPISODES_CSV + EPISODE_ROW + "2,2016-05-01,S,C2,N1,u4,PR1,,,,ZZ1 1AA,ZZ1 2BB,SC1\n"


@pytest.fixture
def raw_dir(tmp_path):
    raw = tmp_path / "raw" / "2017-01"
    write(raw, "header.csv", HEADER)
    write(raw, "episodes.csv", EPISODES)
    return raw


def test_clean_month_writes_tables_quarantine_and_quality(raw_dir, tmp_path):
    out = tmp_path / "processed" / "2017-01"
    result = processed.clean_month("2017-01", raw_dir, out)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "cells.parquet",
        "episodes.parquet",
        "header.parquet",
        "quality.json",
        "quarantine.parquet",
    ]
    # child 2's ISO DECOM and lower-case PLACE are corrected: 2 cells, nothing set aside
    summary = json.loads((out / "quality.json").read_text())
    assert summary["month"] == "2017-01"
    assert summary["totals"]["corrected_cells"] == 2 and summary["totals"]["quarantined"] == 0
    back = processed.read_processed(out)
    assert sorted(back) == ["episodes", "header"]
    for table, frame in result.tables.items():
        pd.testing.assert_frame_equal(back[table], frame, obj=table)


def test_ensure_clean_reads_back_when_the_raw_files_are_the_same(raw_dir, tmp_path, monkeypatch):
    out = tmp_path / "processed" / "2017-01"
    first = processed.ensure_clean("2017-01", raw_dir, out)
    stamp = (out / ".fingerprint").read_text()

    def no_recleaning(*args, **kwargs):
        raise AssertionError("recleaned although the raw files did not change")

    monkeypatch.setattr(processed, "clean_month", no_recleaning)
    again = processed.ensure_clean("2017-01", raw_dir, out)
    assert (out / ".fingerprint").read_text() == stamp
    assert sorted(again) == sorted(first) == ["episodes", "header"]
    for table in first:
        pd.testing.assert_frame_equal(again[table], first[table], obj=table)
    assert processed.ensure_clean("2017-01", raw_dir, out, read=False) is None


def test_ensure_clean_recleans_when_a_raw_file_changes(raw_dir, tmp_path):
    out = tmp_path / "processed" / "2017-01"
    first = processed.ensure_clean("2017-01", raw_dir, out)
    stamp = (out / ".fingerprint").read_text()
    write(raw_dir, "episodes.csv", EPISODES + "2,01/06/2016,S,C2,N1,U4,PR1,,,,,,\n")
    again = processed.ensure_clean("2017-01", raw_dir, out)
    assert (out / ".fingerprint").read_text() != stamp
    assert len(first["episodes"]) == 2 and len(again["episodes"]) == 3
    assert len(processed.read_processed(out)["episodes"]) == 3


def test_ensure_clean_without_a_raw_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no extract folder for 2017-01"):
        processed.ensure_clean("2017-01", tmp_path / "absent", tmp_path / "processed")
    with pytest.raises(FileNotFoundError, match="no cleaned data"):
        processed.read_processed(tmp_path)
