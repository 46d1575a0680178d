"""Who is in care (pipeline.indicators.care): cla_count, cla_rate_per_10k, cla_starts, cla_ceased.

R = 31/01/2017 unless stated. Each expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import indicators
from pipeline.config import Settings
from tests.builders import looked_after_fixture, model_of, spell, tables_of, values_at

R = "2017-01"


def run(tables, refs=(R,), settings=None, themes=(indicators.care,)):
    return indicators.all_indicators(model_of(tables, settings), list(refs), themes=themes)


def test_cla_count_rate_starts_and_ceased():
    tables = looked_after_fixture()
    tidy = run(tables, refs=("2016-12", R), settings=Settings(population_0_17=50_000))
    jan, dec = values_at(tidy, R), values_at(tidy, "2016-12")
    # January: looked after at 31/01 = children 1, 3, 5, 6, 8 -> 5; rate 5 / 50,000 * 10,000 = 1.0
    assert jan["cla_count"][:2] == (5, 5)
    assert jan["cla_rate_per_10k"] == (1.0, 5, 50_000)
    # starts in January: 3, 7, 8 (re-entry); ceased: 2 (on R), 7
    assert jan["cla_starts"][0] == 3
    assert jan["cla_ceased"][0] == 2
    # December: looked after at 31/12 = 1, 2, 5, 6 -> 4; no start; 8 ceased on 20/12
    assert dec["cla_count"][0] == 4
    assert (dec["cla_starts"][0], dec["cla_ceased"][0]) == (0, 1)
    # the definition read straight off the episodes agrees
    ep = tables["episodes"]
    ep = ep[~ep["LS"].isin(["V3", "V4"])]
    r = pd.Timestamp("2017-01-31")
    direct = ep[(ep["DECOM"] <= r) & (ep["DEC"].isna() | (ep["DEC"] > r))]["CHILD"].nunique()
    assert direct == 5


def test_cla_rate_needs_the_settings_population():
    # no population_0_17 in the settings: no rate (NaN), the count is still the numerator
    assert Settings().population_0_17 is None
    jan = values_at(run(looked_after_fixture()), R)
    value, numerator, denominator = jan["cla_rate_per_10k"]
    assert np.isnan(value) and numerator == 5 and np.isnan(denominator)
    # 5 looked after / 56,400 aged 0-17 * 10,000 = 0.8865...
    rate = values_at(run(looked_after_fixture(), settings=Settings(population_0_17=56_400)), R)
    assert rate["cla_rate_per_10k"] == (5 / 56_400 * 10_000, 5, 56_400)
    # counts have no denominator
    assert np.isnan(jan["cla_count"][2]) and np.isnan(jan["cla_starts"][2])


def test_child_counted_once_when_bad_data_leaves_two_periods_open():
    # an open episode followed by another one (cleaning flags EPI-OPEN-NOT-LAST, keeps both):
    # two periods both open at R, but one child: cla_count 1; its 2 placements are not 3+
    tables = tables_of(
        spell(1, [("01/01/2016", "S", "U4")]),
        spell(1, [("01/06/2016", "P", "U6")]),
        spell(2, [("01/01/2016", "S", "U4")]),
    )
    jan = values_at(run(tables, themes=(indicators.care, indicators.stability)), R)
    assert jan["cla_count"][0] == 2
    assert jan["placements_3plus_pct"] == (0.0, 0, 2)


def test_no_episodes_gives_zero_counts():
    jan = values_at(run(tables_of(), themes=indicators.THEMES), R)
    assert jan["cla_count"][0] == 0 and jan["placement_moves"][0] == 0
    assert np.isnan(jan["placements_3plus_pct"][0])
    assert jan["cla_starts"][0] == 0 and jan["cla_ceased"][0] == 0


def test_care_theme_alone_gives_its_ids():
    tidy = run(looked_after_fixture(), refs=("2016-12", R))
    assert list(dict.fromkeys(tidy["indicator"])) == list(indicators.care.IDS)
    assert len(tidy) == 2 * len(indicators.care.IDS)
