"""SDQ completion and scores (pipeline.indicators.sdq). R = 31/01/2017; the year to R starts
01/02/2016. Every child is born 01/06/2006 (10 at R) unless stated."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import indicators
from pipeline.config import Settings
from tests.builders import model_of, sdq_fixture, values_at

R = "2017-01"


def run(tables, refs=(R,), settings=None):
    return indicators.all_indicators(
        model_of(tables, settings), list(refs), themes=(indicators.care, indicators.sdq)
    )


def test_sdq_indicators():
    jan = values_at(run(sdq_fixture()), R)
    # looked after at R: 10 children; eligible: 1, 3, 5, 7, 9, 12 = 6
    assert jan["cla_count"][0] == 10
    assert jan["sdq_eligible"] == (6, 6, 10)
    # latest score in the 12 months to R: 1 -> 20, 5 -> 17, 9 -> 13 (3 has only an older one)
    assert jan["sdq_completion_pct"] == (50.0, 3, 6)
    assert jan["sdq_mean"][1:] == (50, 3)
    assert jan["sdq_mean"][0] == pytest.approx(50 / 3)
    # 17 or more: 20 and 17 -> 2 of 3
    assert jan["sdq_concern_pct"][1:] == (2, 3)
    assert jan["sdq_concern_pct"][0] == pytest.approx(200 / 3)
    # latest score dated in the 12 months to R (from 01/02/2016) for every looked-after child:
    # 1:20 2:30 4:18 5:17 8:10 9:13 (6 children); child 3's 22 of 31/01/2016 is a day too old
    # and does not count (SPEC 5); >= 18: 1, 2, 4 -> 3
    assert jan["sdq_high_in_placement"] == (3, 3, 6)
    # the threshold is a setting: >= 17 adds child 5
    jan17 = values_at(run(sdq_fixture(), settings=Settings(sdq_threshold=17)), R)
    assert jan17["sdq_high_in_placement"][0] == 4


def test_sdq_falls_back_to_oc2_and_handles_no_scores():
    # no sdq table: oc2 scores (undated) count as current; child 1 scored 20, child 7 nothing
    jan = values_at(run(sdq_fixture(with_sdq=False, oc2=[(1, 20), (7, None)])), R)
    assert jan["sdq_completion_pct"][1:] == (1, 6)
    assert jan["sdq_mean"][0] == 20
    assert jan["sdq_high_in_placement"][:2] == (1, 1)
    # no SDQ data at all: eligibility still counted, rates undefined (NaN), counts 0
    none = values_at(run(sdq_fixture(with_sdq=False)), R)
    assert none["sdq_eligible"][0] == 6
    assert none["sdq_completion_pct"][1:] == (0, 6) and none["sdq_completion_pct"][0] == 0
    assert np.isnan(none["sdq_mean"][0]) and np.isnan(none["sdq_concern_pct"][0])
    assert none["sdq_high_in_placement"][0] == 0


def test_oc2_scores_count_at_every_reference_date():
    # undated oc2 scores stand in at every R: child 1's 20 is its latest score at 31/12/2016 and
    # at R (>= 18, of the one looked-after child with a score). At 31/12/2016 child 1 (in care
    # from 01/02/2016) is not yet eligible, so no completion or mean there; at R it is 20.
    tidy = run(sdq_fixture(with_sdq=False, oc2=[(1, 20)]), refs=("2016-12", R))
    dec, jan = values_at(tidy, "2016-12"), values_at(tidy, R)
    assert dec["sdq_high_in_placement"] == jan["sdq_high_in_placement"] == (1, 1, 1)
    assert np.isnan(dec["sdq_mean"][0]) and jan["sdq_mean"][0] == 20


def test_sdq_theme_alone_gives_its_ids():
    tidy = indicators.all_indicators(model_of(sdq_fixture()), [R], themes=(indicators.sdq,))
    assert list(tidy["indicator"]) == list(indicators.sdq.IDS)
