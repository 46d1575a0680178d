"""Placement stability breakdowns (pipeline.analyses.stability), worked by hand and checked
against the indicators. R = 31/01/2017; the year to R starts 01/02/2016."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.analyses.stability import change_reasons, three_plus_breakdown
from pipeline.config import Settings
from pipeline.indicators import all_indicators
from tests.builders import model_of, moves_fixture, spell, tables_of, three_plus_fixture, values_at

R = pd.Timestamp("2017-01-31")


def jan(tables, settings=None):
    """{indicator: (value, numerator, denominator)} at R."""
    return values_at(all_indicators(model_of(tables, settings), [R]), R)


def test_three_plus_breakdown_by_entry_age_and_current_placement():
    out = three_plus_breakdown(model_of(three_plus_fixture(), Settings()), "2017-01-31")
    # every child born 01/06/2006. Looked after at R: A, B, C, D, F, G (E left). Entry ages
    # (current period): A 9, B 9, C 9, F 9, G 9 -> "5 to 9"; D re-entered 01/10/2016 aged 10 ->
    # "10 to 15". 3+ placements: B, D, G.
    age = out["age_at_entry"].set_index("group")
    assert (age.loc["5 to 9", "n"], age.loc["5 to 9", "k"]) == (5, 2)
    assert (age.loc["10 to 15", "n"], age.loc["10 to 15", "k"]) == (1, 1)
    assert age.loc["Under 1", "n"] == 0 and np.isnan(age.loc["Under 1", "rate"])
    assert age.loc["5 to 9", "rate"] == pytest.approx(40.0)
    # Wilson 95% for 2 of 5: (0.1176, 0.7693)
    assert age.loc["5 to 9", "ci_low"] == pytest.approx(11.76, abs=0.01)
    assert age.loc["5 to 9", "ci_high"] == pytest.approx(76.93, abs=0.01)
    # placement types in force at R: A, B, D in K2, G's K2 starts on R; C in U6, F in U4
    kind = out["placement_type"].set_index("group")
    homes = "Secure and children's homes"
    assert (kind.loc[homes, "n"], kind.loc[homes, "k"]) == (4, 3)
    assert (kind.loc["Foster", "n"], kind.loc["Foster", "k"]) == (2, 0)
    # the breakdowns add up to the indicator
    v = jan(three_plus_fixture())
    assert out["age_at_entry"]["k"].sum() == v["placements_3plus_pct"][1] == 3
    assert out["placement_type"]["n"].sum() == v["placements_3plus_pct"][2] == 6


def test_three_plus_breakdown_uses_the_placement_type_in_force_at_r():
    tables = tables_of(
        # P: fostered (U4) from 01/06/2016, placed for adoption with the same carer (A3) from
        #    01/12/2016: one placement that began as foster; in force at R: A3
        spell("P", [("01/06/2016", "S", "U4"), ("01/12/2016", "P", "A3")]),
        # Q: in a U6 placement, on a temporary T4 move over R: in force, the U6 it interrupts
        spell("Q", [("01/06/2016", "S", "U6"), ("25/01/2017", "P", "T4")]),
    )
    model = model_of(tables)
    assert list(model.placements["place"]) == ["U4", "U6"]  # one placement each
    kind = three_plus_breakdown(model, R)["placement_type"].set_index("group")
    assert (kind.loc["Placed for adoption", "n"], kind.loc["Foster", "n"]) == (1, 1)
    assert kind["n"].sum() == 2 and kind["k"].sum() == 0


def test_change_reasons_in_year_to_r():
    reasons = change_reasons(model_of(moves_fixture(), Settings()).placements, "2017-01-31")
    # G: U4 CREQB (disruption), U6 CARPL (planned); K: ALLEG (other unplanned); L: U4 CARPL
    # (planned), U6 LAREQ (disruption); M: CREQO in December (disruption); J left care: excluded
    got = {(r.Ending, r.Reason): r.placements for r in reasons.itertuples()}
    disruption = "Disruption (broke down)"
    assert got == {
        (disruption, "Carer requests placement end due to child's behaviour"): 1,
        (disruption, "Carer requests placement end, other than due to child's behaviour"): 1,
        (disruption, "Responsible authority requests placement end"): 1,
        ("Other unplanned", "Allegation (s47)"): 1,
        ("Planned move", "Change to/implementation of care plan"): 2,
    }
    assert list(reasons["Ending"]) == [disruption] * 3 + ["Other unplanned", "Planned move"]


def test_breakdown_totals_match_indicator_on_synthetic(small_synth):
    from pipeline.ingest.clean import clean_extract
    from pipeline.ingest.load import load_extract

    raw = load_extract(small_synth / "truth" / "2017-01")
    model = model_of(clean_extract(raw, month="2017-01").tables)
    out = three_plus_breakdown(model, "2017-01-31")
    v = values_at(all_indicators(model, ["2017-01"]), "2017-01")
    assert v["placements_3plus_pct"][1] > 0  # the synthetic LA has children with 3+ placements
    for frame in out.values():
        assert frame["n"].sum() == v["placements_3plus_pct"][2]
        assert frame["k"].sum() == v["placements_3plus_pct"][1]
