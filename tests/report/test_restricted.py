"""Child-level lists (pipeline.report.restricted): marked on every row, beside a note, in the
month's restricted folder."""

from __future__ import annotations

import pandas as pd

from pipeline.config import Settings
from pipeline.report.restricted import MARKING, NOTE, write_restricted


def test_restricted_list_marked_and_outside_reports(tmp_path):
    month_dir = tmp_path / "outputs" / "2017-01"
    path = write_restricted(pd.DataFrame({"CHILD": ["A1", "B2"]}), month_dir, "x.csv")
    assert path == tmp_path / "restricted" / "2017-01" / "x.csv"  # beside outputs/, not in it
    frame = pd.read_csv(path)
    assert frame.columns[0] == "sensitivity" and frame["sensitivity"].tolist() == [MARKING] * 2
    assert (path.parent / "SENSITIVE.txt").read_text() == NOTE + "\n"
    assert NOTE.startswith("OFFICIAL-SENSITIVE")


def test_restricted_folder_is_a_setting(tmp_path):
    settings = Settings(restricted_folder=str(tmp_path / "secure"))
    path = write_restricted(
        pd.DataFrame({"CHILD": ["A1"]}), tmp_path / "out" / "2017-01", "x.csv", settings
    )
    assert path == tmp_path / "secure" / "2017-01" / "x.csv"


def test_a_month_being_built_writes_its_lists_where_the_month_will_be(tmp_path):
    building = tmp_path / "outputs" / ".2017-01.building-123-abc" / "2017-01"
    path = write_restricted(pd.DataFrame({"CHILD": ["A1"]}), building, "x.csv")
    assert path == tmp_path / "restricted" / "2017-01" / "x.csv"
