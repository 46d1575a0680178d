"""Placement stability (pipeline.indicators.stability): 3+ placements (former NI 62), moves,
disruptions and long-term stability (former NI 63). R = 31/01/2017 unless stated; the year to R starts 01/02/2016; R - 30 months =
31/07/2014; R - 24 months = 31/01/2015. Every child is born 01/06/2006 (10 at R) unless stated.
"""

from __future__ import annotations

import pytest

from pipeline import indicators
from pipeline.config import Settings
from tests.builders import (
    model_of,
    moves_fixture,
    stability_fixture,
    three_plus_fixture,
    values_at,
)

R = "2017-01"


def run(tables, refs=(R,), settings=None):
    return indicators.all_indicators(
        model_of(tables, settings), list(refs), themes=(indicators.stability,)
    )


# ---------------------------------------------------------------------------------------------
# 3+ placements


def test_placements_3plus_pct():
    tables = three_plus_fixture()
    jan = values_at(run(tables), R)
    # looked after at R: A, B, C, D, F, G = 6; with 3+ placements: B, D, G = 3 -> 50%
    assert jan["placements_3plus_pct"] == (50.0, 3, 6)
    # G's move on R is a January move and its U6 placement (CREQB) disrupted in January
    assert jan["placement_moves"][0] == 1
    assert jan["disruptions"][0] == 1
    # counting same-carer moves adds F (3 placements): 4 / 6
    jan_tu = values_at(run(tables, settings=Settings(count_same_carer_moves=True)), R)
    assert jan_tu["placements_3plus_pct"][1:] == (4, 6)
    assert jan_tu["placements_3plus_pct"][0] == pytest.approx(400 / 6)


# ---------------------------------------------------------------------------------------------
# moves and disruptions


def test_placement_moves_and_disruptions():
    tables = moves_fixture()
    tidy = run(tables, refs=("2016-12", R))
    jan, dec = values_at(tidy, R), values_at(tidy, "2016-12")
    # January moves: G 2 + K 1 + L 2 = 5; disruptions: G (CREQB 10/01) + L (LAREQ 10/01) = 2
    assert jan["placement_moves"][0] == 5
    assert jan["disruptions"][0] == 2
    # December: M's move and breakdown
    assert (dec["placement_moves"][0], dec["disruptions"][0]) == (1, 1)
    # counting T/U: H's RNE T becomes a January move (status change, not a disruption)
    jan_tu = values_at(run(tables, settings=Settings(count_same_carer_moves=True)), R)
    assert (jan_tu["placement_moves"][0], jan_tu["disruptions"][0]) == (6, 2)
    # breakdown codes are a setting: without LAREQ only G's breakdown counts
    jan_b = values_at(run(tables, settings=Settings(breakdown=("CREQB", "CREQO", "CHILD"))), R)
    assert jan_b["disruptions"][0] == 1


# ---------------------------------------------------------------------------------------------
# long-term stability


def test_long_term_stability_pct():
    jan = values_at(run(stability_fixture()), R)
    # denominator: 1, 4, 5, 6, 7, 8, 9, 10 = 8; stable: 1, 4, 6, 8, 10 = 5 -> 62.5%
    assert jan["long_term_stability_pct"] == (62.5, 5, 8)


def test_long_term_stability_a_month_later():
    # R = 28/02/2017: R - 30 months = 28/08/2014 so child 2 (01/08/2014) now counts; child 3 is
    # 16 (excluded as before), child 4 is now 16 (born 01/02/2001): excluded; child 5's placement
    # (01/02/2015) began on or before R - 24 months = 28/02/2015: stable.
    # denominator: 1, 2, 5, 6, 7, 8, 9, 10 = 8; stable: 1, 2, 5, 6, 8, 10 = 6 -> 75%
    feb = values_at(run(stability_fixture(), refs=("2017-02",)), "2017-02")
    assert feb["long_term_stability_pct"] == (75.0, 6, 8)


def test_stability_theme_alone_gives_its_ids():
    tidy = run(stability_fixture())
    assert list(tidy["indicator"]) == list(indicators.stability.IDS)
