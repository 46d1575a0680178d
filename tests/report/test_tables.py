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


def test_rate_table_protects_small_groups_and_adds_all_children():
    # k: 13 and 3 of 16. "<5" beside 13 and the total 16 gives 3 back, so 13 is withheld too.
    frame = pd.DataFrame(
        {"group": ["Under 1", "1 to 4"], "n": [91, 69], "k": [13, 3], "rate": [14.29, 4.35],
         "ci_low": [8.5, 1.5], "ci_high": [22.9, 12.0]}
    )  # fmt: skip
    out = tables.rate_table(frame, "Age at entry", ON)
    assert out.iloc[0].tolist() == ["Under 1", "91", "*", "*", "*"]
    assert out.iloc[1].tolist() == ["1 to 4", "69", "<5", "*", "*"]
    # all children: 16 of 160 = 10.0%, Wilson 95% interval 6.2% to 15.6% (worked by hand)
    assert out.iloc[2].tolist() == ["All children", "160", "16", "10.0%", "6.2% to 15.6%"]
    assert "disclosure" in out.attrs


def test_rate_table_without_small_counts_shows_everything():
    frame = pd.DataFrame(
        {"group": ["a", "b"], "n": [50, 50], "k": [10, 0], "rate": [20.0, 0.0],
         "ci_low": [11.2, 0.0], "ci_high": [33.0, 7.1]}
    )  # fmt: skip
    out = tables.rate_table(frame, "Group", ON)
    assert out["With 3+ placements"].tolist() == ["10", "0", "10"]
    assert out["Rate"].tolist() == ["20.0%", "0.0%", "10.0%"]


def test_threshold_table_withholds_rates_on_small_counts():
    # cut-off 17: 85 flagged, 29 broke down; 65 not flagged, 11 broke down (40 breakdowns);
    # cut-off 25: 3 flagged (1 broke down): counts under 5 shown as <5, rates on them as *;
    # placements from 17 to 24: 85 - 3 = 82
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
        "Placements scoring in this range",
        "Placements flagged",
        "Broke down if flagged",
        "Broke down if not flagged",
        "Breakdowns caught",
        "Flagged per breakdown caught",
    ]
    assert out.iloc[0].tolist() == [
        17, "82 (17-24)", "85", "34% (25% to 45%)", "17% (10% to 28%)", "72% (57% to 84%)", "2.9",
    ]  # fmt: skip
    assert out.iloc[1].tolist() == [25, "<5 (25-40)", "<5", "*", "27% (20% to 34%)", "*", "*"]


def test_band_rates_and_incidence_tables_protect_small_counts():
    # disrupted 8 and 2 of 10: "<5" and the total give 8 back, so 8 is withheld; children
    # 30 and 3 with 33 in all (a child can be in two bands): 3 is only known to be 3 or 4
    rates = pd.DataFrame(
        {"label": ["0-13 normal", "14-16 borderline", "all scores"], "n": [40, 12, 52],
         "children": [30, 3, 33], "disrupted": [8, 2, 10], "rate": [0.2, 2 / 12, 10 / 52],
         "ci_low": [0.1, 0.04, 0.1], "ci_high": [0.35, 0.5, 0.32]}
    )  # fmt: skip
    out = tables.band_rates(rates, ON)
    assert out.iloc[0].tolist() == ["0-13 normal", "40", "30", "*", "*"]
    assert out.iloc[1].tolist() == ["14-16 borderline", "12", "<5", "<5", "*"]
    assert out.iloc[2].tolist() == ["All scores", "52", "33", "10", "19% (10% to 32%)"]
    inc = pd.DataFrame(
        {"label": ["0-13 normal", "17-40 concern", "all scores"], "n": [60, 0, 60],
         "children": [50, 0, 50], "disruptions": [9, 0, 9], "cif": [0.16, float("nan"), 0.16],
         "ci_low": [0.08, float("nan"), 0.08], "ci_high": [0.3, float("nan"), 0.3]}
    )  # fmt: skip
    out = tables.incidence(inc, ON)
    assert out.iloc[0].tolist() == ["0-13 normal", "60", "50", "9", "16% (8% to 30%)"]
    assert out.iloc[1].tolist() == ["17-40 concern", "0", "0", "0", "-"]
    assert out.iloc[2].tolist() == ["All scores", "60", "50", "9", "16% (8% to 30%)"]


def test_missing_breakdown_protects_against_subtraction_from_the_total():
    # incidents 4 and 47 of 51, children 2 and 25 of 27: both second figures would give the
    # small ones back from the totals, so both are withheld, with the share built on them
    frame = pd.DataFrame(
        {"age_band": pd.Categorical(["12-13", None], categories=["12-13"]),
         "incidents": [4, 47], "children": [2, 25], "incidents_pct": [7.8, 92.2]}
    )  # fmt: skip
    frame.attrs["children"] = 27
    out = tables.missing_breakdown(frame, "Age band", ON)
    assert out.iloc[0].tolist() == ["12-13", "<5", "<5", "*"]
    assert out.iloc[1].tolist() == ["Not recorded", "*", "*", "*"]
    assert out.iloc[2].tolist() == ["All", "51", "27", "100%"]


def test_missing_breakdown_children_in_two_groups_are_not_subtracted():
    # 25 children in all but 27 by group (two counted twice): 27 - 25 = 2 does not give the
    # small group back (it could be 3 or 4), so 14 and 9 stay; the 16 incidents are withheld
    frame = pd.DataFrame(
        {"age_band": ["10-12", "13-15", "16-17"], "incidents": [4, 31, 16],
         "children": [4, 14, 9], "incidents_pct": [7.8, 60.8, 31.4]}
    )  # fmt: skip
    frame.attrs["children"] = 25
    out = tables.missing_breakdown(frame, "Age band", ON)
    assert out["Incidents"].tolist() == ["<5", "31", "*", "51"]
    assert out["Children"].tolist() == ["<5", "14", "9", "25"]
    assert out["Share of incidents"].tolist() == ["*", "61%", "*", "100%"]


def test_change_reasons_subtotals_and_protection():
    reasons = pd.DataFrame(
        {"Ending": ["Unplanned", "Unplanned", "Planned", "Planned"],
         "Reason": ["x", "y", "z", "w"], "placements": [30, 3, 20, 12]}
    )  # fmt: skip
    out = tables.change_reasons(reasons, ON)
    # 3 is small; 33 - 30 would give it back, so 30 is withheld
    assert out["Reason"].tolist() == ["x", "y", "All reasons", "z", "w", "All reasons", ""]
    assert out["Placements"].tolist() == ["*", "<5", "33", "20", "12", "32", "65"]
    one = pd.DataFrame({"Ending": ["Planned move"], "Reason": ["Care plan"], "placements": [2]})
    assert tables.change_reasons(one, ON)["Placements"].tolist() == ["<5", "<5", "<5"]


def test_return_interviews_table():
    s = MonthSummary("2017-01", 20, 10, 12, 17, 20, 0, 0, 4.0, 9.0, 18, 12, 3)
    out = tables.return_interviews(s, ON)
    assert out["Episodes"].tolist() == ["20", "18", "12", "<5"]
    assert out["Share"].tolist() == ["-", "90%", "60%", "*"]
    none = MonthSummary("2017-01", 20, 10, 12, 17, 20, 0, 0, 4.0, 9.0, None, None, None)
    assert len(tables.return_interviews(none, ON)) == 1


def test_three_plus_moves_split_planned_and_unplanned_with_nothing_recoverable():
    """Under 1: 13 with 3+ placements, 8 with an unplanned move, so 5 planned only; 1 to 4: 3
    with 3+, all unplanned (small); 10 to 15: 20, 18 unplanned, 2 planned (small)."""
    from pipeline.config import Settings
    from pipeline.report import disclosure, html, tables

    frame = pd.DataFrame(
        {"group": ["Under 1", "1 to 4", "10 to 15"], "k": [13, 3, 20], "k_unplanned": [8, 3, 18]}
    )
    s = Settings()
    out = tables.three_plus_moves(frame, "Age at entry", s)
    assert out.columns.tolist() == [
        "Age at entry", "With 3+ placements", "With an unplanned move", "Planned moves only"
    ]  # fmt: skip
    # 10 to 15's planned 2 would follow from the planned total 7 - 5 - 0, so Under 1's 5 is
    # withheld, and then its 8 and 13 (13 = 8 + 5; 8 = 29 - 3 - 18)
    assert out.values.tolist() == [
        ["Under 1", "*", "*", "*"],
        ["1 to 4", "<5", "<5", "0"],
        ["10 to 15", "20", "*", "<5"],
        ["All children", "36", "29", "7"],
    ]
    assert disclosure.audit_page(html.table_html(out).data, s.suppression_threshold) == []
