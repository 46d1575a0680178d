"""Results as data (pipeline.analyses.results): JSON types, and the same figures the notebooks
render."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses import disruption_sdq as ds
from pipeline.analyses import missing_trends as mt
from pipeline.analyses import results


@dataclass(frozen=True)
class _Example:
    n: np.int64
    rate: float
    ci: tuple
    when: pd.Timestamp

    @property
    def doubled(self) -> int:
        return 2 * int(self.n)


def test_as_data_gives_json_types():
    value = _Example(np.int64(3), math.nan, (np.float64(0.1), math.inf), pd.Timestamp("2017-01-31"))
    assert results.as_data(value) == {
        "n": 3,
        "rate": None,
        "ci": [0.1, None],
        "when": "2017-01-31",
        "doubled": 6,
    }
    frame = pd.DataFrame(
        {"a": [1, 2], "b": [np.nan, 0.5], "m": pd.period_range("2017-01", periods=2, freq="M")}
    )
    assert results.as_data(frame) == [
        {"a": 1, "b": None, "m": "2017-01"},
        {"a": 2, "b": 0.5, "m": "2017-02"},
    ]
    assert results.as_data({"x": np.bool_(True), "y": pd.NA, 1: "z"}) == {
        "x": True,
        "y": None,
        "1": "z",
    }


@pytest.fixture(scope="module")
def synthetic():
    from pipeline import model, synth
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import extract_from_frames

    tables = synth.truth_tables(seed=7, history_start="2010-04", scale=0.5)
    return model.build(clean_extract(extract_from_frames(tables), month="2017-01").tables)


def test_analyse_holds_the_figures_the_reports_show(synthetic):
    data = results.analyse(synthetic, "2017-01", n_boot=200, seed=3)
    text = json.dumps(data, allow_nan=False)  # strict JSON: no NaN
    assert json.loads(text) == data
    ref = pd.Timestamp("2017-01-31")
    frame = ds.analysis_frame(synthetic.placements, synthetic.sdq_scores, ref, synthetic.settings)
    s = ds.summary(frame, synthetic.settings, n_boot=200, seed=3)
    got = data["sdq"]["summary"]
    assert (got["n"], got["n_children"], got["disrupted"]) == (s.n, s.n_children, s.disrupted)
    assert got["rate_ci"] == pytest.approx(list(s.rate_ci))
    assert got["auc"] == pytest.approx(s.auc) and got["optimal"]["named"] == s.optimal.named
    assert got["targeting"]["significant"] == s.targeting.significant
    assert got["targeting"]["cut"]["flagged"] == s.targeting.cut.flagged
    assert got["logistic"]["ratio"] == pytest.approx(s.logistic.ratio)
    assert got["logistic"]["pooled_groups"] == list(s.logistic.pooled_groups)
    assert got["cox"]["ci_low"] == pytest.approx(s.cox.ci_low)
    assert got["bands"]["method"] == s.bands.method
    table = ds.threshold_table(frame)
    assert len(data["sdq"]["thresholds"]) == len(table)
    assert data["sdq"]["thresholds"][8]["n_above"] == table.loc[8, "n_above"]
    assert [r["band"] for r in data["sdq"]["cumulative_incidence_12m"]] == [
        "normal", "borderline", "concern", "all",
    ]  # fmt: skip
    monthly = mt.monthly_series(synthetic, "2017-01", 24)
    against = mt.against_recent(monthly)
    assert data["missing"]["against_recent"]["n_comparisons"] == against.n_comparisons
    assert data["missing"]["against_recent"]["threshold"] == pytest.approx(against.threshold)
    assert len(data["missing"]["series"]) == 24
    assert data["missing"]["month_summary"]["incidents"] == int(
        monthly["missing_incidents"].iloc[-1]
    )
