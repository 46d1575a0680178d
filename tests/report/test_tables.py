"""Stakeholder tables (pipeline.report.tables): formatting and suppression."""

from __future__ import annotations

import pandas as pd

from pipeline.analyses.missing_trends import MonthSummary
from pipeline.config import Settings
from pipeline.report import tables

ON = Settings()


def test_quality_row_counts_are_not_suppressed():
    summary = {
        "tables": {
            "header": {
                "rows_in": 278,
                "kept": 277,
                "merged": 0,
                "quarantined": 1,
                "corrected_cells": 3,
                "blanked_cells": 2,
            }
        },
        "cells": [
            {
                "rule": "CODE-INVALID",
                "table": "header",
                "column": "SEX",
                "description": "d",
                "cells": 2,
            }
        ],
        "rules": [
            {
                "rule": "DUP-EXACT",
                "table": "header",
                "action": "merge",
                "description": "d",
                "rows": 2,
            }
        ],
    }
    accounting = tables.quality_accounting(summary)
    assert accounting.iloc[0].tolist() == ["header", "278", "277", "0", "1", "0.4%", "3", "2"]
    assert tables.quality_cells(summary).iloc[0].tolist() == [
        "CODE-INVALID",
        "header",
        "SEX",
        "d",
        "2",
    ]
    assert tables.quality_rules(summary)["Rows"].tolist() == ["2"]


def test_rate_table_suppresses_small_groups():
    frame = pd.DataFrame(
        {"group": ["Under 1", "1 to 4"], "n": [91, 69], "k": [13, 3], "rate": [14.29, 4.35],
         "ci_low": [8.5, 1.5], "ci_high": [22.9, 12.0]}
    )  # fmt: skip
    out = tables.rate_table(frame, "Age at entry", ON)
    assert out.iloc[0].tolist() == ["Under 1", "91", "13", "14.3%", "8.5% to 22.9%"]
    assert out.iloc[1].tolist() == ["1 to 4", "69", "<5", "*", "*"]


def test_threshold_table_withholds_rates_on_small_flagged_counts():
    table = pd.DataFrame(
        {"threshold": [17, 25], "n_above": [85, 3], "disrupted_above": [29, 1],
         "rate_above": [29 / 85, 1 / 3], "rate_below": [0.17, 0.25],
         "sensitivity": [0.74, 0.03], "specificity": [0.47, 0.99]}
    )  # fmt: skip
    out = tables.thresholds(table, ON)
    assert out.iloc[0].tolist() == [17, "85", "34%", "17%", "74%", "47%"]
    assert out.iloc[1, 1:3].tolist() == ["<5", "*"]


def test_missing_breakdown_and_change_reasons():
    frame = pd.DataFrame(
        {"age_band": pd.Categorical(["12-13", None], categories=["12-13"]),
         "incidents": [4, 47], "children": [2, 25], "incidents_pct": [7.8, 92.2]}
    )  # fmt: skip
    out = tables.missing_breakdown(frame, "Age band", ON)
    assert out.iloc[0].tolist() == ["12-13", "<5", "<5", "*"]
    assert out.iloc[1].tolist() == ["Not recorded", "47", "25", "92%"]
    reasons = pd.DataFrame({"Ending": ["Planned move"], "Reason": ["Care plan"], "placements": [2]})
    assert tables.change_reasons(reasons, ON)["placements"].tolist() == ["<5"]


def test_return_interviews_table():
    s = MonthSummary("2017-01", 20, 10, 12, 17, 20, 0, 0, 4.0, 9.0, 18, 12, 3)
    out = tables.return_interviews(s, ON)
    assert out["Episodes"].tolist() == ["20", "18", "12", "<5"]
    assert out["Share"].tolist() == ["-", "90%", "60%", "*"]
    none = MonthSummary("2017-01", 20, 10, 12, 17, 20, 0, 0, 4.0, 9.0, None, None, None)
    assert len(tables.return_interviews(none, ON)) == 1
