"""The indicator register (pipeline/data/indicators.toml), tidy frames, RAG status and the
kpis.csv table (pipeline.indicators.register, pipeline.indicators.kpi_table)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from pipeline import data, indicators
from pipeline.config import Settings
from pipeline.indicators import (
    KPI_COLUMNS,
    TIDY_COLUMNS,
    all_indicators,
    kpi_table,
    polarity,
    rag_status,
    wide,
)
from pipeline.indicators.reference import AtReferenceDates
from pipeline.indicators.register import tidy
from pipeline.model.dates import as_reference_dates
from tests.builders import looked_after_fixture, missing_la, model_of, stability_fixture

R = "2017-01"


# ---------------------------------------------------------------------------------------------
# the register and the themes


def test_every_registered_id_is_computed_by_exactly_one_theme():
    ids = Counter(i for theme in indicators.THEMES for i in theme.IDS)
    assert [i for i, n in ids.items() if n > 1] == []  # no id in two themes
    assert set(ids) == set(data.indicators())  # every id registered, every registered id made
    assert len(data.indicators()) == 24 + 31 + 16  # SPEC 5, then the scorecard (SPEC 5b)


@pytest.mark.parametrize("theme", indicators.THEMES, ids=lambda t: t.__name__.rsplit(".", 1)[-1])
def test_each_theme_figures_returns_exactly_its_ids(theme):
    refs = as_reference_dates(["2016-12", R])
    figures = theme.figures(AtReferenceDates(model_of(missing_la()), refs))
    assert sorted(figures) == sorted(theme.IDS)  # (in any order: tidy() orders them)
    for name, triple in figures.items():
        assert len(triple) == 3, name  # value, numerator, denominator
        assert all(len(np.asarray(part)) == len(refs) for part in triple), name


def test_register_entries_have_label_unit_and_polarity():
    units = {"count", "percent", "rate_per_10k", "score", "hours", "days"}
    for name, meta in data.indicators().items():
        assert meta["label"], name
        assert meta["unit"] in units, name
        assert meta["higher_is_better"] in (True, False, ""), name
    assert polarity("long_term_stability_pct") is True
    assert polarity("placements_3plus_pct") is False
    assert polarity("cla_count") is None  # context, not performance
    assert polarity("not_an_indicator") is None


def test_all_indicators_come_in_register_order():
    out = all_indicators(model_of(missing_la()), [R])
    assert list(out["indicator"]) == list(data.indicators())
    # the themes' order does not matter: the register decides
    backwards = all_indicators(model_of(missing_la()), [R], themes=indicators.THEMES[::-1])
    pd.testing.assert_frame_equal(out, backwards)


# ---------------------------------------------------------------------------------------------
# tidy frames


def test_tidy_shape():
    out = all_indicators(model_of(looked_after_fixture()), ["2016-12", R])
    assert list(out.columns) == TIDY_COLUMNS
    assert set(out["indicator"]) == set(data.indicators())
    assert len(out) == 2 * len(data.indicators())
    assert out["period_end"].dtype == "datetime64[ns]"
    # for each id, the reference dates oldest first
    first = out[out["indicator"] == "cla_count"]["period_end"]
    assert list(first) == [pd.Timestamp("2016-12-31"), pd.Timestamp("2017-01-31")]


def test_tidy_puts_unregistered_ids_last_and_handles_nothing():
    refs = as_reference_dates([R])
    out = tidy({"zz_local": ([1.0], [1.0], [np.nan]), "cla_count": ([5], [5], [np.nan])}, refs)
    assert list(out["indicator"]) == ["cla_count", "zz_local"]
    assert out["value"].dtype == "float64"
    empty = tidy({}, refs)
    assert empty.empty and list(empty.columns) == TIDY_COLUMNS
    assert empty["period_end"].dtype == "datetime64[ns]"


def test_wide_one_row_per_reference_date():
    out = wide(all_indicators(model_of(looked_after_fixture()), ["2016-12", R]))
    assert list(out["period_end"]) == [pd.Timestamp("2016-12-31"), pd.Timestamp("2017-01-31")]
    # the looked-after counts of tests/indicators/test_care.py: 4 at 31/12/2016, 5 at R
    assert list(out["cla_count"]) == [4, 5]
    assert set(out.columns) == {"period_end", *data.indicators()}


# ---------------------------------------------------------------------------------------------
# RAG status and the KPI table


@pytest.mark.parametrize(
    "value, target, higher, expected",
    [
        (75, 70, True, "green"), (70, 70, True, "green"), (63, 70, True, "amber"),
        (62.9, 70, True, "red"), (9, 10, False, "green"), (11, 10, False, "amber"),
        (11.1, 10, False, "red"), (np.nan, 10, False, ""), (5, np.nan, True, ""),
        (5, 10, None, ""),
    ],
)  # fmt: skip
def test_rag_status(value, target, higher, expected):
    # green meets the target; amber misses by no more than 10% of the target; red otherwise
    assert rag_status(value, target, higher) == expected


def test_kpi_table():
    settings = Settings(
        targets={"long_term_stability_pct": 65.0, "placements_3plus_pct": 10.0},
        benchmarks={"national": {"long_term_stability_pct": 69.0}, "neighbours": {}},
    )
    table = kpi_table(model_of(stability_fixture(), settings), R)
    assert list(table.columns) == KPI_COLUMNS + ["benchmark_national", "benchmark_neighbours"]
    assert list(table["indicator"]) == list(data.indicators())  # register order
    row = table.set_index("indicator").loc["long_term_stability_pct"]
    # 62.5% against a target of 65 (higher is better): within 10% (58.5) -> amber
    assert (row["value"], row["numerator"], row["denominator"]) == (62.5, 5, 8)
    assert row["label"].startswith("Long-term stability")
    assert (row["unit"], bool(row["higher_is_better"]), row["target"]) == ("percent", True, 65.0)
    assert row["rag"] == "amber" and row["benchmark_national"] == 69.0
    assert np.isnan(row["benchmark_neighbours"])
    three = table.set_index("indicator").loc["placements_3plus_pct"]
    assert (three["value"], three["rag"]) == (0.0, "green")  # nobody has 3 placements: 0 <= 10
    count = table.set_index("indicator").loc["cla_count"]
    assert pd.isna(count["higher_is_better"]) and count["rag"] == "" and np.isnan(count["target"])
    assert (table["period_end"] == pd.Timestamp("2017-01-31")).all()


def test_kpi_table_without_benchmarks_has_no_benchmark_columns():
    table = kpi_table(model_of(stability_fixture()), R)
    assert list(table.columns) == KPI_COLUMNS
    assert (table["rag"] == "").all()  # no targets, no RAG


def test_health_figures_are_labelled_by_their_source():
    """Without a local health table the health figures come from OC2 and say so; with one, the
    register's own label."""
    import pandas as pd

    from pipeline.indicators import all_indicators, kpi_table
    from tests.builders import model_of, spell, tables_of

    t = tables_of(spell(1, [("01/04/2015", "S", "U4")]))
    m = model_of(t)
    rows = kpi_table(m, "2017-01").set_index("indicator")
    assert rows.at["dental_check_pct", "label"].endswith("(from OC2: as at the latest 31 March)")
    t["health"] = pd.DataFrame(
        {
            "CHILD": pd.Series(["1"], dtype="str"),
            "HEALTH_DATE": pd.to_datetime(["2016-06-01"]),
            "HEALTH_TYPE": pd.Series(["DENTAL"], dtype="str"),
        }
    )
    m = model_of(t)
    assert "from_oc2" not in all_indicators(m, ["2017-01"]).attrs
    rows = kpi_table(m, "2017-01").set_index("indicator")
    assert rows.at["dental_check_pct", "label"] == (
        "Children looked after 12+ months with a dental check in the last 12 months"
    )
    assert rows.at["dental_check_pct", "value"] == 100.0  # one child, one check in the year


def test_wide_is_the_pivot_of_the_tidy_rows_first_row_winning():
    ends = pd.to_datetime(["2017-01-31", "2016-12-31", "2016-11-30"])
    tidy_rows = pd.DataFrame(
        {
            "indicator": pd.array(["b", "a", "b", "a", "c", "b"], dtype="str"),
            "period_end": ends[[0, 0, 1, 2, 1, 0]],
            "value": [1.0, np.nan, 3.0, 4.0, 5.0, 9.0],  # the last repeats (b, Jan): first wins
        }
    )
    out = wide(tidy_rows)
    assert list(out.columns) == ["period_end", "a", "b", "c"]
    assert list(out["period_end"]) == sorted(ends)
    expected = {"a": [4.0, np.nan, np.nan], "b": [np.nan, 3.0, 1.0], "c": [np.nan, 5.0, np.nan]}
    for name, values in expected.items():
        np.testing.assert_array_equal(out[name].to_numpy(), values)
    pivot = tidy_rows.pivot_table(
        index="period_end", columns="indicator", values="value", aggfunc="first", dropna=False
    )
    np.testing.assert_array_equal(out[["a", "b", "c"]].to_numpy(), pivot.to_numpy())
