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
    assert accounting.iloc[0].tolist() == [
        "header",
        "278",
        "278",
        "277",
        "0",
        "1",
        "0.4%",
        "3",
        "2",
    ]
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


def test_threshold_table_withholds_rates_on_small_counts():
    # cut-off 17: 85 flagged, 29 broke down; 65 not flagged, 11 broke down (40 breakdowns);
    # cut-off 25: 3 flagged (1 broke down): counts under 5 shown as <5, rates on them as *
    table = pd.DataFrame(
        {"threshold": [17, 25], "n_at": [6, 2], "n_above": [85, 3], "disrupted_above": [29, 1],
         "rate_above": [29 / 85, 1 / 3], "ci_above_low": [0.25, 0.05],
         "ci_above_high": [0.45, 0.8], "n_below": [65, 147], "disrupted_below": [11, 39],
         "rate_below": [11 / 65, 39 / 147], "ci_below_low": [0.1, 0.2],
         "ci_below_high": [0.28, 0.34], "sensitivity": [29 / 40, 1 / 40],
         "sens_ci_low": [0.57, 0.004], "sens_ci_high": [0.84, 0.13],
         "flagged_per_caught": [85 / 29, 3.0]}
    )  # fmt: skip
    out = tables.thresholds(table, ON)
    assert list(out.columns) == [
        "Cut-off (score at or above)",
        "Placements scoring exactly this",
        "Placements flagged",
        "Broke down if flagged",
        "Broke down if not flagged",
        "Breakdowns caught",
        "Flagged per breakdown caught",
    ]
    assert out.iloc[0].tolist() == [
        17, "6", "85", "34% (25% to 45%)", "17% (10% to 28%)", "72% (57% to 84%)", "2.9",
    ]  # fmt: skip
    assert out.iloc[1].tolist() == [25, "<5", "<5", "*", "27% (20% to 34%)", "*", "*"]


def test_band_rates_and_incidence_tables_suppress_small_counts():
    rates = pd.DataFrame(
        {"label": ["0-13 normal", "14-16 borderline"], "n": [40, 12], "children": [30, 3],
         "disrupted": [8, 2], "rate": [0.2, 2 / 12], "ci_low": [0.1, 0.04],
         "ci_high": [0.35, 0.5]}
    )  # fmt: skip
    out = tables.band_rates(rates, ON)
    assert out.iloc[0].tolist() == ["0-13 normal", "40", "30", "8", "20% (10% to 35%)"]
    assert out.iloc[1].tolist() == ["14-16 borderline", "12", "<5", "<5", "*"]
    inc = pd.DataFrame(
        {"label": ["0-13 normal", "17-40 concern"], "n": [60, 0], "disruptions": [9, 0],
         "cif": [0.16, float("nan")], "ci_low": [0.08, float("nan")],
         "ci_high": [0.3, float("nan")]}
    )  # fmt: skip
    out = tables.incidence(inc, ON)
    assert out.iloc[0].tolist() == ["0-13 normal", "60", "9", "16% (8% to 30%)"]
    assert out.iloc[1].tolist() == ["17-40 concern", "0", "0", "-"]


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
