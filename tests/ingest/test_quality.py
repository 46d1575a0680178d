"""Whether a month is fit to report: the verdict as data (problems with kinds and values), the
words only as far as needed to check they read as before, and the month-by-month history."""

from __future__ import annotations

import json

import pytest

from pipeline.config import Settings
from pipeline.ingest import quality
from pipeline.report import words


def _summary(quarantined=(0, 2)):
    tables = {
        "header": {"rows_in": 100, "kept": 98 - quarantined[0], "merged": 2,
                   "quarantined": quarantined[0], "corrected_cells": 5},
        "episodes": {"rows_in": 200, "kept": 198 - quarantined[1], "merged": 2,
                     "quarantined": quarantined[1], "corrected_cells": 1},
    }  # fmt: skip
    total = {k: sum(t[k] for t in tables.values()) for k in tables["header"]}
    return {"month": "2017-01", "tables": tables, "rules": [], "totals": total, "files": []}


def _kinds(v):
    return [p.kind for p in v.problems]


def test_settings_tolerances_the_cases_below_rest_on():
    s = Settings()
    assert (s.max_quarantined_pct, s.max_table_quarantined_pct) == (2, 5)


def test_verdict_fit_caveat_and_unfit():
    s = Settings()  # 2% overall caveat, 5% per table
    fit = quality.verdict(_summary((0, 2)), s)  # 2/300 = 0.67%
    assert fit.fit and not fit.caveat and fit.problems == ()
    assert fit.share == pytest.approx(100 * 2 / 300) and fit.tolerance == 2
    assert words.verdict_headline(fit).startswith("Fit to report: 0.7%")
    assert words.verdict_reasons(fit) == []

    caveat = quality.verdict(_summary((4, 6)), s)  # 10/300 = 3.3% overall, episodes 3%, header 4%
    assert caveat.fit and caveat.caveat
    assert _kinds(caveat) == ["total_share"]
    (p,) = caveat.problems
    assert p.value == pytest.approx(100 * 10 / 300) and p.limit == 2 and p.tables == ()
    assert "3.3% of all rows" in words.verdict_reasons(caveat)[0]
    assert words.verdict_headline(caveat).startswith("Fit to report with a caveat")

    # episodes 12/200 = 6% > 5%: not fit; 12/300 = 4% overall > 2% also carries the caveat
    unfit = quality.verdict(_summary((0, 12)), s)
    assert not unfit.fit and unfit.caveat
    assert _kinds(unfit) == ["table_share", "total_share"]
    table_share, total_share = unfit.problems
    assert table_share.tables == ("episodes",)
    assert table_share.value == pytest.approx(6.0) and table_share.limit == 5
    assert total_share.value == pytest.approx(4.0)
    assert "6.0% of episodes rows" in words.verdict_reasons(unfit)[0]
    assert words.verdict_reasons(unfit)[0] == "6.0% of episodes rows were set aside (limit 5%)"
    assert words.verdict_headline(unfit).startswith("Not fit to report")

    jump = quality.verdict(_summary((1, 4)), s, previous=_summary((0, 0)))  # 0% -> 1.7%: no jump
    assert not jump.caveat and jump.problems == ()


def test_share_rising_past_the_tolerance_is_a_caveat():
    s = Settings()
    # 9/300 = 3.0% now against 0/300 = 0% before: rose by 3 points > 2, and 3% > 2% itself
    rose = quality.verdict(_summary((3, 6)), s, previous=_summary((0, 0)))
    assert rose.fit and rose.caveat
    assert _kinds(rose) == ["total_share", "share_rose"]
    p = rose.problems[1]
    assert (p.before, p.value) == (pytest.approx(0.0), pytest.approx(3.0))
    assert words.verdict_reasons(rose)[1] == "the share set aside rose from 0.0% to 3.0%"
    # 10/300 = 3.3% now against 6/300 = 2.0% before: up 1.3 points, no share_rose problem
    steady = quality.verdict(_summary((4, 6)), s, previous=_summary((2, 4)))
    assert _kinds(steady) == ["total_share"]


def test_accounting_balances_flagged():
    summary = _summary()
    summary["tables"]["header"]["kept"] -= 1  # a row lost without a reason
    v = quality.verdict(summary, Settings())
    assert not v.fit and _kinds(v) == ["unbalanced"] and v.problems[0].tables == ("header",)
    assert "does not balance for header" in words.verdict_reasons(v)[0]


def test_mandatory_table_without_usable_rows_is_not_fit():
    summary = _summary((0, 0))
    del summary["tables"]["episodes"]  # header only: episodes is mandatory (tables.toml)
    v = quality.verdict(summary, Settings())
    assert not v.fit and v.caveat
    assert _kinds(v) == ["no_rows"] and v.problems[0].tables == ("episodes",)
    assert words.verdict_reasons(v) == ["no usable episodes rows"]


def test_history_reads_cleaned_months(tmp_path):
    for month, q in (("2016-12", (0, 0)), ("2017-01", (0, 3))):
        (tmp_path / month).mkdir()
        (tmp_path / month / "quality.json").write_text(json.dumps(_summary(q)))
    frame = quality.history(tmp_path, "2017-01", n_months=12)
    assert frame["month"].tolist() == ["2016-12", "2017-01"]
    assert frame["quarantined_pct"].tolist() == pytest.approx([0.0, 1.0])  # 3/300 = 1%
    assert "up 1.00 percentage points" in words.quality_history(frame)


def test_read_quality_of_a_month_not_cleaned(tmp_path):
    with pytest.raises(FileNotFoundError, match="has not been cleaned"):
        quality.read_quality(tmp_path)
    (tmp_path / "quality.json").write_text(json.dumps(_summary()))
    assert quality.read_quality(tmp_path)["totals"]["rows_in"] == 300


def test_empty_vanished_and_unrecognised_tables_carry_a_caveat():
    s = Settings()
    summary = _summary()
    summary["tables"]["oc3"] = {"rows_in": 0, "kept": 0, "merged": 0, "quarantined": 0,
                                "corrected_cells": 0}  # fmt: skip
    summary["files"] = [
        {"file": "notes.csv", "table": None, "records": 3, "rows": 0, "status": "ignored"},
    ]
    previous = _summary()
    previous["tables"]["missing"] = {"rows_in": 40, "kept": 40, "merged": 0, "quarantined": 0,
                                     "corrected_cells": 0}  # fmt: skip
    v = quality.verdict(summary, s, previous)
    assert v.fit and v.caveat  # the figures stand, with a caveat
    assert _kinds(v) == ["ignored_files", "empty_tables"]
    assert v.problems[0].tables == ("notes.csv",) and v.problems[1].tables == ("missing", "oc3")
    reasons = words.verdict_reasons(v)
    assert reasons[0].startswith("1 file was not recognised as a 903 table and not used")
    assert reasons[1].startswith("no records this month for missing, oc3")
    # without them, and with no previous month, nothing is said
    assert quality.verdict(_summary(), s).problems == ()


def test_worst_offenders_rank_rules_and_tables_by_records_touched_against_last_month():
    from pipeline.ingest.quality import worst_offenders

    def summary(dup, bad_date, blanked):
        return {
            "rules": [
                {"rule": "DATE-NORM", "table": "episodes", "action": "correct",
                 "description": "tidied", "rows": 500},
                {"rule": "DUP-EXACT", "table": "episodes", "action": "merge",
                 "description": "dup", "rows": dup},
                {"rule": "DATE-INVALID", "table": "missing", "action": "quarantine",
                 "description": "bad date", "rows": bad_date},
            ],
            "cells": [{"rule": "CODE-INVALID", "table": "episodes", "column": "PLACE",
                       "description": "bad code", "cells": blanked}],
        }  # fmt: skip

    out = worst_offenders(summary(30, 10, 60), summary(20, 10, 0), n=2)
    # corrections (DATE-NORM, 500 rows) lose nothing and are left out; 60 + 30 + 10 = 100
    assert out[["rule", "records", "previous", "change"]].values.tolist() == [
        ["CODE-INVALID", 60, 0, 60],
        ["DUP-EXACT", 30, 20, 10],
    ]
    assert out["share_pct"].tolist() == [60.0, 30.0]
    first = worst_offenders(summary(30, 10, 60))
    assert first["previous"].isna().all() and len(first) == 3
