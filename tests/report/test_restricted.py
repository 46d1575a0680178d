"""Child-level lists (pipeline.report.restricted): marked on every row, beside a note, in the
month's restricted folder."""

from __future__ import annotations

import pandas as pd

from pipeline.report.restricted import MARKING, NOTE, write_restricted


def test_restricted_list_marked_and_outside_reports(tmp_path):
    path = write_restricted(pd.DataFrame({"CHILD": ["A1", "B2"]}), tmp_path / "2017-01", "x.csv")
    assert path == tmp_path / "2017-01" / "restricted" / "x.csv"
    frame = pd.read_csv(path)
    assert frame.columns[0] == "sensitivity" and frame["sensitivity"].tolist() == [MARKING] * 2
    assert (path.parent / "SENSITIVE.txt").read_text() == NOTE + "\n"
    assert NOTE.startswith("OFFICIAL-SENSITIVE")
