"""The arithmetic of `make validate-stats` (pipeline.analyses.validation) on hand-built results,
and a small run of tools/validate_stats.py on a few synthetic LAs."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses import disruption_sdq as ds
from pipeline.analyses import missing_trends as mt
from pipeline.analyses import results, validation
from pipeline.config import Settings
from tests.builders import scored_frame

ROOT = Path(__file__).resolve().parents[2]


def strong_frame():
    # 40 children scoring 10 (none disrupted), 40 scoring 25 (all disrupted), ages 5-16
    return scored_frame(
        [10] * 40 + [25] * 40, [False] * 40 + [True] * 40, ages=np.arange(80) % 12 + 5
    )


def test_statements_read_the_flags_and_intervals_a_report_shows():
    frame = strong_frame()
    sdq = results.frame_results(frame, Settings(), n_boot=100)
    s = validation.statements({"sdq": sdq})
    assert s["enough"] and (s["n"], s["events"]) == (80, 40)
    assert s["cut_more"] is True and s["cut_less"] is False and s["cut_significant"] is True
    assert s["t18_above"] == 1.0 and s["t18_below"] == 0.0 and s["t18_diff"] == 1.0
    lo, hi = s["t18_above_ci"]
    assert lo < 1.0 <= hi
    assert s["named"] is True and s["named_range"] == (11, 11)
    assert s["logistic_fitted"] and s["logistic_significant"] is True
    assert s["rate_all"] == 0.5 and s["rate_borderline"] is None
    assert s["cif_concern_ci"][0] is not None
    # too few placements: the flags are unknown (None), not False
    few = validation.statements({"sdq": results.frame_results(frame.iloc[:5], Settings())})
    assert few["cut_more"] is None and few["named"] is None and few["logistic_fitted"] is None


def test_estimands_are_the_reports_point_estimates_on_pooled_data():
    frame = strong_frame()
    truth = validation.estimands(frame)
    assert truth["rate_all"] == 0.5 and truth["t18_diff"] == 1.0 and truth["t14_sens"] == 1.0
    assert truth["optimum"] == 11 and 11 in truth["optimum_near"]
    assert truth["auc"] == 1.0
    assert truth["logistic_ratio"] == pytest.approx(ds.logistic_model(frame, intervals=False).ratio)


def test_table_rates_budgets_and_unknowns():
    # three LAs without the effect: one false claim of 'more' in 3 known, one unknown
    null = [
        {"cut_more": True, "rate_all_ci": (0.1, 0.3)},
        {"cut_more": False, "rate_all_ci": (0.25, 0.4)},
        {"cut_more": False, "rate_all_ci": (None, None)},
        {"cut_more": None, "rate_all_ci": (0.1, 0.2)},
    ]
    effect = [
        {"logistic_ratio_ci": (1.01, 1.2), "named": True, "named_range": (15, 22)},
        {"logistic_ratio_ci": (1.2, 1.3), "named": True, "named_range": (10, 12)},
        {"logistic_ratio_ci": (0.9, 1.1), "named": False, "named_range": (None, None)},
    ]
    truth_null = {"rate_all": 0.22}
    truth_effect = {"logistic_ratio": 1.1, "optimum_near": [18, 19]}
    table = validation.table(null, effect, truth_null, truth_effect)
    row = table.set_index(["statement", "on"])
    more = row.loc[("cut-off 18: flagged placements disrupt more (p < 0.05)", "null")]
    assert more["rate"] == pytest.approx(1 / 3) and more["las"] == 3 and more["ok"] is False
    cov = row.loc[("logistic: odds ratio per point, 95% CI", "effect")]
    assert cov["rate"] == pytest.approx(2 / 3) and cov["budget"] == ">= 90%"
    named = row.loc[("named cut-off range holds a near-optimal score", "effect")]
    assert named["rate"] == pytest.approx(1 / 2) and named["las"] == 2  # only where named
    rate = row.loc[("12-month disruption rate, all: 95% CI", "null")]
    # 0.1-0.3 holds 0.22; 0.25-0.4 and 0.1-0.2 do not; the unknown interval is left out
    assert rate["rate"] == pytest.approx(1 / 3) and rate["las"] == 3
    assert set(table["measure"]) == {"false_positive", "coverage", "power", "share"}
    empty = table[table["las"] == 0]
    assert empty["rate"].isna().all()


def test_missing_statements_and_table():
    stationary = pd.DataFrame(
        {"missing_incidents": [40] * 13 + [50], "missing_children": [20] * 13 + [21]}
    )
    changed = pd.DataFrame({"missing_incidents": [20] * 13 + [60], "missing_children": [20] * 14})
    flags = [
        validation.missing_statements(results.as_data(mt.against_recent(m)))
        for m in (stationary, changed)
    ]
    assert flags[0]["n_comparisons"] == 6 and not flags[0]["any_unusual"]
    assert flags[1]["any_unusual"] and flags[1]["unusual|missing_incidents|the expected range"]
    table = validation.missing_table(flags).set_index("statement")
    page = table.loc["the page calls the month unusual (any comparison)"]
    assert page["rate"] == 0.5 and page["months"] == 2 and not page["ok"]
    assert table.loc["incidents against last month: own p < 0.05 (unadjusted)", "measure"] == (
        "information"
    )


def test_bias_table_compares_the_cumulative_incidence_with_the_observed_rate():
    effect = [
        {f"cif_{b}": 0.3 for b in validation.BANDS},
        {f"cif_{b}": 0.5 for b in validation.BANDS},
    ]
    truth = {f"rate_{b}": 0.4 for b in validation.BANDS}
    bias = validation.bias_table(effect, truth).set_index("band")
    assert bias.loc["all", "cumulative_incidence_12m"] == pytest.approx(0.4)
    assert bias.loc["all", "relative_difference"] == pytest.approx(0.0)


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location(
        "validate_stats", ROOT / "tools" / "validate_stats.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate_stats"] = module  # the worker processes find one_la by this name
    spec.loader.exec_module(module)
    return module


def test_a_small_validation_run(tool):
    # 3 LAs without and 3 with the effect, two processes: loose bounds only (the budgets hold
    # over 100 + 100 LAs: `make validate-stats`)
    out = tool.run(n=3, seed=41, jobs=2, n_boot=200, months=2, progress=False)
    table = out["table"]
    assert len(table) == len(validation.CHECKS)
    known = table["rate"].dropna()
    assert ((known >= 0) & (known <= 1)).all() and len(known) >= len(table) - 2
    fp = table[table["measure"] == "false_positive"]
    assert (fp["rate"].fillna(0) <= 2 / 3).all()
    cov = table[(table["measure"] == "coverage") & table["rate"].notna()]
    assert cov["rate"].mean() >= 0.6
    missing = out["missing"]
    assert missing.iloc[0]["months"] == 12 and missing.iloc[0]["rate"] <= 0.5
    text = tool.report(out, 3)
    assert "false_positive" in text and "Pooled values" in text and math.isfinite(out["seconds"])
